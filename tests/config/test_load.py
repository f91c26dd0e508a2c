"""Configuration loading: the shipped files validate, bad keys and values are rejected."""

from __future__ import annotations

from pathlib import Path

import pytest

from clrec.config import ConfigError, dump_config, load_config, load_config_text

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


@pytest.mark.parametrize("name", ["ml-100k.yaml", "amazon-beauty.yaml"])
def test_shipped_configs_load(name):
    config = load_config(CONFIGS / name)
    assert config.data.dataset == name.removesuffix(".yaml")


def test_unknown_key_named(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("data:\n  datset: ml-100k\n")
    with pytest.raises(ConfigError, match=r"data\.datset: unknown key"):
        load_config(path)


def test_bad_value_lists_allowed(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("data:\n  dataset: ml-1m\n")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert "data.dataset" in str(raised.value)
    assert "'ml-100k'" in str(raised.value)


def test_override_sets_nested_value():
    config = load_config(CONFIGS / "ml-100k.yaml", ["seed=7", "data.dataset=amazon-beauty"])
    assert config.seed == 7
    assert config.data.dataset == "amazon-beauty"


def test_override_without_equals_rejected():
    with pytest.raises(ConfigError, match="expected KEY=VALUE"):
        load_config(CONFIGS / "ml-100k.yaml", ["seed"])


def test_override_bad_type_rejected():
    with pytest.raises(ConfigError, match="seed"):
        load_config(CONFIGS / "ml-100k.yaml", ["seed=-1"])


def test_missing_file_named(tmp_path):
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config(tmp_path / "nope.yaml")


def test_text_round_trip():
    config = load_config(CONFIGS / "ml-100k.yaml")
    assert load_config_text(dump_config(config)) == config


def test_directory_path_rejected(tmp_path):
    with pytest.raises(ConfigError, match="is a directory"):
        load_config(tmp_path)


def test_non_utf8_file_rejected(tmp_path):
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ConfigError, match="is not UTF-8 text"):
        load_config(path)
