"""Source tables built from the preprocessing output."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from clrec.features.errors import FeatureStepError
from clrec.features.inputs import PreprocessedData, read_preprocessed
from clrec.features.sources import (
    build_item_attributes,
    build_item_statistics,
    build_user_history,
    event_times,
    popularity_percentiles,
    write_source,
)
from tests.features.fixtures import write_preprocess_output

# Alice: 4 events, so her last two are the validation and test targets.
# Bob: 2 events, all for training. Item indices follow first appearance:
# m10 -> 1, m20 -> 2, m30 -> 3, m40 -> 4.
HISTORIES = {
    "alice": [("m10", 100), ("m20", 200), ("m30", 300), ("m40", 400)],
    "bob": [("m20", 150), ("m10", 250)],
}


@pytest.fixture
def preprocessed(tmp_path: Path):
    write_preprocess_output(tmp_path / "pre", HISTORIES)
    return read_preprocessed(tmp_path / "pre")


def test_percentiles_count_ties_at_most():
    # Sorted [0, 5, 5, 10]: items at most 0 -> 1 of 4, at most 5 -> 3, at most 10 -> 4.
    result = popularity_percentiles(np.array([5, 0, 10, 5]))
    assert result.tolist() == [75.0, 25.0, 100.0, 75.0]


def test_event_times_span_all_splits(preprocessed):
    times = event_times(preprocessed)
    assert times.first_event == 100
    # Training events: alice 100, 200 and bob 150, 250; the latest is 250.
    assert times.last_training_event == 250


def test_statistics_one_row_per_item(preprocessed):
    table = build_item_statistics(preprocessed, 250)
    assert table.column("item_idx").to_pylist() == [1, 2, 3, 4]
    # Training events: m10 twice, m20 twice, m30 and m40 are targets only.
    assert table.column("popularity").to_pylist() == [2, 2, 0, 0]
    assert table.column("popularity_percentile").to_pylist() == [100.0, 100.0, 50.0, 50.0]
    assert table.column("event_timestamp")[0].as_py() == datetime(1970, 1, 1, 0, 4, 10, tzinfo=timezone.utc)


def test_history_runs_through_test_target(preprocessed):
    table, skipped = build_user_history(preprocessed, history_length=50)
    rows = {row["user_id"]: row for row in table.to_pylist()}
    assert rows["alice"]["recent_items"] == [1, 2, 3, 4]
    assert rows["bob"]["recent_items"] == [2, 1]
    assert rows["alice"]["event_timestamp"] == datetime.fromtimestamp(400, tz=timezone.utc)
    assert skipped == 0


def test_history_keeps_last_items(preprocessed):
    table, _ = build_user_history(preprocessed, history_length=3)
    rows = {row["user_id"]: row for row in table.to_pylist()}
    assert rows["alice"]["recent_items"] == [2, 3, 4]
    assert rows["bob"]["recent_items"] == [2, 1]


def test_attributes_skip_items_without_metadata(preprocessed):
    metadata = {"m10": {"title": "Ten", "genres": ["Drama"], "release_year": "1995", "release_decade": "1990s"}}
    table, missing = build_item_attributes(preprocessed, metadata, 100)
    assert table.column("item_idx").to_pylist() == [1]
    assert table.column("genres").to_pylist() == [["Drama"]]
    assert missing == 3


def test_attributes_empty_without_metadata(preprocessed):
    table, missing = build_item_attributes(preprocessed, {}, 100)
    assert table.num_rows == 0
    assert "genres" in table.column_names
    assert missing == 4


def test_write_source_under_sources_folder(preprocessed, tmp_path: Path):
    table = build_item_statistics(preprocessed, 250)
    uri = write_source(table, str(tmp_path / "feast"), "item_statistics")
    assert uri == f"{tmp_path}/feast/sources/item_statistics.parquet"
    assert pq.read_table(uri).equals(table)


def test_event_times_without_training(preprocessed):
    sequences = preprocessed.sequences
    empty = pa.array([[] for _ in range(sequences.num_rows)], type=pa.list_(pa.int64()))
    position = sequences.column_names.index("train_timestamps")
    data = PreprocessedData(items=preprocessed.items, sequences=sequences.set_column(position, "train_timestamps", empty))
    with pytest.raises(FeatureStepError, match="no training events"):
        event_times(data)
