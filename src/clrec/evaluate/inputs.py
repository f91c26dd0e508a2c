"""Read the preprocess output and the model directory into evaluation inputs."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

logger = logging.getLogger(__name__)

SEQUENCE_COLUMNS = ("user_idx", "train_items", "valid_item", "test_item")
ITEM_COLUMNS = ("item_idx", "item_id", "popularity")
# Score names in model_config.json and the score evaluation uses for each.
# The data contract names the dot product "dot"; the training step writes
# "inner_product", so both are accepted.
SCORE_NAMES = {"dot": "dot", "inner_product": "dot", "cosine": "cosine"}


class EvaluationInputError(ValueError):
    """An evaluation input that is missing or does not match its data contract."""


@dataclass(frozen=True)
class SplitInputs:
    """The users of one split that have a held-out target, with the model input of each."""

    name: str
    user_idx: np.ndarray  # int64 [U]
    histories: list[list[int]]  # model input per user, oldest item first
    targets: np.ndarray  # int64 [U], item_idx of the held-out item
    whole_sequences: list[np.ndarray]  # every item of the user: train, valid and test


@dataclass(frozen=True)
class EvaluationData:
    """The catalog, its training popularity and both evaluation splits."""

    item_ids: np.ndarray  # object [N + 1], row 0 (padding) is ""
    popularity: np.ndarray  # int64 [N + 1], training events per item, row 0 is 0
    valid: SplitInputs
    test: SplitInputs
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def num_items(self) -> int:
        return len(self.item_ids) - 1


@dataclass(frozen=True)
class ModelFiles:
    """The files of a trained model that evaluation reads directly."""

    item_embeddings: np.ndarray  # float32 [N + 1, d], row 0 is padding
    score: str  # "dot" or "cosine"
    model_config: dict


def _read_table(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    if not path.is_file():
        raise EvaluationInputError(f"input file not found: {path}; run the preprocess step first")
    table = pq.read_table(path)
    missing = [name for name in columns if name not in table.column_names]
    if missing:
        raise EvaluationInputError(
            f"{path} lacks the columns {missing}; expected at least {list(columns)} "
            "as the preprocess step writes them"
        )
    return table.select(list(columns)).to_pandas()


def read_items(sequences_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """Return item ids and training popularity indexed by item_idx (row 0 is padding)."""
    path = sequences_dir / "items.parquet"
    items = _read_table(path, ITEM_COLUMNS)
    num_items = len(items)
    expected = np.arange(1, num_items + 1)
    if not np.array_equal(items["item_idx"].to_numpy(dtype=np.int64), expected):
        raise EvaluationInputError(
            f"{path}: item_idx must be 1..N in order with no gaps (N={num_items}); "
            "rerun the preprocess step"
        )
    if (items["popularity"] < 0).any():
        raise EvaluationInputError(f"{path}: popularity must be a non-negative count of training events")
    item_ids = np.empty(num_items + 1, dtype=object)
    item_ids[0] = ""
    item_ids[1:] = items["item_id"].astype(str).to_numpy()
    popularity = np.zeros(num_items + 1, dtype=np.int64)
    popularity[1:] = items["popularity"].to_numpy(dtype=np.int64)
    return item_ids, popularity


def _check_item_range(values: np.ndarray, num_items: int, source: str) -> None:
    if values.size and (values.min() < 1 or values.max() > num_items):
        invalid = values[(values < 1) | (values > num_items)][0]
        raise EvaluationInputError(
            f"{source} contains invalid item_idx {invalid}, outside 1..{num_items} of items.parquet; "
            "sequences.parquet and items.parquet must come from the same preprocess run"
        )


def read_splits(sequences_dir: Path, num_items: int) -> tuple[SplitInputs, SplitInputs, dict[str, int]]:
    """Build the validation and test inputs from `sequences.parquet`.

    Validation users see their training items; test users see their training
    items followed by their validation item. Users without a target, or with
    an empty input, are left out of that split and counted.
    """
    path = sequences_dir / "sequences.parquet"
    frame = _read_table(path, SEQUENCE_COLUMNS)
    counts = {"users": len(frame)}
    split_rows: dict[str, dict[str, list]] = {
        name: {"user_idx": [], "histories": [], "targets": [], "whole": []} for name in ("valid", "test")
    }
    skipped = {"valid": {"no_target": 0, "empty_input": 0}, "test": {"no_target": 0, "empty_input": 0}}

    for user_idx, train_items, valid_item, test_item in frame.itertuples(index=False, name=None):
        train = [int(item) for item in (train_items if train_items is not None else [])]
        valid = None if pd.isna(valid_item) else int(valid_item)
        test = None if pd.isna(test_item) else int(test_item)
        whole = train + [item for item in (valid, test) if item is not None]
        _check_item_range(np.asarray(whole, dtype=np.int64), num_items, f"{path} (user_idx {user_idx})")
        inputs = {"valid": train, "test": train + ([valid] if valid is not None else [])}
        targets = {"valid": valid, "test": test}
        for name in ("valid", "test"):
            if targets[name] is None:
                skipped[name]["no_target"] += 1
                continue
            if not inputs[name]:
                skipped[name]["empty_input"] += 1
                continue
            rows = split_rows[name]
            rows["user_idx"].append(int(user_idx))
            rows["histories"].append(inputs[name])
            rows["targets"].append(targets[name])
            rows["whole"].append(np.asarray(whole, dtype=np.int64))

    splits = []
    for name in ("valid", "test"):
        rows = split_rows[name]
        splits.append(
            SplitInputs(
                name=name,
                user_idx=np.asarray(rows["user_idx"], dtype=np.int64),
                histories=rows["histories"],
                targets=np.asarray(rows["targets"], dtype=np.int64),
                whole_sequences=rows["whole"],
            )
        )
        counts[f"{name}_users"] = len(rows["user_idx"])
        counts[f"{name}_skipped_no_target"] = skipped[name]["no_target"]
        counts[f"{name}_skipped_empty_input"] = skipped[name]["empty_input"]
    logger.info(
        "read %d users from %s: %d validation and %d test users with a target",
        counts["users"],
        path,
        counts["valid_users"],
        counts["test_users"],
    )
    return splits[0], splits[1], counts


def read_evaluation_data(sequences_dir: Path) -> EvaluationData:
    """Read `items.parquet` and `sequences.parquet` of one preprocess run."""
    item_ids, popularity = read_items(sequences_dir)
    valid, test, counts = read_splits(sequences_dir, len(item_ids) - 1)
    return EvaluationData(item_ids=item_ids, popularity=popularity, valid=valid, test=test, counts=counts)


def score_of(model_config: dict, path: Path) -> str:
    """Return "dot" or "cosine" for the score named in a model_config.json."""
    score = model_config.get("score") if isinstance(model_config, dict) else None
    if score not in SCORE_NAMES:
        raise EvaluationInputError(f"{path}: score is {score!r}; expected one of {sorted(SCORE_NAMES)}")
    return SCORE_NAMES[score]


def read_model_files(model_dir: Path, num_items: int) -> ModelFiles:
    """Read the item embeddings and the score function of a trained model."""
    config_path = model_dir / "model_config.json"
    embeddings_path = model_dir / "item_embeddings.npy"
    for path in (config_path, embeddings_path):
        if not path.is_file():
            raise EvaluationInputError(f"model file not found: {path}; run the train step first")
    try:
        model_config = json.loads(config_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise EvaluationInputError(f"invalid JSON in {config_path}: {error}") from error
    score = score_of(model_config, config_path)
    embeddings = np.load(embeddings_path)
    if embeddings.ndim != 2 or embeddings.shape[0] != num_items + 1:
        raise EvaluationInputError(
            f"{embeddings_path} has shape {embeddings.shape}; expected [{num_items + 1}, d] "
            "(padding row plus one row per item of items.parquet); the model and the "
            "sequences must come from the same preprocess run"
        )
    return ModelFiles(
        item_embeddings=np.ascontiguousarray(embeddings, dtype=np.float32),
        score=score,
        model_config=model_config,
    )
