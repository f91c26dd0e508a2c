"""Arrow schemas of the Parquet files the step writes; each field carries a description.

Indices are contiguous: users 1..U and items 1..N, with 0 reserved for
padding. Timestamps are Unix seconds (UTC), except for logs without a
timestamp column (manifest `has_timestamps: false`): there a timestamp is
the event's 0-based position in its user's sequence, which follows file order.
"""

from __future__ import annotations

import pyarrow as pa

EVENTS_FILE = "events.parquet"
SEQUENCES_FILE = "sequences.parquet"
ITEMS_FILE = "items.parquet"
USERS_FILE = "users.parquet"
REMOVED_FILE = "removed_events.parquet"
REJECTS_FILE = "rejects.jsonl"
MANIFEST_FILE = "manifest.json"


def _field(name: str, type_: pa.DataType, description: str, nullable: bool = False) -> pa.Field:
    return pa.field(name, type_, nullable=nullable, metadata={"description": description})


TIMESTAMP_NOTE = "Unix seconds UTC, or the position in the sequence when the log has no timestamps"

EVENTS_SCHEMA = pa.schema(
    [
        _field("user_idx", pa.int32(), "user index, 1..U"),
        _field("item_idx", pa.int32(), "item index, 1..N"),
        _field("timestamp", pa.int64(), f"event time: {TIMESTAMP_NOTE}"),
        _field("position", pa.int32(), "0-based index of the event in its user's ordered sequence"),
        _field("split", pa.string(), "train, valid or test"),
    ]
)
"""One row per kept event, sorted by user_idx, then position."""

SEQUENCES_SCHEMA = pa.schema(
    [
        _field("user_idx", pa.int32(), "user index, 1..U"),
        _field("user_id", pa.string(), "raw user id"),
        _field("train_items", pa.list_(pa.field("element", pa.int32(), nullable=False)), "training item indices in order"),
        _field("train_timestamps", pa.list_(pa.field("element", pa.int64(), nullable=False)), "times of train_items"),
        _field("valid_item", pa.int32(), "validation target, predicted from train_items; null if none", True),
        _field("valid_timestamp", pa.int64(), "time of valid_item", True),
        _field("test_item", pa.int32(), "test target, predicted from train_items + valid_item; null if none", True),
        _field("test_timestamp", pa.int64(), "time of test_item", True),
    ]
)
"""One row per user, sorted by user_idx."""

ITEMS_SCHEMA = pa.schema(
    [
        _field("item_idx", pa.int32(), "item index, 1..N"),
        _field("item_id", pa.string(), "raw item id"),
        _field("popularity", pa.int64(), "number of training events of the item"),
    ]
)
"""One row per item 1..N, sorted by item_idx."""

USERS_SCHEMA = pa.schema(
    [
        _field("user_idx", pa.int32(), "user index, 1..U"),
        _field("user_id", pa.string(), "raw user id"),
    ]
)
"""One row per user 1..U, sorted by user_idx."""

REMOVED_SCHEMA = pa.schema(
    [
        _field("source", pa.string(), "input file path"),
        _field("line", pa.int64(), "1-based line (row, for Parquet inputs) in the source file"),
        _field("user_id", pa.string(), "raw user id"),
        _field("item_id", pa.string(), "raw item id"),
        _field("timestamp", pa.int64(), "input timestamp in Unix seconds; null when the log has none", True),
        _field("rating", pa.float64(), "input rating; null when not mapped", True),
        _field("event_type", pa.string(), "input event type; null when not mapped", True),
        _field("reason", pa.string(), "why the event was removed, see the manifest's removed_by_reason"),
    ]
)
"""One row per accepted event left out of the output, sorted by source order, then line."""
