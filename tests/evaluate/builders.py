"""Write small preprocess outputs, model directories and registry versions for the tests."""

from __future__ import annotations

import json
from pathlib import Path

import faiss
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tests.registry import standin_inference


def write_preprocess_output(
    directory: Path, item_ids: list[str], popularity: list[int], users: list[dict]
) -> Path:
    """Write `items.parquet` and `sequences.parquet` in the preprocess step's schema.

    Each user is a dict with `train` (list of item_idx) and optional `valid`
    and `test` item_idx.
    """
    directory.mkdir(parents=True, exist_ok=True)
    items = pa.table(
        {
            "item_idx": pa.array(range(1, len(item_ids) + 1), pa.int32()),
            "item_id": pa.array(item_ids, pa.string()),
            "popularity": pa.array(popularity, pa.int64()),
        }
    )
    pq.write_table(items, directory / "items.parquet")
    rows = {
        "user_idx": [],
        "user_id": [],
        "train_items": [],
        "train_timestamps": [],
        "valid_item": [],
        "valid_timestamp": [],
        "test_item": [],
        "test_timestamp": [],
    }
    for position, user in enumerate(users, start=1):
        train = list(user["train"])
        rows["user_idx"].append(position)
        rows["user_id"].append(f"u{position}")
        rows["train_items"].append(train)
        rows["train_timestamps"].append(list(range(len(train))))
        rows["valid_item"].append(user.get("valid"))
        rows["valid_timestamp"].append(None if user.get("valid") is None else len(train))
        rows["test_item"].append(user.get("test"))
        rows["test_timestamp"].append(None if user.get("test") is None else len(train) + 1)
    schema = pa.schema(
        [
            ("user_idx", pa.int32()),
            ("user_id", pa.string()),
            ("train_items", pa.list_(pa.int32())),
            ("train_timestamps", pa.list_(pa.int64())),
            ("valid_item", pa.int32()),
            ("valid_timestamp", pa.int64()),
            ("test_item", pa.int32()),
            ("test_timestamp", pa.int64()),
        ]
    )
    pq.write_table(pa.table(rows, schema=schema), directory / "sequences.parquet")
    return directory


def write_model(directory: Path, item_embeddings: np.ndarray, score: str) -> Path:
    """Write a model directory that evaluation and the test stand-in of the inference module read."""
    return standin_inference.write_model(directory, np.asarray(item_embeddings, dtype=np.float32), score)


def write_registry_version(
    registry: Path,
    version: str,
    item_idx: list[int],
    item_ids: list[str],
    item_embeddings: np.ndarray,
    score: str,
) -> Path:
    """Publish a version by hand in the registry layout and make it production.

    `item_embeddings` has one row per entry of `item_idx` (no padding row);
    the user tower is the stand-in's, built from the same rows.
    """
    folder = registry / "versions" / version
    folder.mkdir(parents=True)
    vectors = np.asarray(item_embeddings, dtype=np.float32).copy()
    if score == "cosine":
        faiss.normalize_L2(vectors)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    faiss.write_index(index, str(folder / "index.faiss"))
    pq.write_table(
        pa.table({"item_idx": pa.array(item_idx, pa.int32()), "item_id": pa.array(item_ids, pa.string())}),
        folder / "item_ids.parquet",
    )
    # The stand-in tower looks items up by production item_idx, so the
    # table is laid out with a padding row and one row per item_idx.
    table = np.zeros((max(item_idx) + 1, vectors.shape[1]), dtype=np.float32)
    table[item_idx] = np.asarray(item_embeddings, dtype=np.float32)
    model_dir = write_model(registry.parent / f"{registry.name}-models" / version, table, score)
    standin_inference.export_user_tower(model_dir, folder)
    (folder / "config.yaml").write_text("seed: 42\n", encoding="utf-8")
    (folder / "manifest.json").write_text(json.dumps({"version": version, "files": {}}), encoding="utf-8")
    (registry / "production.json").write_text(
        json.dumps({"version": version, "previous": [], "updated_at": "2026-01-01T00:00:00+00:00"}),
        encoding="utf-8",
    )
    return folder
