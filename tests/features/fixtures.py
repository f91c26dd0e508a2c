"""Write small preprocessing outputs that follow the contract of docs/architecture.md.

The feature step's tests build their own inputs here, so they do not depend
on the preprocessing step. The split is leave-one-out. When a user has at
least 3 events, the last one is the test target and the one before it the
validation target. Otherwise every event is for training.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

# Users with fewer events than this have no validation or test target.
MIN_EVENTS_FOR_TARGETS = 3


def write_preprocess_output(
    directory: Path,
    histories: Mapping[str, Sequence[tuple[str, int]]],
) -> dict[str, int]:
    """Write items, events, sequences, users, manifest and rejects for `histories`.

    `histories` maps a raw user id to its (raw item id, Unix seconds) events
    in order. Item indices follow the order in which items first appear;
    user indices follow the order of `histories`. Returns the item index of
    each raw item id.
    """
    directory.mkdir(parents=True, exist_ok=True)
    item_index: dict[str, int] = {}
    for events in histories.values():
        for item_id, _ in events:
            item_index.setdefault(item_id, len(item_index) + 1)

    popularity = dict.fromkeys(item_index, 0)
    sequence_rows = []
    event_rows = []
    for user_idx, (user_id, events) in enumerate(histories.items(), start=1):
        has_targets = len(events) >= MIN_EVENTS_FOR_TARGETS
        train = events[:-2] if has_targets else list(events)
        for item_id, _ in train:
            popularity[item_id] += 1
        for position, (item_id, seconds) in enumerate(events):
            if has_targets and position == len(events) - 1:
                split = "test"
            elif has_targets and position == len(events) - 2:
                split = "valid"
            else:
                split = "train"
            event_rows.append((user_idx, item_index[item_id], seconds, position, split))
        sequence_rows.append(
            {
                "user_idx": user_idx,
                "user_id": user_id,
                "train_items": [item_index[item_id] for item_id, _ in train],
                "train_timestamps": [seconds for _, seconds in train],
                "valid_item": item_index[events[-2][0]] if has_targets else None,
                "valid_timestamp": events[-2][1] if has_targets else None,
                "test_item": item_index[events[-1][0]] if has_targets else None,
                "test_timestamp": events[-1][1] if has_targets else None,
            }
        )

    items = pa.table(
        {
            "item_idx": pa.array(list(item_index.values()), pa.int32()),
            "item_id": pa.array(list(item_index), pa.string()),
            "popularity": pa.array([popularity[item_id] for item_id in item_index], pa.int64()),
        }
    )
    sequences = pa.Table.from_pylist(
        sequence_rows,
        schema=pa.schema(
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
        ),
    )
    events = pa.Table.from_pylist(
        [dict(zip(("user_idx", "item_idx", "timestamp", "position", "split"), row)) for row in event_rows],
        schema=pa.schema(
            [
                ("user_idx", pa.int32()),
                ("item_idx", pa.int32()),
                ("timestamp", pa.int64()),
                ("position", pa.int32()),
                ("split", pa.string()),
            ]
        ),
    )
    users = pa.table(
        {
            "user_idx": pa.array(range(1, len(histories) + 1), pa.int32()),
            "user_id": pa.array(list(histories), pa.string()),
        }
    )
    pq.write_table(items, directory / "items.parquet")
    pq.write_table(sequences, directory / "sequences.parquet")
    pq.write_table(events, directory / "events.parquet")
    pq.write_table(users, directory / "users.parquet")
    manifest = {"rows": {"events": len(event_rows)}, "note": "written by the feature step's test fixtures"}
    (directory / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (directory / "rejects.jsonl").write_text("", encoding="utf-8")
    return item_index


def read_movielens_ratings(path: Path) -> dict[str, list[tuple[str, int]]]:
    """Read MovieLens `u.data` into each user's (movie id, Unix seconds) events in time order."""
    events: dict[str, list[tuple[int, str, int]]] = {}
    with path.open(encoding="latin-1") as handle:
        for line_number, line in enumerate(handle):
            user_id, item_id, _rating, seconds = line.split("\t")
            events.setdefault(user_id, []).append((int(seconds), item_id, line_number))
    return {
        user_id: [(item_id, seconds) for seconds, item_id, _ in sorted(rows)]
        for user_id, rows in sorted(events.items(), key=lambda entry: int(entry[0]))
    }
