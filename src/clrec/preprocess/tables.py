"""Build the output Arrow tables from per-user records, in a fixed order.

A user record is (user_id, item_ids, timestamps, n_train, n_valid, n_test):
the user's whole ordered sequence as raw item ids and int timestamps, and
the sizes of its three parts, in that order. Records hold plain lists, not
NumPy arrays, because Beam's fast coder encodes lists of primitives without
pickling them.

Indices are given here, where all records meet: users and items are
numbered in natural id order (see `clrec.preprocess.vocabulary`), so the
numbering needs no side input and does not depend on bundle order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import apache_beam as beam
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from clrec.config.preprocess import SplitConfig
from clrec.preprocess.popularity import item_popularity
from clrec.preprocess.records import ITEM, SPLITS, TIMESTAMP, Event
from clrec.preprocess.schemas import (
    EVENTS_FILE,
    EVENTS_SCHEMA,
    ITEMS_FILE,
    ITEMS_SCHEMA,
    SEQUENCES_FILE,
    SEQUENCES_SCHEMA,
    USERS_FILE,
    USERS_SCHEMA,
)
from clrec.preprocess.splits import split_sizes
from clrec.preprocess.vocabulary import build_vocabulary, natural_sort_key

UserRecord = tuple[str, list[str], list[int], int, int, int]


def user_record(user: str, events: list[Event], has_timestamps: bool, split: SplitConfig) -> UserRecord:
    """Return the record of one user's ordered events; without timestamps, positions stand in."""
    items = [event[ITEM] for event in events]
    timestamps = [event[TIMESTAMP] for event in events] if has_timestamps else list(range(len(events)))
    n_train, n_valid, n_test = split_sizes(timestamps, split)
    return user, items, timestamps, n_train, n_valid, n_test


class SplitUserFn(beam.DoFn):
    """Turns (user_id, [Event, ...]) into a `UserRecord` with its split sizes."""

    def __init__(self, has_timestamps: bool, split: SplitConfig) -> None:
        self.has_timestamps = has_timestamps
        self.split = split

    def process(self, element: tuple[str, list[Event]]) -> Iterator[UserRecord]:
        user, events = element
        yield user_record(user, events, self.has_timestamps, self.split)


def _nullable_pick(values: np.ndarray, positions: np.ndarray, present: np.ndarray, type_: pa.DataType) -> pa.Array:
    picked = values[np.where(present, positions, 0)] if values.size else np.zeros(len(positions), values.dtype)
    return pa.array(picked, type=type_, mask=~present)


def build_output_tables(records: Iterable[UserRecord]) -> dict[str, pa.Table]:
    """Return the events, sequences, users and items tables, numbered and sorted by index."""
    # NOTE: one worker keeps every record in memory here. At 10^7 synthetic events
# the whole in-memory run peaked at 2.1 GB resident (benchmarks/results/preprocess.md).
    ordered = sorted(records, key=lambda record: natural_sort_key(record[0]))
    user_indices = np.arange(1, len(ordered) + 1, dtype=np.int32)
    item_vocabulary = build_vocabulary(item for record in ordered for item in record[1])
    total = sum(len(record[1]) for record in ordered)
    items = np.fromiter(
        (item_vocabulary[item] for record in ordered for item in record[1]), dtype=np.int32, count=total
    )
    timestamps = np.fromiter(
        (timestamp for record in ordered for timestamp in record[2]), dtype=np.int64, count=total
    )

    lengths = np.array([len(record[1]) for record in ordered], dtype=np.int64)
    n_train = np.array([record[3] for record in ordered], dtype=np.int64)
    has_valid = np.array([record[4] == 1 for record in ordered], dtype=bool)
    has_test = np.array([record[5] == 1 for record in ordered], dtype=bool)

    starts = np.cumsum(lengths) - lengths
    positions = np.arange(items.size, dtype=np.int64) - np.repeat(starts, lengths)
    train_end = np.repeat(n_train, lengths)
    valid_end = train_end + np.repeat(has_valid.astype(np.int64), lengths)
    split_codes = np.where(positions < train_end, 0, np.where(positions < valid_end, 1, 2)).astype(np.int8)
    split_names = pa.DictionaryArray.from_arrays(pa.array(split_codes), pa.array(SPLITS)).cast(pa.string())

    events = pa.Table.from_arrays(
        [
            pa.array(np.repeat(user_indices, lengths), type=pa.int32()),
            pa.array(items, type=pa.int32()),
            pa.array(timestamps, type=pa.int64()),
            pa.array(positions, type=pa.int32()),
            split_names,
        ],
        schema=EVENTS_SCHEMA,
    )

    in_train = split_codes == 0
    train_offsets = pa.array(np.concatenate([[0], np.cumsum(n_train)]).astype(np.int32))
    user_ids = pa.array([record[0] for record in ordered], type=pa.string())
    sequences = pa.Table.from_arrays(
        [
            pa.array(user_indices, type=pa.int32()),
            user_ids,
            pa.ListArray.from_arrays(train_offsets, pa.array(items[in_train], type=pa.int32())),
            pa.ListArray.from_arrays(train_offsets, pa.array(timestamps[in_train], type=pa.int64())),
            _nullable_pick(items, starts + n_train, has_valid, pa.int32()),
            _nullable_pick(timestamps, starts + n_train, has_valid, pa.int64()),
            _nullable_pick(items, starts + lengths - 1, has_test, pa.int32()),
            _nullable_pick(timestamps, starts + lengths - 1, has_test, pa.int64()),
        ],
        schema=SEQUENCES_SCHEMA,
    )

    users = pa.Table.from_arrays([pa.array(user_indices, type=pa.int32()), user_ids], schema=USERS_SCHEMA)

    num_items = len(item_vocabulary)
    item_ids = list(item_vocabulary)  # in index order: the vocabulary was built sorted
    popularity = item_popularity(items[in_train], num_items)[1:]
    items_table = pa.Table.from_arrays(
        [
            pa.array(np.arange(1, num_items + 1), type=pa.int32()),
            pa.array(item_ids, type=pa.string()),
            pa.array(popularity, type=pa.int64()),
        ],
        schema=ITEMS_SCHEMA,
    )
    return {EVENTS_FILE: events, SEQUENCES_FILE: sequences, USERS_FILE: users, ITEMS_FILE: items_table}


def split_counts(events: pa.Table) -> dict[str, int]:
    """Return the number of events of each split in an events table."""
    counts = {name: 0 for name in SPLITS}
    for entry in pc.value_counts(events.column("split")).to_pylist():
        counts[entry["values"]] = entry["counts"]
    return counts


def summarize_tables(tables: Mapping[str, pa.Table]) -> dict[str, Any]:
    """Return the counts of the written tables that the manifest reports."""
    sequences = tables[SEQUENCES_FILE]
    no_target = sequences.column("valid_item").is_null().to_numpy(zero_copy_only=False) & sequences.column(
        "test_item"
    ).is_null().to_numpy(zero_copy_only=False)
    return {
        "events": tables[EVENTS_FILE].num_rows,
        "users": tables[USERS_FILE].num_rows,
        "items": tables[ITEMS_FILE].num_rows,
        "events_by_split": split_counts(tables[EVENTS_FILE]),
        "users_train_only": int(np.count_nonzero(no_target)),
    }
