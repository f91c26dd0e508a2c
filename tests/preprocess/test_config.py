"""The preprocess section rejects inconsistent settings at load time, naming the key."""

from __future__ import annotations

import pytest

from clrec.config import ConfigError, load_config_text


def load_preprocess(text: str):
    return load_config_text(text).preprocess


def test_defaults_read_movielens():
    config = load_preprocess("")
    assert config.input.paths == ["u.data"]
    assert config.input.effective_delimiter == "\t"
    assert config.columns.timestamp == "timestamp"
    assert config.max_rejected_fraction == 0.01


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("preprocess: {input: {format: jsonl}}", "field_names must be empty"),
        ("preprocess: {input: {format: parquet, field_names: [], delimiter: ','}}", "delimiter applies only"),
        ("preprocess: {input: {delimiter: '::'}}", "exactly one character"),
        ("preprocess: {input: {encoding: klingon}}", "unknown text encoding"),
        ("preprocess: {input: {encoding: utf-16}}", "not ASCII-compatible"),
        ("preprocess: {input: {field_names: [a, a]}}", "repeated"),
        ("preprocess: {columns: {user: uid}}", "not in input.field_names"),
        ("preprocess: {columns: {rating: null}, filter: {min_rating: 4}}", "filter.min_rating needs columns.rating"),
        ("preprocess: {filter: {event_types: [click]}}", "filter.event_types needs columns.event_type"),
        ("preprocess: {split: {strategy: time_cutoff}}", "time_cutoff is required"),
        ("preprocess: {split: {time_cutoff: 5}}", "applies only to strategy: time_cutoff"),
        ("preprocess: {max_rejected_fraction: 1.5}", "max_rejected_fraction"),
        ("preprocess: {kcore: {min_user_events: 0}}", "kcore.min_user_events"),
        ("preprocess: {input: {paths: []}}", "input.paths"),
    ],
)
def test_invalid_setting_named(text, message):
    with pytest.raises(ConfigError, match=message):
        load_preprocess(text)


def test_time_cutoff_needs_timestamps():
    text = (
        "preprocess: {columns: {timestamp: null}, input: {field_names: [user_id, item_id, rating]}, "
        "split: {strategy: time_cutoff, time_cutoff: 5}}"
    )
    with pytest.raises(ConfigError, match="needs columns.timestamp"):
        load_preprocess(text)
