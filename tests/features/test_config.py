"""The `features` configuration section."""

from __future__ import annotations

import pytest

from clrec.config import ConfigError, load_config
from clrec.config.features import parse_utc_timestamp


def test_defaults():
    config = load_config(None)
    assert config.features.history_length == 50
    assert config.features.as_of == ""
    assert config.features.store_yaml == "feature_store.yaml"


def test_as_of_keeps_offset():
    config = load_config(None, ["features.as_of=1998-03-01T00:00:00+05:30"])
    parsed = parse_utc_timestamp(config.features.as_of, "features.as_of")
    assert parsed.utcoffset().total_seconds() == 5.5 * 3600


def test_as_of_naive_rejected():
    with pytest.raises(ConfigError, match=r"features\.as_of.*no UTC offset.*1998-03-01T00:00:00\+00:00"):
        load_config(None, ["features.as_of=1998-03-01T00:00:00"])


def test_as_of_garbage_rejected():
    with pytest.raises(ConfigError, match="not an ISO-8601 timestamp"):
        load_config(None, ["features.as_of=yesterday"])


def test_history_length_bounds():
    with pytest.raises(ConfigError, match="features.history_length"):
        load_config(None, ["features.history_length=0"])


def test_store_yaml_must_be_file_name():
    with pytest.raises(ConfigError, match="without a directory"):
        load_config(None, ["features.store_yaml=../elsewhere.yaml"])


def test_unknown_key_rejected():
    with pytest.raises(ConfigError, match="features.history_len: unknown key"):
        load_config(None, ["features.history_len=3"])
