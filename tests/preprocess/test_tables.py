"""Output tables from per-user records: numbering, positions, splits, nulls and popularity."""

from __future__ import annotations

from clrec.preprocess.tables import build_output_tables

# User "b": items x, y, x, z (train x, y; valid x; test z). User "a": item y only (train only).
# Natural order numbers users a -> 1, b -> 2 and items x -> 1, y -> 2, z -> 3.
RECORDS = [
    ("b", ["x", "y", "x", "z"], [10, 11, 12, 13], 2, 1, 1),
    ("a", ["y"], [5], 1, 0, 0),
]


def test_tables_events():
    events = build_output_tables(RECORDS)["events.parquet"].to_pydict()
    assert events["user_idx"] == [1, 2, 2, 2, 2]
    assert events["item_idx"] == [2, 1, 2, 1, 3]
    assert events["position"] == [0, 0, 1, 2, 3]
    assert events["split"] == ["train", "train", "train", "valid", "test"]
    assert events["timestamp"] == [5, 10, 11, 12, 13]


def test_tables_sequences():
    sequences = build_output_tables(RECORDS)["sequences.parquet"].to_pydict()
    assert sequences["user_id"] == ["a", "b"]
    assert sequences["train_items"] == [[2], [1, 2]]
    assert sequences["valid_item"] == [None, 1]
    assert sequences["test_item"] == [None, 3]
    assert sequences["test_timestamp"] == [None, 13]


def test_tables_items_popularity():
    # Training events: a's y, b's x and y -> x 1, y 2, z 0 (z is only a test target).
    items = build_output_tables(RECORDS)["items.parquet"].to_pydict()
    assert items == {"item_idx": [1, 2, 3], "item_id": ["x", "y", "z"], "popularity": [1, 2, 0]}


def test_tables_empty():
    tables = build_output_tables([])
    assert all(table.num_rows == 0 for table in tables.values())
