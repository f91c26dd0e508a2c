"""The `evaluate:` configuration section: defaults and rejected values."""

from __future__ import annotations

from pathlib import Path

import pytest

from clrec.config import ConfigError, load_config


def test_defaults_match_requirements():
    config = load_config(None).evaluate
    assert config.cutoffs == [10, 20, 50]
    assert config.gate.cutoff == 50
    assert config.sampled.num_negatives == 100
    assert config.sampled.sampler == "popularity"
    assert config.search_depth == 50


def test_cutoffs_sorted():
    assert load_config(None, ["evaluate.cutoffs=[50, 10, 20]"]).evaluate.cutoffs == [10, 20, 50]


def test_gate_cutoff_must_be_listed():
    with pytest.raises(ConfigError, match="gate.cutoff=30 is not one of cutoffs"):
        load_config(None, ["evaluate.gate.cutoff=30"])


def test_repeated_cutoff_rejected():
    with pytest.raises(ConfigError, match="must not repeat"):
        load_config(None, ["evaluate.cutoffs=[10, 10, 50]"])


def test_floor_above_one_rejected():
    with pytest.raises(ConfigError, match="evaluate.gate.hr_floor"):
        load_config(None, ["evaluate.gate.hr_floor=1.5"])


def test_unknown_sampler_rejected():
    with pytest.raises(ConfigError, match="evaluate.sampled.sampler"):
        load_config(None, ["evaluate.sampled.sampler=zipf"])


def test_unknown_key_rejected():
    with pytest.raises(ConfigError, match="evaluate.top_k: unknown key"):
        load_config(None, ["evaluate.top_k=5"])


def test_shipped_configs_load():
    configs = Path(__file__).resolve().parents[2] / "configs"
    for name in ("ml-100k.yaml", "amazon-beauty.yaml"):
        assert load_config(configs / name).evaluate.gate.cutoff == 50
