"""The train component called directly and through kfp's local runner.

No `from __future__ import annotations` here: kfp reads the pipeline's
annotations as types, not strings.
"""

import json
from pathlib import Path

from kfp import dsl, local

from clrec.config import dump_config
from components.train.component import train
from tests.train.fixtures import cyclic_sequences, tiny_config, write_features, write_sequences


class _Artifact:
    """Stand-in for a kfp artifact handle: a path plus metadata, and metrics logging."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self.metadata: dict = {}
        self.logged: dict[str, float] = {}

    def log_metric(self, name: str, value: float) -> None:
        self.logged[name] = value


def _inputs(root: Path) -> None:
    write_sequences(root / "sequences", cyclic_sequences(8, 20, 12, seed=6), num_items=20)
    write_features(root / "features", num_items=20)


def test_component_function_writes_model(tmp_path):
    _inputs(tmp_path)
    model, metrics = _Artifact(tmp_path / "model"), _Artifact(tmp_path / "metrics")
    config_yaml = dump_config(tiny_config("train.max_steps=2"))
    train.python_func(
        model=model,
        metrics=metrics,
        sequences=_Artifact(tmp_path / "sequences"),
        item_features=_Artifact(tmp_path / "features"),
        config_yaml=config_yaml,
    )
    assert (tmp_path / "model" / "model.safetensors").is_file()
    assert not (tmp_path / "model" / "checkpoints").exists()
    assert metrics.logged["steps"] == 2.0
    assert 0.0 <= metrics.logged["best_valid_hr_at_10"] <= 1.0
    assert model.metadata["loss_kind"] == "cached_queue"


def test_component_local_runner(tmp_path):
    _inputs(tmp_path)
    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(tmp_path / "root"))
    config_yaml = dump_config(tiny_config("train.max_steps=2"))

    @dsl.pipeline(name="train-only")
    def train_only(sequences_uri: str, features_uri: str, config_yaml: str):
        sequences = dsl.importer(artifact_uri=sequences_uri, artifact_class=dsl.Dataset)
        features = dsl.importer(artifact_uri=features_uri, artifact_class=dsl.Dataset)
        train(
            sequences=sequences.output, item_features=features.output, config_yaml=config_yaml
        )

    train_only(
        sequences_uri=str(tmp_path / "sequences"),
        features_uri=str(tmp_path / "features"),
        config_yaml=config_yaml,
    )
    outputs = list((tmp_path / "root").rglob("train_metrics.json"))
    assert len(outputs) == 1
    assert json.loads(outputs[0].read_text())["steps"] == 2
