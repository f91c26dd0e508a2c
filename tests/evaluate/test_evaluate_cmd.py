"""`clrec evaluate` on the six-item catalog of the run tests."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from clrec.cli.main import app
from tests.evaluate.builders import write_model, write_preprocess_output
from tests.evaluate.test_run import EMBEDDINGS, ITEM_IDS, OVERRIDES, POPULARITY, USERS


@pytest.fixture
def run_cli(standin, tmp_path):
    """Run `clrec evaluate` on the tiny inputs; returns the click result and the output folder."""
    sequences = write_preprocess_output(tmp_path / "sequences", ITEM_IDS, POPULARITY, USERS)
    model = write_model(tmp_path / "model", EMBEDDINGS, "dot")
    config_file = tmp_path / "config.yaml"
    config_file.write_text("seed: 42\n")
    output = tmp_path / "evaluation"

    def run(*args: str):
        base = ["evaluate", "--config", str(config_file), "--sequences", str(sequences), "--model", str(model)]
        settings = [item for override in OVERRIDES for item in ("--set", override)]
        return CliRunner().invoke(app, [*base, "--output", str(output), *settings, *args])

    return run, output


def test_cli_writes_evaluation(run_cli):
    run, output = run_cli
    result = run("--no-registry")
    assert result.exit_code == 0, result.output
    assert "test hr@2 = 0.5000; gate: promote" in result.output
    assert json.loads((output / "gate.json").read_text())["promote"] is True


def test_cli_fail_on_reject(run_cli):
    run, _ = run_cli
    result = run("--no-registry", "--fail-on-reject", "--set", "evaluate.gate.hr_floor=0.9")
    assert result.exit_code == 3
    assert "do not promote (failed: hr_floor)" in result.output


def test_cli_missing_model(run_cli, tmp_path):
    run, _ = run_cli
    result = run("--no-registry", "--model", str(tmp_path / "nowhere"))
    assert result.exit_code == 1
    assert "error: model file not found" in result.output
