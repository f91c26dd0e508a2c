"""Build the Feast source tables from the preprocessing output and write them as Parquet.

Three sources, one per feature view of `feature_repo/definitions.py`:

- `item_attributes`: item metadata, stamped with the time of the first event
  of the log, because the catalog is static and describes items for the
  whole log;
- `item_statistics`: training popularity and its percentile, stamped with
  the time of the latest training event, when the count becomes known;
- `user_history`: each user's last items through the test target, stamped
  with the user's last event.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from clrec.features.errors import FeatureStepError
from clrec.features.inputs import PreprocessedData
from clrec.features.names import ITEM_KEY, SOURCES_FOLDER, TIMESTAMP_COLUMN, USER_KEY, source_file
from clrec.features.timestamps import UTC_TIMESTAMP_TYPE, unix_seconds_to_arrow

logger = logging.getLogger(__name__)

ITEM_ATTRIBUTES_SCHEMA = pa.schema(
    [
        (ITEM_KEY, pa.int64()),
        ("title", pa.string()),
        ("genres", pa.list_(pa.string())),
        ("release_year", pa.string()),
        ("release_decade", pa.string()),
        (TIMESTAMP_COLUMN, UTC_TIMESTAMP_TYPE),
    ]
)
ITEM_STATISTICS_SCHEMA = pa.schema(
    [
        (ITEM_KEY, pa.int64()),
        ("popularity", pa.int64()),
        ("popularity_percentile", pa.float64()),
        (TIMESTAMP_COLUMN, UTC_TIMESTAMP_TYPE),
    ]
)
USER_HISTORY_SCHEMA = pa.schema(
    [
        (USER_KEY, pa.string()),
        ("recent_items", pa.list_(pa.int64())),
        (TIMESTAMP_COLUMN, UTC_TIMESTAMP_TYPE),
    ]
)


@dataclass(frozen=True)
class EventTimes:
    """Unix seconds of the events that stamp the item sources."""

    first_event: int
    last_training_event: int


def event_times(data: PreprocessedData) -> EventTimes:
    """Return the first event of the log and the latest training event, in Unix seconds."""
    train = pc.list_flatten(data.sequences.column("train_timestamps"))
    if len(train) == 0:
        raise FeatureStepError(
            "the preprocessing output has no training events, so there is nothing to build "
            "features from; check the preprocessing filters"
        )
    candidates = [pc.min(train).as_py()]
    for column in ("valid_timestamp", "test_timestamp"):
        smallest = pc.min(data.sequences.column(column)).as_py()
        if smallest is not None:
            candidates.append(smallest)
    return EventTimes(first_event=int(min(candidates)), last_training_event=int(pc.max(train).as_py()))


def _constant_timestamps(seconds: int, length: int) -> pa.Array:
    return unix_seconds_to_arrow(pa.array(np.full(length, seconds, dtype=np.int64)))


def build_item_attributes(
    data: PreprocessedData, attributes_by_id: dict[str, dict[str, object]], timestamp: int
) -> tuple[pa.Table, int]:
    """Return the attribute rows of vocabulary items with metadata, and how many items have none.

    `attributes_by_id` maps the raw item id to its title, genres, release
    year and decade. Items without an entry get no row, so offline retrieval
    fills them with the unknown token.
    """
    columns: dict[str, list] = {name: [] for name in ITEM_ATTRIBUTES_SCHEMA.names if name != TIMESTAMP_COLUMN}
    missing = 0
    indices = data.items.column("item_idx").to_pylist()
    item_ids = data.items.column("item_id").to_pylist()
    for item_idx, item_id in zip(indices, item_ids):
        attributes = attributes_by_id.get(str(item_id).strip())
        if attributes is None:
            missing += 1
            continue
        columns[ITEM_KEY].append(item_idx)
        for name in ("title", "genres", "release_year", "release_decade"):
            columns[name].append(attributes[name])

    rows = len(columns[ITEM_KEY])
    arrays = [pa.array(columns[name], type=ITEM_ATTRIBUTES_SCHEMA.field(name).type) for name in columns]
    arrays.append(_constant_timestamps(timestamp, rows))
    return pa.Table.from_arrays(arrays, schema=ITEM_ATTRIBUTES_SCHEMA), missing


def popularity_percentiles(popularity: np.ndarray) -> np.ndarray:
    """Return, for each item, the percent of items whose popularity is at most its own.

    For popularity [0, 5, 5, 10] that is [25, 75, 75, 100].
    """
    ordered = np.sort(popularity)
    at_most = np.searchsorted(ordered, popularity, side="right")
    return 100.0 * at_most / len(popularity)


def build_item_statistics(data: PreprocessedData, timestamp: int) -> pa.Table:
    """Return one statistics row per vocabulary item."""
    popularity = data.items.column("popularity").cast(pa.int64()).to_numpy(zero_copy_only=False)
    return pa.Table.from_arrays(
        [
            data.items.column("item_idx").cast(pa.int64()),
            pa.array(popularity, type=pa.int64()),
            pa.array(popularity_percentiles(popularity), type=pa.float64()),
            _constant_timestamps(timestamp, data.num_items),
        ],
        schema=ITEM_STATISTICS_SCHEMA,
    )


def build_user_history(data: PreprocessedData, history_length: int) -> tuple[pa.Table, int]:
    """Return each user's last `history_length` items and the number of users without events.

    The history is the whole ordered sequence through the test target
    (training items, then the validation and test items), so serving
    recommends the item after the last known one.
    """
    user_ids: list[str] = []
    histories: list[list[int]] = []
    last_seconds: list[int] = []
    skipped = 0
    columns = data.sequences.select(
        ["user_id", "train_items", "train_timestamps", "valid_item", "valid_timestamp", "test_item", "test_timestamp"]
    ).to_pydict()
    for position, user_id in enumerate(columns["user_id"]):
        items = list(columns["train_items"][position] or [])
        times = list(columns["train_timestamps"][position] or [])
        for item_key, time_key in (("valid_item", "valid_timestamp"), ("test_item", "test_timestamp")):
            if columns[item_key][position] is not None:
                items.append(columns[item_key][position])
                times.append(columns[time_key][position])
        if not items:
            skipped += 1
            continue
        user_ids.append(user_id)
        histories.append(items[-history_length:])
        last_seconds.append(max(times))

    table = pa.Table.from_arrays(
        [
            pa.array(user_ids, type=pa.string()),
            pa.array(histories, type=pa.list_(pa.int64())),
            unix_seconds_to_arrow(pa.array(last_seconds, type=pa.int64())),
        ],
        schema=USER_HISTORY_SCHEMA,
    )
    return table, skipped


def source_uri(data_dir: str, view: str) -> str:
    """Return the path or URL of one view's source file inside the data directory."""
    return f"{data_dir.rstrip('/')}/{SOURCES_FOLDER}/{source_file(view)}"


def write_source(table: pa.Table, data_dir: str, view: str) -> str:
    """Write one source table to the data directory, a local path or an object storage URL."""
    uri = source_uri(data_dir, view)
    filesystem, path = pafs.FileSystem.from_uri(uri)
    filesystem.create_dir(path.rsplit("/", 1)[0], recursive=True)
    pq.write_table(table, path, filesystem=filesystem)
    logger.info("wrote %d rows of %s to %s", table.num_rows, view, uri)
    return uri

