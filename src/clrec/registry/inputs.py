"""Read and check what a publication needs: model, evaluation and preprocess outputs."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

logger = logging.getLogger(__name__)

# Training writes "inner_product" or "cosine"; "dot" is accepted as a synonym.
SCORE_TO_METRIC = {"inner_product": "inner_product", "dot": "inner_product", "cosine": "cosine"}


class PublishInputError(ValueError):
    """A publication input that is missing or breaks its data contract."""


@dataclass(frozen=True)
class PublishInputs:
    """Everything read from the model, evaluation and preprocess folders."""

    item_embeddings: np.ndarray  # float32 [N + 1, d], row 0 is the zero padding row
    model_config: dict[str, Any]  # model_config.json of the model folder
    score: str  # "dot" or "cosine", from model_config.json
    item_ids: pa.Table  # item_idx int32 1..N in order, item_id string
    metrics: dict[str, Any]  # metrics.json of the evaluation folder
    gate: dict[str, Any]  # gate.json of the evaluation folder
    gate_passed: bool  # the gate's decision
    preprocess_manifest: Path  # manifest.json of the preprocess folder

    @property
    def num_items(self) -> int:
        return self.item_embeddings.shape[0] - 1


def _require_file(path: Path, step: str) -> Path:
    if not path.is_file():
        raise PublishInputError(f"input file not found: {path}; run the {step} step first")
    return path


def read_json(path: Path, step: str) -> Any:
    """Read a JSON file, naming the file and the step that writes it when it is missing or invalid."""
    _require_file(path, step)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise PublishInputError(f"invalid JSON in {path}: {error}; rerun the {step} step") from None


def gate_decision(gate: dict[str, Any], path: Path) -> bool:
    """Return the evaluation gate's decision, stored as the boolean "promote"."""
    decision = gate.get("promote") if isinstance(gate, dict) else None
    if not isinstance(decision, bool):
        keys = sorted(gate) if isinstance(gate, dict) else type(gate).__name__
        raise PublishInputError(
            f"{path} has no boolean 'promote' decision (keys: {keys}); rerun the evaluate step"
        )
    return decision


def read_item_ids(sequences_dir: Path, num_items: int) -> pa.Table:
    """Return `item_idx int32, item_id string` for items 1..N from items.parquet."""
    path = _require_file(sequences_dir / "items.parquet", "preprocess")
    table = pq.read_table(path, columns=None)
    missing = [name for name in ("item_idx", "item_id") if name not in table.column_names]
    if missing:
        raise PublishInputError(f"{path} lacks the columns {missing}; rerun the preprocess step")
    item_idx = table.column("item_idx").to_numpy().astype(np.int64)
    if table.num_rows != num_items or not np.array_equal(item_idx, np.arange(1, num_items + 1)):
        raise PublishInputError(
            f"{path} must hold items 1..{num_items} in order to match item_embeddings.npy "
            f"({num_items + 1} rows with padding); it has {table.num_rows} rows. "
            "The model and the sequences must come from the same preprocess run."
        )
    return pa.table(
        {
            "item_idx": pa.array(item_idx, type=pa.int32()),
            "item_id": table.column("item_id").cast(pa.string()),
        }
    )


def read_publish_inputs(model_dir: Path, evaluation_dir: Path, sequences_dir: Path) -> PublishInputs:
    """Read and cross-check the three input folders of a publication."""
    model_config = read_json(model_dir / "model_config.json", "train")
    score = model_config.get("score") if isinstance(model_config, dict) else None
    if score not in SCORE_TO_METRIC:
        raise PublishInputError(
            f"{model_dir / 'model_config.json'}: score is {score!r}; expected one of {sorted(SCORE_TO_METRIC)}"
        )
    embeddings_path = _require_file(model_dir / "item_embeddings.npy", "train")
    embeddings = np.load(embeddings_path, allow_pickle=False)
    if embeddings.ndim != 2:
        raise PublishInputError(f"{embeddings_path} has shape {embeddings.shape}; expected [N + 1, d]")

    gate_path = evaluation_dir / "gate.json"
    gate = read_json(gate_path, "evaluate")
    inputs = PublishInputs(
        item_embeddings=np.ascontiguousarray(embeddings, dtype=np.float32),
        model_config=model_config,
        score=score,
        item_ids=read_item_ids(sequences_dir, embeddings.shape[0] - 1),
        metrics=read_json(evaluation_dir / "metrics.json", "evaluate"),
        gate=gate,
        gate_passed=gate_decision(gate, gate_path),
        preprocess_manifest=_require_file(sequences_dir / "manifest.json", "preprocess"),
    )
    logger.info(
        "read model %s (%d items, dimension %d, score %s); gate %s",
        model_dir,
        inputs.num_items,
        embeddings.shape[1],
        score,
        "passed" if inputs.gate_passed else "failed",
    )
    return inputs


def sample_histories(sequences_dir: Path, count: int, seed: int) -> list[list[int]]:
    """Return the whole item sequences of up to `count` users, drawn with a fixed seed.

    A sequence is the training items followed by the validation and test
    items, which is what serving encodes for a user. Users with no items are
    skipped.
    """
    path = _require_file(sequences_dir / "sequences.parquet", "preprocess")
    frame = pq.read_table(path, columns=["train_items", "valid_item", "test_item"]).to_pylist()
    histories = []
    for row in frame:
        history = list(row["train_items"] or [])
        history += [row[name] for name in ("valid_item", "test_item") if row[name] is not None]
        if history:
            histories.append([int(item) for item in history])
    if len(histories) <= count:
        return histories
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(len(histories), size=count, replace=False))
    return [histories[i] for i in chosen]
