"""Builders of small publication inputs: model, evaluation, preprocess and feature folders."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from clrec.config import ClrecConfig
from clrec.registry import publish_model
from tests.registry import standin_inference
from tests.registry.standin_inference import write_model

ITEM_ID_OFFSET = 1000  # raw item id = item_idx + 1000, so a mix-up of the two shows


@dataclass(frozen=True)
class PublishDirs:
    """The four input folders of one publication."""

    model: Path
    evaluation: Path
    sequences: Path
    features: Path


def raw_item_id(item_idx: int) -> str:
    return str(item_idx + ITEM_ID_OFFSET)


def write_inputs(
    root: Path,
    embeddings: np.ndarray,
    score: str = "dot",
    gate_passed: bool = True,
    histories: list[list[int]] | None = None,
) -> PublishDirs:
    """Write every input of `publish_model` for a catalog given by `embeddings` ([N + 1, d])."""
    num_items = embeddings.shape[0] - 1
    dirs = PublishDirs(root / "model", root / "evaluation", root / "sequences", root / "features")
    write_model(dirs.model, embeddings, score)

    dirs.sequences.mkdir(parents=True)
    pq.write_table(
        pa.table(
            {
                "item_idx": pa.array(range(1, num_items + 1), type=pa.int32()),
                "item_id": pa.array([raw_item_id(i) for i in range(1, num_items + 1)], type=pa.string()),
                "popularity": pa.array([1] * num_items, type=pa.int64()),
            }
        ),
        dirs.sequences / "items.parquet",
    )
    if histories is None:
        histories = [[1 + (user + step) % num_items for step in range(3)] for user in range(20)]
    pq.write_table(
        pa.table(
            {
                "user_idx": pa.array(range(1, len(histories) + 1), type=pa.int32()),
                "user_id": pa.array([f"u{user}" for user in range(1, len(histories) + 1)]),
                "train_items": pa.array(histories, type=pa.list_(pa.int32())),
                "valid_item": pa.array([None] * len(histories), type=pa.int32()),
                "test_item": pa.array([None] * len(histories), type=pa.int32()),
            }
        ),
        dirs.sequences / "sequences.parquet",
    )
    (dirs.sequences / "manifest.json").write_text(json.dumps({"items": num_items, "users": len(histories)}))

    dirs.features.mkdir(parents=True)
    pq.write_table(
        pa.table(
            {
                "item_idx": pa.array(range(1, num_items + 1), type=pa.int32()),
                "title": pa.array([f"title {i}" for i in range(1, num_items + 1)]),
            }
        ),
        dirs.features / "item_features.parquet",
    )

    dirs.evaluation.mkdir(parents=True)
    (dirs.evaluation / "metrics.json").write_text(json.dumps({"test": {"hr@50": 0.25}}))
    gate = {"promote": gate_passed, "failed_checks": [] if gate_passed else ["hr_floor"]}
    (dirs.evaluation / "gate.json").write_text(json.dumps(gate))
    return dirs


def random_catalog(num_items: int, dimension: int, seed: int = 0) -> np.ndarray:
    """Return clustered item embeddings [num_items + 1, dimension] with the zero padding row."""
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((16, dimension)) * 3.0
    items = centers[rng.integers(0, 16, num_items)] + rng.standard_normal((num_items, dimension))
    table = np.zeros((num_items + 1, dimension), dtype=np.float32)
    table[1:] = items
    return table


def publish_with_standin(config: ClrecConfig, dirs: PublishDirs, registry_url: str) -> dict:
    """Publish `dirs` with the stand-in model functions and return the manifest."""
    return publish_model(
        config,
        dirs.model,
        dirs.evaluation,
        registry_url,
        sequences_dir=dirs.sequences,
        features_dir=dirs.features,
        backend=standin_inference,
    )
