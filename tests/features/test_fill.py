"""Filling missing retrieved values with the unknown token."""

from __future__ import annotations

import math

import pandas as pd
import pyarrow as pa

from clrec.features.fill import build_item_table, is_missing
from clrec.features.item_metadata import FeatureSchema
from clrec.features.names import UNKNOWN_TOKEN

SCHEMA = FeatureSchema(categorical=["release_year"], multi_categorical=["genres"], text=["title"])


def _retrieved() -> pd.DataFrame:
    # Item 1 is complete, item 2 has an empty genre list and no title, item 3
    # is a row Feast did not return (all NaN after re-indexing).
    frame = pd.DataFrame(
        {
            "release_year": ["1995", None, math.nan],
            "genres": [["Drama", "War"], [], math.nan],
            "title": ["One", None, math.nan],
        },
        index=pd.Index([1, 2, 3], name="item_idx"),
    )
    return frame


def test_is_missing_markers():
    assert is_missing(None)
    assert is_missing(math.nan)
    assert is_missing(pd.NA)
    assert not is_missing("")
    assert not is_missing(["a"])


def test_table_columns_and_types():
    table, _, _ = build_item_table(_retrieved(), SCHEMA)
    assert table.column_names == ["item_idx", "release_year", "genres", "title"]
    assert table.schema.field("item_idx").type == pa.int32()
    assert table.schema.field("genres").type == pa.list_(pa.string())
    assert table.schema.field("title").type == pa.string()


def test_missing_values_become_unknown():
    table, _, _ = build_item_table(_retrieved(), SCHEMA)
    rows = table.to_pylist()
    assert rows[0] == {"item_idx": 1, "release_year": "1995", "genres": ["Drama", "War"], "title": "One"}
    assert rows[1] == {"item_idx": 2, "release_year": UNKNOWN_TOKEN, "genres": [UNKNOWN_TOKEN], "title": UNKNOWN_TOKEN}
    assert rows[2] == {"item_idx": 3, "release_year": UNKNOWN_TOKEN, "genres": [UNKNOWN_TOKEN], "title": UNKNOWN_TOKEN}


def test_fill_counts():
    _, per_feature, items_filled = build_item_table(_retrieved(), SCHEMA)
    assert per_feature == {"release_year": 2, "genres": 2, "title": 2}
    assert items_filled == 2


def test_empty_schema_keeps_item_idx():
    table, per_feature, items_filled = build_item_table(_retrieved(), FeatureSchema())
    assert table.column_names == ["item_idx"]
    assert table.column("item_idx").to_pylist() == [1, 2, 3]
    assert per_feature == {}
    assert items_filled == 0
