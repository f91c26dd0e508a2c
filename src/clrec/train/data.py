"""Training windows and the validation split, read from the preprocess output.

Each user's training sequence is cut, from its end backwards, into windows
of at most `max_length + 1` items. A window yields up to `max_length`
(input, next item) pairs, and consecutive windows share one item, so each
training transition is in exactly one window. An epoch on one worker visits
every window once; with several workers a few windows repeat (see
`epoch_order`). Windows are left-padded with 0.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

logger = logging.getLogger(__name__)

SEQUENCES_FILE = "sequences.parquet"
ITEMS_FILE = "items.parquet"
_SEQUENCE_COLUMNS = ["user_idx", "train_items", "valid_item"]


@dataclass
class TrainingData:
    """Everything the loop reads from the preprocess output.

    Attributes:
        num_items: N; item ids are 1..N.
        item_counts: [N + 1] training count of each item (entry 0 unused).
        windows: [W, max_length + 1] left-padded training windows.
        window_users: [W] user_idx of each window.
        valid_histories: training items of each user with a validation target.
        valid_targets: [V] validation item of those users.
        users_without_transitions: users with fewer than 2 training items,
            who yield no training pair (they still count in validation).
    """

    num_items: int
    item_counts: np.ndarray
    windows: np.ndarray
    window_users: np.ndarray
    valid_histories: list[np.ndarray]
    valid_targets: np.ndarray
    users_without_transitions: int

    @property
    def num_transitions(self) -> int:
        inputs, targets = self.windows[:, :-1], self.windows[:, 1:]
        return int(((inputs != 0) & (targets != 0)).sum())


def split_into_windows(items: np.ndarray, max_length: int) -> list[np.ndarray]:
    """Cut one sequence into windows of at most `max_length + 1` items, newest window first.

    Example with max_length 3: [1, 2, 3, 4, 5, 6] gives [3, 4, 5, 6] and [1, 2, 3],
    whose targets (all but the first item) are 4, 5, 6 and 2, 3.
    """
    windows = []
    end = len(items)
    while end >= 2:
        start = max(0, end - max_length - 1)
        windows.append(items[start:end])
        end -= max_length
    return windows


def build_windows(sequences: list[np.ndarray], users: np.ndarray, max_length: int) -> tuple[np.ndarray, np.ndarray]:
    """Return left-padded windows [W, max_length + 1] of all users and their user_idx [W]."""
    rows: list[np.ndarray] = []
    owners: list[int] = []
    for user, items in zip(users, sequences):
        for window in split_into_windows(items, max_length):
            rows.append(window)
            owners.append(int(user))
    windows = np.zeros((len(rows), max_length + 1), dtype=np.int64)
    for row, window in enumerate(rows):
        windows[row, max_length + 1 - len(window) :] = window
    return windows, np.asarray(owners, dtype=np.int64)


def read_item_counts(sequences_dir: Path) -> np.ndarray:
    """Read `items.parquet` and return the training count of items 0..N (entry 0 is 0)."""
    path = sequences_dir / ITEMS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"item table not found: {path}; run the preprocess step first")
    items = pd.read_parquet(path, columns=["item_idx", "popularity"])
    ids = items["item_idx"].to_numpy()
    if len(ids) == 0 or not np.array_equal(ids, np.arange(1, len(ids) + 1)):
        raise ValueError(f"{path}: item_idx must be 1..N in order with no gaps")
    popularity = items["popularity"].to_numpy()
    if (popularity < 0).any():
        raise ValueError(f"{path}: popularity must not be negative")
    return np.concatenate([[0], popularity]).astype(np.int64)


def load_training_data(sequences_dir: Path, max_length: int) -> TrainingData:
    """Read `sequences.parquet` and `items.parquet` and build windows and the validation split."""
    item_counts = read_item_counts(sequences_dir)
    num_items = len(item_counts) - 1

    path = sequences_dir / SEQUENCES_FILE
    if not path.is_file():
        raise FileNotFoundError(f"sequences not found: {path}; run the preprocess step first")
    frame = pd.read_parquet(path, columns=_SEQUENCE_COLUMNS)
    sequences = [np.asarray(items, dtype=np.int64) for items in frame["train_items"]]
    highest = max((int(items.max()) for items in sequences if len(items)), default=0)
    lowest = min((int(items.min()) for items in sequences if len(items)), default=1)
    if highest > num_items or lowest < 1:
        raise ValueError(
            f"{path}: train_items contain ids in [{lowest}, {highest}] but {ITEMS_FILE} has items 1..{num_items}"
        )

    users = frame["user_idx"].to_numpy()
    windows, window_users = build_windows(sequences, users, max_length)
    short_users = sum(len(items) < 2 for items in sequences)
    if len(windows) == 0:
        raise ValueError(f"{path}: no user has 2 or more training items, so there is nothing to train on")

    has_valid = frame["valid_item"].notna().to_numpy()
    valid_targets = frame["valid_item"][has_valid].astype(np.int64).to_numpy()
    if len(valid_targets) and (valid_targets.max() > num_items or valid_targets.min() < 1):
        raise ValueError(f"{path}: valid_item outside 1..{num_items}")
    data = TrainingData(
        num_items=num_items,
        item_counts=item_counts,
        windows=windows,
        window_users=window_users,
        valid_histories=[sequences[row] for row in np.flatnonzero(has_valid)],
        valid_targets=valid_targets,
        users_without_transitions=short_users,
    )
    logger.info(
        "training data: %d users, %d items, %d windows, %d transitions, %d validation users; "
        "%d users have fewer than 2 training items and give no training pair",
        len(frame), num_items, len(windows), data.num_transitions, len(valid_targets), short_users,
    )
    return data


def steps_per_epoch(num_windows: int, batch_size: int, world_size: int) -> int:
    """Return the optimizer steps of one epoch: every worker gets ceil(W / world) windows."""
    per_worker = -(-num_windows // world_size)
    return -(-per_worker // batch_size)


def epoch_order(num_windows: int, seed: int, epoch: int, rank: int, world_size: int) -> np.ndarray:
    """Return this worker's window indices for one epoch, the same in every run with the same seed.

    The permutation depends only on (seed, epoch). With several workers, the
    permutation is padded by wrapping around to a multiple of the worker
    count, so all workers run the same number of steps, and worker r takes
    positions r, r + world, ...
    """
    permutation = np.random.default_rng([seed, epoch]).permutation(num_windows)
    per_worker = -(-num_windows // world_size)
    padded = np.resize(permutation, per_worker * world_size)
    return padded[rank::world_size]


def make_batch(windows: np.ndarray, indices: np.ndarray) -> torch.Tensor:
    """Return the windows at `indices` as int64 [B, T + 1], cutting columns that are padding in every row."""
    batch = windows[indices]
    used = np.flatnonzero((batch != 0).any(axis=0))
    first = int(used[0]) if len(used) else batch.shape[1] - 1
    return torch.from_numpy(np.ascontiguousarray(batch[:, first:]))


def pad_histories(histories: list[list[int]] | list[np.ndarray], max_length: int) -> torch.Tensor:
    """Return histories as int64 [B, T] left-padded with 0, keeping each one's last `max_length` items.

    T is the longest kept history, at most `max_length`. An empty history
    raises ValueError, because it has no item to encode.
    """
    truncated = [np.asarray(history, dtype=np.int64)[-max_length:] for history in histories]
    for row, history in enumerate(truncated):
        if len(history) == 0:
            raise ValueError(f"history {row} is empty; every user needs at least one item to be encoded")
    length = max((len(history) for history in truncated), default=1)
    padded = np.zeros((len(truncated), length), dtype=np.int64)
    for row, history in enumerate(truncated):
        padded[row, length - len(history) :] = history
    return torch.from_numpy(padded)
