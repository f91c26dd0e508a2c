"""validate_preprocessed: each kind of bad preprocess output fails the expectation that guards it.

The fixture (fixtures.py) has 5 users with 5, 4, 3, 2 and 6 events on 8
items, 20 events in all. Of them, 12 are training events: 3 + 2 + 1 + 2 + 4,
because user 4 has fewer than 3 events and trains only.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from clrec.config import load_config
from clrec.validation import ValidationInputError, ValidationResult, validate_preprocessed
from tests.validation.fixtures import events_from_lengths, sequences_from_events, tables_from_events

REPO_ROOT = Path(__file__).resolve().parents[2]


def failure(result: ValidationResult, frame: str, expectation: str, column: str | None):
    """Return the failure of `expectation` on `frame` and `column`, or None."""
    for item in result.failures:
        if (item.frame, item.expectation, item.column) == (frame, expectation, column):
            return item
    return None


def test_clean_output_passes(clean_tables, write_preprocess, config, tmp_path):
    result = validate_preprocessed(config, write_preprocess(clean_tables), tmp_path / "report")
    assert result.success, result.summary()
    assert result.failures == []
    assert result.skipped == []
    assert result.evaluated > 50


def test_null_user_id_fails(clean_tables, write_preprocess, config, tmp_path):
    events = clean_tables["events"].astype({"user_idx": object})
    events.loc[3, "user_idx"] = None
    clean_tables["events"] = events
    result = validate_preprocessed(config, write_preprocess(clean_tables), tmp_path / "report")
    assert not result.success
    found = failure(result, "events", "expect_column_values_to_not_be_null", "user_idx")
    assert found is not None
    assert found.suite == "raw_clicks"
    assert found.observed.startswith("1 of 20 rows")


def test_negative_item_id_fails(clean_tables, write_preprocess, config, tmp_path):
    clean_tables["events"].loc[0, "item_idx"] = -3
    result = validate_preprocessed(config, write_preprocess(clean_tables), tmp_path / "report")
    found = failure(result, "events", "expect_column_values_to_be_between", "item_idx")
    assert found is not None
    assert found.suite == "raw_clicks"
    assert "-3" in found.observed
    assert "min_value=1" in found.threshold


def test_timestamp_from_1900_fails(clean_tables, write_preprocess, config, tmp_path):
    # 1900-01-01T00:00:00Z is -2,208,988,800 Unix seconds.
    clean_tables["events"].loc[2, "timestamp"] = -2_208_988_800
    result = validate_preprocessed(config, write_preprocess(clean_tables), tmp_path / "report")
    found = failure(result, "events", "expect_column_values_to_be_between", "timestamp")
    assert found is not None
    assert "-2208988800" in found.observed
    # 1995-01-01T00:00:00Z, the default validation.min_event_date, is 788,918,400.
    assert "min_value=788918400 (validation.min_event_date = 1995-01-01)" in found.threshold


def test_timestamp_next_year_fails(clean_tables, write_preprocess, config, tmp_path):
    next_year = dt.datetime(dt.datetime.now(dt.timezone.utc).year + 1, 7, 1, tzinfo=dt.timezone.utc)
    clean_tables["events"].loc[5, "timestamp"] = int(next_year.timestamp())
    result = validate_preprocessed(config, write_preprocess(clean_tables), tmp_path / "report")
    found = failure(result, "events", "expect_column_values_to_be_between", "timestamp")
    assert found is not None
    assert str(int(next_year.timestamp())) in found.observed
    assert "validation.future_tolerance_s" in found.threshold


def test_positions_as_timestamps_skip_range(write_preprocess, config, tmp_path):
    # Without timestamps (Amazon Beauty), the timestamp column contains each
    # event's position, so 0, 1, 2... would fail any date range.
    events = events_from_lengths({1: 4, 2: 3})
    events["timestamp"] = events["position"]
    tables = tables_from_events(events, num_items=8, has_timestamps=False)
    result = validate_preprocessed(config, write_preprocess(tables), tmp_path / "report")
    assert result.success, result.summary()
    assert len(result.skipped) == 1
    assert result.skipped[0].column == "timestamp"
    assert "has_timestamps: false" in result.skipped[0].reason


def test_train_contains_test_event_fails(clean_tables, write_preprocess, config, tmp_path):
    sequences = clean_tables["sequences"]
    row = sequences.index[sequences["user_idx"] == 1][0]
    sequences.at[row, "train_items"] = [*sequences.at[row, "train_items"], sequences.at[row, "test_item"]]
    sequences.at[row, "train_timestamps"] = [
        *sequences.at[row, "train_timestamps"],
        sequences.at[row, "test_timestamp"],
    ]
    result = validate_preprocessed(config, write_preprocess(clean_tables), tmp_path / "report")
    found = failure(result, "user_checks", "expect_column_values_to_be_in_set", "train_excludes_targets")
    assert found is not None
    assert found.suite == "sequences_splits"
    assert "user_idx=1" in found.observed
    assert found.observed.startswith("1 of 5 rows")


def test_valid_target_in_test_input_order(clean_tables, write_preprocess, config, tmp_path):
    # A validation target later than its test target: the test input would
    # hold an event from the test target's future.
    sequences = clean_tables["sequences"]
    row = sequences.index[sequences["user_idx"] == 5][0]
    sequences.at[row, "valid_timestamp"] = sequences.at[row, "test_timestamp"] + 60
    result = validate_preprocessed(config, write_preprocess(clean_tables), tmp_path / "report")
    found = failure(result, "user_checks", "expect_column_values_to_be_in_set", "test_input_before_target")
    assert found is not None
    assert "user_idx=5" in found.observed


def test_duplicate_test_rows_fail(clean_tables, write_preprocess, config, tmp_path):
    events = clean_tables["events"]
    test_row = events[(events["user_idx"] == 2) & (events["split"] == "test")]
    clean_tables["events"] = pd.concat([events, test_row], ignore_index=True)
    result = validate_preprocessed(config, write_preprocess(clean_tables), tmp_path / "report")
    found = failure(
        result, "user_checks", "expect_column_pair_values_to_be_equal", "test_events, expected_targets"
    )
    assert found is not None
    assert "user_idx=2" in found.observed
    assert found.threshold == "test_events == expected_targets"
    duplicate = failure(result, "events", "expect_compound_columns_to_be_unique", "user_idx, position")
    assert duplicate is not None


def test_missing_valid_target_fails(clean_tables, write_preprocess, config, tmp_path):
    sequences = clean_tables["sequences"]
    row = sequences.index[sequences["user_idx"] == 3][0]
    sequences.at[row, "valid_item"] = None
    sequences.at[row, "valid_timestamp"] = None
    result = validate_preprocessed(config, write_preprocess(clean_tables), tmp_path / "report")
    found = failure(
        result, "user_checks", "expect_column_pair_values_to_be_equal", "valid_targets, expected_targets"
    )
    assert found is not None
    assert "user_idx=3" in found.observed


def test_popularity_over_all_splits_fails(clean_tables, write_preprocess, config, tmp_path):
    counts = clean_tables["events"]["item_idx"].value_counts()
    items = clean_tables["items"]
    items["popularity"] = [int(counts.get(item, 0)) for item in items["item_idx"]]
    result = validate_preprocessed(config, write_preprocess(clean_tables), tmp_path / "report")
    found = failure(result, "items", "expect_column_sum_to_be_between", "popularity")
    assert found is not None
    # All 20 events counted, where only the 12 training events belong.
    assert found.observed == "20"
    assert "max_value=12 (events with split train in events.parquet)" in found.threshold
    per_item = failure(
        result, "items", "expect_column_pair_values_to_be_equal", "popularity, training_events"
    )
    assert per_item is not None


def test_item_outside_vocabulary_fails(clean_tables, write_preprocess, config, tmp_path):
    # Item 8 is used by events but dropped from items.parquet (7 items left).
    clean_tables["items"] = clean_tables["items"][clean_tables["items"]["item_idx"] < 8]
    result = validate_preprocessed(config, write_preprocess(clean_tables), tmp_path / "report")
    found = next(
        item
        for item in result.failures
        if item.suite == "sequences_splits" and item.frame == "events" and item.column == "item_idx"
    )
    assert "max_value=7 (rows of items.parquet)" in found.threshold
    assert "item_idx=8" in found.observed


def test_rejected_share_over_limit_fails(clean_tables, write_preprocess, config, tmp_path):
    # 10 rejected of 30 input rows (20 accepted) is a share of 1/3 > 0.01.
    clean_tables["rejects"] = [
        {"source": "u.data", "line": line, "reason": "bad_user_id", "raw": "x"} for line in range(10)
    ]
    result = validate_preprocessed(config, write_preprocess(clean_tables), tmp_path / "report")
    found = failure(result, "row_accounting", "expect_column_values_to_be_between", "rejected_share")
    assert found is not None
    assert "0.333333" in found.observed
    assert "max_value=0.01 (validation.max_rejected_share)" in found.threshold


def test_rejects_not_logged_fail(clean_tables, write_preprocess, config, tmp_path):
    # The manifest counts 2 rejected rows, but rejects.jsonl lists none.
    clean_tables["manifest"]["rows"] = {"input": 22, "rejected": 2}
    result = validate_preprocessed(config, write_preprocess(clean_tables), tmp_path / "report")
    found = failure(
        result, "row_accounting", "expect_column_pair_values_to_be_equal", "rejects_logged, rejected_rows"
    )
    assert found is not None
    # 2 rejected of 22 input rows is a share of 0.0909 > 0.01.
    share = failure(result, "row_accounting", "expect_column_values_to_be_between", "rejected_share")
    assert share is not None


def test_train_length_over_limit_fails(clean_tables, write_preprocess, config, tmp_path):
    config.validation.max_train_length = 3
    result = validate_preprocessed(config, write_preprocess(clean_tables), tmp_path / "report")
    found = failure(result, "user_checks", "expect_column_values_to_be_between", "train_length")
    assert found is not None
    # Only user 5 has more than 3 training events (4).
    assert "user_idx=5" in found.observed
    assert "max_value=3 (validation.max_train_length)" in found.threshold


def test_missing_column_reports_frame(clean_tables, write_preprocess, config, tmp_path):
    clean_tables["events"] = clean_tables["events"].drop(columns=["split"])
    result = validate_preprocessed(config, write_preprocess(clean_tables), tmp_path / "report")
    columns = failure(result, "events", "expect_table_columns_to_match_set", None)
    assert columns is not None
    unbuilt = [item for item in result.failures if item.frame == "user_checks"]
    assert unbuilt
    assert all("events.parquet lacks column(s) split" in item.observed for item in unbuilt)


def test_missing_file_raises(clean_tables, write_preprocess, config, tmp_path):
    directory = write_preprocess(clean_tables)
    (directory / "sequences.parquet").unlink()
    with pytest.raises(ValidationInputError, match="sequences.parquet not found in"):
        validate_preprocessed(config, directory, tmp_path / "report")


def test_manifest_without_flag_raises(clean_tables, write_preprocess, config, tmp_path):
    clean_tables["manifest"] = {}
    with pytest.raises(ValidationInputError, match="no boolean has_timestamps key"):
        validate_preprocessed(config, write_preprocess(clean_tables), tmp_path / "report")


def test_summary_json_written(clean_tables, write_preprocess, config, tmp_path):
    clean_tables["events"].loc[0, "item_idx"] = -3
    result = validate_preprocessed(config, write_preprocess(clean_tables), tmp_path / "report")
    summary = json.loads((tmp_path / "report" / "validation.json").read_text(encoding="utf-8"))
    assert summary["success"] is False
    assert summary["stage"] == "preprocessed"
    assert len(summary["failures"]) == len(result.failures)
    assert set(summary["failures"][0]) == {
        "suite", "frame", "expectation", "column", "observed", "threshold", "guards",
    }


def test_failures_logged(clean_tables, write_preprocess, config, tmp_path, caplog):
    clean_tables["events"].loc[0, "item_idx"] = -3
    with caplog.at_level("ERROR", logger="clrec.validation"):
        result = validate_preprocessed(config, write_preprocess(clean_tables), tmp_path / "report")
    logged = [record.getMessage() for record in caplog.records if record.levelname == "ERROR"]
    assert logged == result.failure_lines()
    assert any("observed" in line and "threshold" in line for line in logged)


@pytest.mark.mirror
def test_ml100k_pandas_output_passes(ml100k_pandas_output, ml100k_config, tmp_path):
    result = validate_preprocessed(ml100k_config, ml100k_pandas_output, tmp_path / "report")
    assert result.success, result.summary()
    assert result.skipped == []


@pytest.mark.mirror
def test_ml100k_preprocess_output_passes(ml100k_preprocessed, ml100k_config, tmp_path):
    result = validate_preprocessed(ml100k_config, ml100k_preprocessed, tmp_path / "report")
    assert result.success, result.summary()


@pytest.mark.mirror
@pytest.mark.slow
def test_amazon_beauty_skips_time_range(mirror_dir, tmp_path):
    from clrec.preprocess import run_preprocess

    config = load_config(REPO_ROOT / "configs" / "amazon-beauty.yaml")
    run_preprocess(config, mirror_dir / "amazon-beauty", tmp_path / "preprocessed")
    result = validate_preprocessed(config, tmp_path / "preprocessed", tmp_path / "report")
    assert result.success, result.summary()
    assert [skip.column for skip in result.skipped] == ["timestamp"]


def test_sequences_builder_matches_contract():
    # Guard for the fixture itself: user 1 has 5 events, so 3 train, then
    # the validation target at position 3 and the test target at position 4.
    events = events_from_lengths({1: 5})
    row = sequences_from_events(events).iloc[0]
    assert row["train_items"] == events["item_idx"].tolist()[:3]
    assert row["valid_item"] == events["item_idx"].iloc[3]
    assert row["test_item"] == events["item_idx"].iloc[4]
