"""Apply, materialise, offline and online retrieval on a temporary copy of the Feast repository.

The sources are written by hand with chosen timestamps, so that each
point-in-time case has one expected result.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa
import pytest

from clrec.features.materialize import materialize_views
from clrec.features.names import (
    FEATURE_VIEWS,
    ITEM_ATTRIBUTE_FEATURES,
    ITEM_STATISTIC_FEATURES,
    USER_HISTORY_FEATURE,
)
from clrec.features.online import OnlineFeatures
from clrec.features.retrieval import retrieve_item_features
from clrec.features.sources import (
    ITEM_ATTRIBUTES_SCHEMA,
    ITEM_STATISTICS_SCHEMA,
    USER_HISTORY_SCHEMA,
    source_uri,
    write_source,
)
from clrec.features.store import FeastLocation, open_store, run_feast_apply
from tests.features.conftest import copy_feature_repo

UTC = timezone.utc
IST = timezone(timedelta(hours=5, minutes=30))

TITLE = ["item_attributes:title"]


def _attribute_row(item_idx: int, title: str, stamp: datetime) -> dict:
    return {
        "item_idx": item_idx,
        "title": title,
        "genres": ["Drama"],
        "release_year": "1995",
        "release_decade": "1990s",
        "event_timestamp": stamp,
    }


# Item 1 changes title in June 2020. Item 2 gets its only row at 12:00 UTC on
# 2020-01-01. Item 3 has no row, and item 4 has a row only in 2030. Item 5
# has a row from 1998, older than Feast's one-year default window.
ATTRIBUTE_ROWS = [
    _attribute_row(1, "Old", datetime(2020, 1, 1, tzinfo=UTC)),
    _attribute_row(1, "New", datetime(2020, 6, 1, tzinfo=UTC)),
    _attribute_row(2, "Noon", datetime(2020, 1, 1, 12, 0, tzinfo=UTC)),
    _attribute_row(4, "Future", datetime(2030, 1, 1, tzinfo=UTC)),
    _attribute_row(5, "Ninety-eight", datetime(1998, 3, 1, tzinfo=UTC)),
]
STATISTIC_ROWS = [
    {"item_idx": index, "popularity": index, "popularity_percentile": 20.0 * index, "event_timestamp": datetime(2020, 1, 1, tzinfo=UTC)}
    for index in range(1, 6)
]
HISTORY_ROWS = [
    {"user_id": "u1", "recent_items": [1, 2], "event_timestamp": datetime(1998, 5, 1, tzinfo=UTC)},
    {"user_id": "u2", "recent_items": [3], "event_timestamp": datetime(2020, 1, 1, tzinfo=UTC)},
]


def _write_history(location: FeastLocation, rows: list[dict]) -> None:
    write_source(pa.Table.from_pylist(rows, schema=USER_HISTORY_SCHEMA), location.data_dir, "user_history")


@pytest.fixture(scope="module")
def location(tmp_path_factory: pytest.TempPathFactory) -> FeastLocation:
    root = tmp_path_factory.mktemp("feast_store")
    repo_dir = copy_feature_repo(root / "feature_repo")
    location = FeastLocation(repo_dir, "feature_store.yaml", str(root / "data"))
    write_source(pa.Table.from_pylist(ATTRIBUTE_ROWS, schema=ITEM_ATTRIBUTES_SCHEMA), location.data_dir, "item_attributes")
    write_source(pa.Table.from_pylist(STATISTIC_ROWS, schema=ITEM_STATISTICS_SCHEMA), location.data_dir, "item_statistics")
    _write_history(location, HISTORY_ROWS)
    run_feast_apply(location, timeout_s=600)
    return location


@pytest.fixture(scope="module")
def store(location: FeastLocation):
    return open_store(location)


def _titles(store, items: list[int], as_of: datetime) -> dict:
    result = retrieve_item_features(store, items, as_of, TITLE)
    return {index: (None if not isinstance(title, str) else title) for index, title in result.table["title"].items()}


def test_apply_registers_views(store, location: FeastLocation):
    views = {view.name: view for view in store.list_feature_views()}
    assert sorted(views) == sorted(FEATURE_VIEWS)
    assert [field.name for field in views["item_attributes"].features] == list(ITEM_ATTRIBUTE_FEATURES)
    assert [field.name for field in views["item_statistics"].features] == list(ITEM_STATISTIC_FEATURES)
    assert [field.name for field in views["user_history"].features] == [USER_HISTORY_FEATURE]
    for name, view in views.items():
        assert view.batch_source.path == source_uri(location.data_dir, name)
        assert view.ttl == timedelta(0)


def test_apply_registers_entities(store):
    entities = {entity.name: entity.join_key for entity in store.list_entities()}
    assert entities == {"item": "item_idx", "user": "user_id"}


def test_apply_keeps_repo_clean(location: FeastLocation):
    names = sorted(path.name for path in location.repo_dir.iterdir())
    assert names == ["README.md", "definitions.py", "feature_store.production.yaml", "feature_store.yaml"]
    assert (Path(location.data_dir) / "registry.db").is_file()


def test_offline_latest_row_before_as_of(store):
    assert _titles(store, [1], datetime(2020, 3, 1, tzinfo=UTC)) == {1: "Old"}
    assert _titles(store, [1], datetime(2020, 7, 1, tzinfo=UTC)) == {1: "New"}


def test_offline_never_joins_later_row(store):
    assert _titles(store, [1], datetime(2019, 12, 31, tzinfo=UTC)) == {1: None}
    assert _titles(store, [4], datetime(2025, 1, 1, tzinfo=UTC)) == {4: None}


def test_offline_offset_converted_to_utc(store):
    # 17:00+05:30 is 11:30 UTC, before item 2's row at 12:00 UTC; read as a
    # wall-clock time in UTC it would wrongly be after it.
    assert _titles(store, [2], datetime(2020, 1, 1, 17, 0, tzinfo=IST)) == {2: None}
    # 17:31+05:30 is 12:01 UTC, after the row.
    assert _titles(store, [2], datetime(2020, 1, 1, 17, 31, tzinfo=IST)) == {2: "Noon"}


def test_offline_naive_as_of_rejected(store):
    with pytest.raises(ValueError, match=r"as_of=2020-01-01T17:00:00 is a naive timestamp.*\+00:00"):
        retrieve_item_features(store, [2], datetime(2020, 1, 1, 17, 0), TITLE)


def test_offline_keeps_every_requested_item(store):
    result = retrieve_item_features(store, [5, 4, 3, 2, 1, 99], datetime(2025, 1, 1, tzinfo=UTC), TITLE)
    assert result.rows_requested == 6
    assert list(result.table.index) == [5, 4, 3, 2, 1, 99]
    assert result.table.loc[5, "title"] == "Ninety-eight"
    assert result.table.loc[1, "title"] == "New"


def test_dask_dropped_rows_counted(location: FeastLocation):
    # Feast 0.67's dask offline store drops an entity row whose only feature
    # row is later than its timestamp (item 4 here) and keeps item 3, which
    # has no row at all. The table must still hold all four items.
    dask_yaml = location.repo_dir / "feature_store.dask.yaml"
    dask_yaml.write_text(
        location.store_yaml_path.read_text(encoding="utf-8").replace("type: duckdb", "type: dask"), encoding="utf-8"
    )
    try:
        dask_store = open_store(FeastLocation(location.repo_dir, dask_yaml.name, location.data_dir))
        result = retrieve_item_features(dask_store, [1, 2, 3, 4], datetime(2025, 1, 1, tzinfo=UTC), TITLE)
    finally:
        dask_yaml.unlink()
    assert result.rows_requested == 4
    assert result.rows_returned == 3
    assert result.rows_missing == 1
    assert list(result.table.index) == [1, 2, 3, 4]
    assert result.table["title"].isna().tolist() == [False, False, True, True]


def test_materialize_new_view_loads_whole_history(store, location: FeastLocation):
    # Nothing was materialised yet, so every view loads from its first row,
    # including the 1998 rows that Feast's own first incremental run skips.
    modes = materialize_views(store, datetime(2025, 1, 1, tzinfo=UTC))
    assert modes == {"item_attributes": "full", "item_statistics": "full", "user_history": "full"}

    online = OnlineFeatures.from_location(location)
    assert online.get_user_history("u1") == [1, 2]
    assert online.get_user_history("u2") == [3]
    assert online.get_user_history("nobody") is None
    # Item 1 shows its latest title; item 4's 2030 row is not due yet; item 3 has none.
    assert online.get_item_titles([1, 3, 4, 5]) == {1: "New", 5: "Ninety-eight"}

    # A later run loads only rows after the previous end, 2025-01-01.
    _write_history(location, [*HISTORY_ROWS, {"user_id": "u3", "recent_items": [5, 4], "event_timestamp": datetime(2025, 6, 1, tzinfo=UTC)}])
    modes = materialize_views(store, datetime.now(UTC))
    assert modes["user_history"] == "incremental"
    assert online.get_user_history("u3") == [5, 4]


def test_materialize_naive_end_rejected(store):
    with pytest.raises(ValueError, match="end_date=.*naive"):
        materialize_views(store, datetime(2025, 1, 1))
