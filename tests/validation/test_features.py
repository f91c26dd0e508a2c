"""validate_features: bad feature tables fail the expectation that guards them.

The fixture feature table (fixtures.py) covers items 1..8 with a
categorical `decade`, a multi-valued `genres` and a text `title`. The
`config` fixture allows decades 1980s and 1990s and genres Action, Comedy
and Drama.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clrec.validation import ValidationInputError, ValidationResult, validate_features
from tests.validation.fixtures import (
    FEATURE_SCHEMA,
    UNKNOWN,
    clean_feature_table,
    write_features_output,
)


def failure(result: ValidationResult, frame: str, expectation: str, column: str | None):
    """Return the failure of `expectation` on `frame` and `column`, or None."""
    for item in result.failures:
        if (item.frame, item.expectation, item.column) == (frame, expectation, column):
            return item
    return None


@pytest.fixture
def sequences_dir(clean_tables, write_preprocess) -> Path:
    return write_preprocess(clean_tables)


def test_clean_features_pass(sequences_dir, config, tmp_path):
    features = write_features_output(clean_feature_table(), tmp_path / "features")
    result = validate_features(config, sequences_dir, features, tmp_path / "report")
    assert result.success, result.summary()
    assert result.skipped == []
    # 5 table expectations, one known-set check per configured feature
    # (decade, genres), the null check, the unknown share and the column types.
    assert result.evaluated == 10


def test_item_without_features_fails(sequences_dir, config, tmp_path):
    table = clean_feature_table()
    table = table[table["item_idx"] != 8]
    features = write_features_output(table, tmp_path / "features")
    result = validate_features(config, sequences_dir, features, tmp_path / "report")
    found = failure(result, "vocabulary_coverage", "expect_column_values_to_be_in_set", "has_feature_row")
    assert found is not None
    assert "item_idx=8" in found.observed
    rows = failure(result, "item_features", "expect_table_row_count_to_equal", None)
    assert rows is not None
    assert rows.observed == "7"
    assert rows.threshold == "value=8 (rows of items.parquet)"


def test_categorical_outside_set_fails(sequences_dir, config, tmp_path):
    table = clean_feature_table()
    table.loc[2, "decade"] = "2090s"
    features = write_features_output(table, tmp_path / "features")
    result = validate_features(config, sequences_dir, features, tmp_path / "report")
    found = failure(result, "feature_values", "expect_column_values_to_be_in_set", "value")
    assert found is not None
    assert "2090s" in found.observed
    assert "item_idx=3" in found.observed
    assert "on rows where feature == decade" in found.threshold
    assert "validation.known_values.decade" in found.threshold


def test_multi_value_outside_set_fails(sequences_dir, config, tmp_path):
    table = clean_feature_table()
    table.at[0, "genres"] = ["Action", "Western"]
    features = write_features_output(table, tmp_path / "features")
    result = validate_features(config, sequences_dir, features, tmp_path / "report")
    found = failure(result, "feature_values", "expect_column_values_to_be_in_set", "value")
    assert found is not None
    assert "Western" in found.observed
    assert "on rows where feature == genres" in found.threshold


def test_unknown_share_over_limit_fails(sequences_dir, config, tmp_path):
    table = clean_feature_table()
    table.loc[[0, 1, 2], "decade"] = UNKNOWN
    features = write_features_output(table, tmp_path / "features")
    result = validate_features(config, sequences_dir, features, tmp_path / "report")
    found = failure(result, "unknown_shares", "expect_column_values_to_be_between", "unknown_share")
    assert found is not None
    # 3 of 8 items unknown: 0.375 > the default limit 0.2.
    assert "0.375 at feature=decade" in found.observed
    assert "max_value=0.2 (validation.max_unknown_share)" in found.threshold


def test_empty_genre_list_counts_unknown(sequences_dir, config, tmp_path):
    table = clean_feature_table()
    for row in (0, 1):
        table.at[row, "genres"] = []
    table.at[2, "genres"] = [UNKNOWN]
    features = write_features_output(table, tmp_path / "features")
    result = validate_features(config, sequences_dir, features, tmp_path / "report")
    found = failure(result, "unknown_shares", "expect_column_values_to_be_between", "unknown_share")
    assert found is not None
    # Two empty lists and one list of only the token: 3 of 8 = 0.375.
    assert "0.375 at feature=genres" in found.observed


def test_null_categorical_fails(sequences_dir, config, tmp_path):
    table = clean_feature_table()
    table.loc[4, "decade"] = None
    features = write_features_output(table, tmp_path / "features")
    result = validate_features(config, sequences_dir, features, tmp_path / "report")
    found = failure(result, "feature_values", "expect_column_values_to_not_be_null", "value")
    assert found is not None
    assert "item_idx=5" in found.observed


def test_schema_column_missing_fails(sequences_dir, config, tmp_path):
    table = clean_feature_table().drop(columns=["title"])
    features = write_features_output(table, tmp_path / "features")
    result = validate_features(config, sequences_dir, features, tmp_path / "report")
    found = failure(
        result, "feature_columns", "expect_column_pair_values_to_be_equal", "actual_type, expected_type"
    )
    assert found is not None
    assert "actual_type=missing" in found.observed
    assert "feature=title" in found.observed


def test_feature_without_set_skipped(sequences_dir, config, tmp_path):
    config.validation.known_values = {"genres": ["Action", "Comedy", "Drama"], "colour": ["red"]}
    features = write_features_output(clean_feature_table(), tmp_path / "features")
    result = validate_features(config, sequences_dir, features, tmp_path / "report")
    assert result.success, result.summary()
    reasons = {skip.column: skip.reason for skip in result.skipped}
    assert set(reasons) == {"decade", "colour"}
    assert "add validation.known_values.decade" in reasons["decade"]
    assert "does not list" in reasons["colour"]


def test_no_item_features_pass(sequences_dir, config, tmp_path):
    # A dataset without item metadata: the table has only the item_idx column.
    table = clean_feature_table()[["item_idx"]]
    schema = {"categorical": [], "multi_categorical": [], "text": [], "unknown_token": UNKNOWN}
    config.validation.known_values = {}
    features = write_features_output(table, tmp_path / "features", schema=schema)
    result = validate_features(config, sequences_dir, features, tmp_path / "report")
    assert result.success, result.summary()


def test_invalid_schema_file_raises(sequences_dir, config, tmp_path):
    schema = dict(FEATURE_SCHEMA, categorical="decade")
    features = write_features_output(clean_feature_table(), tmp_path / "features", schema=schema)
    with pytest.raises(ValidationInputError, match="'categorical' must be a list of column names"):
        validate_features(config, sequences_dir, features, tmp_path / "report")


def test_missing_features_dir_raises(sequences_dir, config, tmp_path):
    with pytest.raises(ValidationInputError, match="pass the output directory of the features step"):
        validate_features(config, sequences_dir, tmp_path / "absent", tmp_path / "report")
