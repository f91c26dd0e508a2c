"""Tiny datasets in the preprocess and features output formats, written for the tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from clrec.config import ClrecConfig, load_config

GENRES = ["action", "comedy", "drama", "horror"]


def cyclic_sequences(
    num_users: int, num_items: int, length: int, seed: int = 0, stride: int | None = None
) -> list[list[int]]:
    """Return sequences where each item is followed by the next id (N wraps to 1).

    User u starts at item u * stride + 1 when `stride` is given, else at a random item.
    """
    if stride is not None:
        starts = np.arange(num_users) * stride % num_items + 1
    else:
        starts = np.random.default_rng(seed).integers(1, num_items + 1, size=num_users)
    return [[int((start - 1 + step) % num_items + 1) for step in range(length)] for start in starts]


def write_sequences(directory: Path, sequences: list[list[int]], num_items: int) -> Path:
    """Write `sequences.parquet` and `items.parquet` with a leave-one-out split.

    The last item of a sequence is the test target and the one before it the
    validation target. Users with fewer than 3 items have null targets.
    """
    directory.mkdir(parents=True, exist_ok=True)
    rows = []
    counts = np.zeros(num_items + 1, dtype=np.int64)
    for user, items in enumerate(sequences, start=1):
        has_targets = len(items) >= 3
        train = items[:-2] if has_targets else items
        for item in train:
            if item <= num_items:
                counts[item] += 1
        rows.append(
            {
                "user_idx": user,
                "user_id": f"u{user}",
                "train_items": train,
                "train_timestamps": list(range(len(train))),
                "valid_item": items[-2] if has_targets else None,
                "valid_timestamp": len(items) - 2 if has_targets else None,
                "test_item": items[-1] if has_targets else None,
                "test_timestamp": len(items) - 1 if has_targets else None,
            }
        )
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
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), directory / "sequences.parquet")
    items = pa.table(
        {
            "item_idx": pa.array(range(1, num_items + 1), pa.int32()),
            "item_id": pa.array([f"i{item}" for item in range(1, num_items + 1)], pa.string()),
            "popularity": pa.array(counts[1:], pa.int64()),
        }
    )
    pq.write_table(items, directory / "items.parquet")
    return directory


def write_features(directory: Path, num_items: int, with_text: bool = True) -> Path:
    """Write `item_features.parquet` and `feature_schema.json` with a genre list, a decade and a title."""
    directory.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(
        {
            "item_idx": np.arange(1, num_items + 1, dtype=np.int32),
            "genres": [[GENRES[item % 4], GENRES[(item * 3) % 4]] for item in range(1, num_items + 1)],
            "decade": ["__unknown__" if item % 5 == 0 else f"19{item % 3 + 7}0s" for item in range(1, num_items + 1)],
        }
    )
    schema = {"categorical": ["decade"], "multi_categorical": ["genres"], "text": [], "unknown_token": "__unknown__"}
    if with_text:
        frame["title"] = [f"Movie number {item} ({1970 + item})" for item in range(1, num_items + 1)]
        schema["text"] = ["title"]
    frame.to_parquet(directory / "item_features.parquet", index=False)
    (directory / "feature_schema.json").write_text(json.dumps(schema), encoding="utf-8")
    return directory


def write_empty_features(directory: Path, num_items: int) -> Path:
    """Write the features output of a dataset without item features (ids only)."""
    directory.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"item_idx": np.arange(1, num_items + 1, dtype=np.int32)}).to_parquet(
        directory / "item_features.parquet", index=False
    )
    schema = {"categorical": [], "multi_categorical": [], "text": [], "unknown_token": "__unknown__"}
    (directory / "feature_schema.json").write_text(json.dumps(schema), encoding="utf-8")
    return directory


TINY_TRAIN = [
    "train.model.dim=16",
    "train.model.max_length=8",
    "train.model.num_layers=1",
    "train.model.num_heads=2",
    "train.model.dropout=0.0",
    "train.model.feature_dim=4",
    "train.batch_size=4",
    "train.loss.queue_size=64",
    "train.optim.warmup_steps=2",
    "train.progress_bar=false",
    "train.tensorboard=false",
    "train.valid_k=10",
]


def tiny_config(*overrides: str) -> ClrecConfig:
    """Return the default configuration shrunk for tests, with extra `key=value` overrides."""
    return load_config(None, [*TINY_TRAIN, *overrides])
