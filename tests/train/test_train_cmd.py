"""The `clrec train` command."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from clrec.cli.main import app
from tests.train.fixtures import TINY_TRAIN, cyclic_sequences, write_features, write_sequences

runner = CliRunner()


def _overrides(*extra: str) -> list[str]:
    arguments = []
    for override in [*TINY_TRAIN, *extra]:
        arguments += ["--set", override]
    return arguments


def test_train_command_writes_model(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_sequences(tmp_path / "sequences", cyclic_sequences(8, 20, 12), num_items=20)
    write_features(tmp_path / "features", num_items=20)
    result = runner.invoke(
        app,
        ["train", "--sequences", "sequences", "--features", "features", "--output", "model",
         *_overrides("train.max_steps=2")],
    )
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "model" / "train_metrics.json").read_text())["steps"] == 2


def test_train_command_missing_input_fails(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["train", "--sequences", "absent", "--output", "model"])
    assert result.exit_code == 1
    assert "error: sequences directory not found" in result.output


def test_train_command_bad_config_fails(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["train", "--sequences", ".", "--output", "model", "--set", "train.epochs=0"])
    assert result.exit_code == 2
    assert "train.epochs" in result.output
