"""Reading and checking the preprocessing output."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from clrec.features.errors import FeatureStepError
from clrec.features.inputs import read_preprocessed
from tests.features.fixtures import write_preprocess_output

HISTORIES = {"alice": [("m1", 1), ("m2", 2), ("m3", 3)]}


def test_reads_items_and_sequences(tmp_path: Path):
    write_preprocess_output(tmp_path, HISTORIES)
    data = read_preprocessed(tmp_path)
    assert data.num_items == 3
    assert data.items.schema.field("item_idx").type == pa.int32()
    assert data.sequences.column("user_id").to_pylist() == ["alice"]


def test_missing_folder_names_fix(tmp_path: Path):
    with pytest.raises(FeatureStepError, match=r"items\.parquet.*clrec preprocess"):
        read_preprocessed(tmp_path / "absent")


def test_missing_column_named(tmp_path: Path):
    write_preprocess_output(tmp_path, HISTORIES)
    items = pq.read_table(tmp_path / "items.parquet").drop_columns(["popularity"])
    pq.write_table(items, tmp_path / "items.parquet")
    with pytest.raises(FeatureStepError, match="column 'popularity' missing"):
        read_preprocessed(tmp_path)


def test_wrong_column_type_named(tmp_path: Path):
    write_preprocess_output(tmp_path, HISTORIES)
    items = pq.read_table(tmp_path / "items.parquet")
    items = items.set_column(1, "item_id", pa.array([1, 2, 3], pa.int64()))
    pq.write_table(items, tmp_path / "items.parquet")
    with pytest.raises(FeatureStepError, match="'item_id'.*expected string"):
        read_preprocessed(tmp_path)


def test_gap_in_item_indices(tmp_path: Path):
    write_preprocess_output(tmp_path, HISTORIES)
    items = pq.read_table(tmp_path / "items.parquet")
    items = items.set_column(0, "item_idx", pa.array([1, 2, 4], pa.int32()))
    pq.write_table(items, tmp_path / "items.parquet")
    with pytest.raises(FeatureStepError, match="row 3 has item_idx 4, expected 3"):
        read_preprocessed(tmp_path)


def test_duplicate_item_ids(tmp_path: Path):
    write_preprocess_output(tmp_path, HISTORIES)
    items = pq.read_table(tmp_path / "items.parquet")
    items = items.set_column(1, "item_id", pa.array(["m1", "m1", "m3"]))
    pq.write_table(items, tmp_path / "items.parquet")
    with pytest.raises(FeatureStepError, match="not unique"):
        read_preprocessed(tmp_path)
