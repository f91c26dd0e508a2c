"""Validation of the `publish` configuration section."""

from __future__ import annotations

import pytest

from clrec.config import ConfigError, load_config


def test_defaults():
    publish = load_config(None, []).publish
    assert publish.index_factory == "Flat"
    assert publish.metric == "auto"
    assert publish.recall_floor == 0.95
    assert publish.recommend.k == 50


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("publish.index_factory=IVF 16,Flat", "without spaces"),
        ("publish.index_factory=IDMap,Flat", "must not contain 'IDMap' or 'L2norm'"),
        ("publish.metric=l2", "publish.metric"),
        ("publish.recall_floor=0", "publish.recall_floor"),
        ("publish.recall_floor=1.5", "publish.recall_floor"),
        ("publish.search_parameter_values=[]", "at least one value"),
        ("publish.search_parameter_values=[8,4]", "strictly increasing"),
        ("publish.search_parameter_values=[0,1]", "positive integer"),
        ("publish.recommend.k=0", "publish.recommend.k"),
        ("publish.recommend.threads=-1", "publish.recommend.threads"),
        ("publish.unknown=1", "publish.unknown: unknown key"),
    ],
)
def test_invalid_value_named(override, message):
    with pytest.raises(ConfigError, match=message):
        load_config(None, [override])


@pytest.mark.parametrize("path", ["configs/ml-100k.yaml", "configs/amazon-beauty.yaml"])
def test_dataset_configs_load(path):
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    assert load_config(root / path, []).publish.index_factory == "Flat"
