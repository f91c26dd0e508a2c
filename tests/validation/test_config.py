"""ValidationConfig: thresholds load from YAML and bad values name their key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from clrec.config import ConfigError, load_config, load_config_text

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_defaults_load():
    settings = load_config_text("").validation
    assert settings.min_event_date == dt.date(1995, 1, 1)
    assert settings.max_rejected_share == 0.01
    assert settings.known_values == {}


@pytest.mark.parametrize("name", ["ml-100k", "amazon-beauty"])
def test_shipped_configs_load(name):
    settings = load_config(REPO_ROOT / "configs" / f"{name}.yaml").validation
    assert settings.min_events_for_targets == 3


def test_override_sets_threshold():
    config = load_config_text("", overrides=["validation.max_unknown_share=0.5"])
    assert config.validation.max_unknown_share == 0.5


def test_share_above_one_rejected():
    with pytest.raises(ConfigError, match=r"validation\.max_rejected_share: .*less than or equal to 1"):
        load_config_text("validation: {max_rejected_share: 1.5}")


def test_unknown_key_rejected():
    with pytest.raises(ConfigError, match=r"validation\.max_reject_share: unknown key"):
        load_config_text("validation: {max_reject_share: 0.1}")


def test_length_bounds_reversed_rejected():
    with pytest.raises(ConfigError, match=r"min_train_length \(10\) is greater than max_train_length \(5\)"):
        load_config_text("validation: {min_train_length: 10, max_train_length: 5}")


def test_future_min_date_rejected():
    next_year = dt.date.today().year + 1
    with pytest.raises(ConfigError, match=r"validation\.min_event_date: .*is not in the past"):
        load_config_text(f"validation: {{min_event_date: {next_year}-01-01}}")


def test_empty_known_set_rejected():
    with pytest.raises(ConfigError, match="known_values.genres is empty"):
        load_config_text("validation: {known_values: {genres: []}}")


def test_repeated_known_value_rejected():
    with pytest.raises(ConfigError, match="known_values.genres lists a value more than once"):
        load_config_text("validation: {known_values: {genres: [Drama, Drama]}}")
