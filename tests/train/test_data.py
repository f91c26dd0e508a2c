"""Training windows, data order and history padding."""

from __future__ import annotations

import numpy as np
import pytest

from clrec.train.data import (
    build_windows,
    epoch_order,
    load_training_data,
    make_batch,
    pad_histories,
    split_into_windows,
    steps_per_epoch,
)
from tests.train.fixtures import write_sequences


def test_windows_cover_each_transition_once():
    # max_length 3: [1..6] -> [3, 4, 5, 6] (targets 4, 5, 6) and [1, 2, 3] (targets 2, 3).
    windows = split_into_windows(np.arange(1, 7), 3)
    assert [window.tolist() for window in windows] == [[3, 4, 5, 6], [1, 2, 3]]


def test_windows_short_sequences():
    assert [w.tolist() for w in split_into_windows(np.array([4, 5]), 3)] == [[4, 5]]
    assert split_into_windows(np.array([4]), 3) == []


def test_build_windows_left_pads():
    windows, owners = build_windows([np.array([1, 2, 3, 4, 5]), np.array([7, 8])], np.array([10, 11]), 3)
    assert windows.tolist() == [[2, 3, 4, 5], [0, 0, 1, 2], [0, 0, 7, 8]]
    assert owners.tolist() == [10, 10, 11]


def test_epoch_order_repeatable_and_seeded():
    first = epoch_order(10, seed=1, epoch=0, rank=0, world_size=1)
    assert first.tolist() == epoch_order(10, seed=1, epoch=0, rank=0, world_size=1).tolist()
    assert sorted(first.tolist()) == list(range(10))
    assert first.tolist() != epoch_order(10, seed=1, epoch=1, rank=0, world_size=1).tolist()


def test_epoch_order_shards_cover_all_windows():
    # 5 windows on 2 workers: ceil(5 / 2) = 3 each; one window repeats.
    shards = [epoch_order(5, seed=0, epoch=0, rank=rank, world_size=2) for rank in range(2)]
    assert [len(shard) for shard in shards] == [3, 3]
    assert set(np.concatenate(shards).tolist()) == set(range(5))
    assert steps_per_epoch(5, batch_size=2, world_size=2) == 2


def test_make_batch_cuts_shared_padding():
    windows = np.array([[0, 0, 1, 2], [0, 3, 4, 5], [0, 0, 0, 6]])
    assert make_batch(windows, np.array([0, 2])).tolist() == [[1, 2], [0, 6]]
    assert make_batch(windows, np.array([1])).tolist() == [[3, 4, 5]]


def test_pad_histories_keeps_most_recent():
    padded = pad_histories([[1, 2, 3, 4], [5]], max_length=3)
    assert padded.tolist() == [[2, 3, 4], [0, 0, 5]]


def test_pad_histories_rejects_empty():
    with pytest.raises(ValueError, match="history 1 is empty"):
        pad_histories([[1], []], max_length=3)


def test_load_training_data_split(tmp_path):
    # User 1: [1, 2, 3, 4, 5] -> train [1, 2, 3], valid 4. User 2: [2, 3] has no targets.
    write_sequences(tmp_path, [[1, 2, 3, 4, 5], [2, 3]], num_items=5)
    data = load_training_data(tmp_path, max_length=4)
    assert data.num_items == 5
    assert data.item_counts.tolist() == [0, 1, 2, 2, 0, 0]
    assert data.windows.tolist() == [[0, 0, 1, 2, 3], [0, 0, 0, 2, 3]]
    assert data.valid_targets.tolist() == [4]
    assert [history.tolist() for history in data.valid_histories] == [[1, 2, 3]]
    assert data.num_transitions == 3


def test_load_training_data_rejects_unknown_item(tmp_path):
    write_sequences(tmp_path, [[1, 2, 9, 4, 5]], num_items=5)
    with pytest.raises(ValueError, match=r"ids in \[1, 9\] but items.parquet has items 1..5"):
        load_training_data(tmp_path, max_length=4)


def test_load_training_data_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="item table not found"):
        load_training_data(tmp_path, max_length=4)


def test_load_training_data_nothing_to_train(tmp_path):
    write_sequences(tmp_path, [[1], [2]], num_items=2)
    with pytest.raises(ValueError, match="no user has 2 or more training items"):
        load_training_data(tmp_path, max_length=4)
