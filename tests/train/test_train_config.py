"""Validation of the `train` section when the configuration is loaded."""

from __future__ import annotations

import pytest

from clrec.config import ConfigError, load_config


def test_defaults_load():
    config = load_config(None)
    assert config.train.loss.kind == "cached_queue"
    assert config.train.model.score == "cosine"


@pytest.mark.parametrize("path", ["configs/ml-100k.yaml", "configs/amazon-beauty.yaml"])
def test_dataset_configs_load(path):
    config = load_config(path)
    assert config.train.loss.kind == "cached_queue"


def test_heads_must_divide_dim():
    with pytest.raises(ConfigError, match="num_heads=3 must divide dim=64"):
        load_config(None, ["train.model.num_heads=3"])


def test_unknown_loss_kind_rejected():
    with pytest.raises(ConfigError, match=r"train.loss.kind: .*'cached_queue'"):
        load_config(None, ["train.loss.kind=moco"])


def test_bad_device_rejected():
    with pytest.raises(ConfigError, match="train.device: .*'gpu' is not one of auto, cpu, cuda, cuda:N"):
        load_config(None, ["train.device=gpu"])


def test_non_positive_temperature_rejected():
    with pytest.raises(ConfigError, match="train.model.temperature: .*greater than 0"):
        load_config(None, ["train.model.temperature=0"])


def test_unknown_train_key_rejected():
    with pytest.raises(ConfigError, match="train.learning_rate: unknown key"):
        load_config(None, ["train.learning_rate=0.1"])


def test_momentum_range():
    with pytest.raises(ConfigError, match="train.loss.momentum: .*less than 1"):
        load_config(None, ["train.loss.momentum=1.0"])
