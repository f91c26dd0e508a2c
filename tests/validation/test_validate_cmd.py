"""`clrec validate`: exit status and messages for passing, failing and unusable data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clrec.cli.main import app
from tests.validation.fixtures import clean_feature_table, write_features_output


@pytest.fixture
def run_cli(tmp_path):
    """Run `clrec validate` with a configuration file that has the fixture's known sets."""
    config_file = tmp_path / "config.yaml"
    config_file.write_text(
        "validation:\n  known_values:\n    decade: ['1980s', '1990s']\n"
        "    genres: ['Action', 'Comedy', 'Drama']\n",
        encoding="utf-8",
    )

    def run(*args: str):
        return CliRunner().invoke(app, ["validate", "--config", str(config_file), *args])

    return run


def test_clean_preprocessed_exits_zero(run_cli, clean_tables, write_preprocess, tmp_path):
    report_dir = tmp_path / "report"
    result = run_cli(
        "--stage", "preprocessed", "--sequences", str(write_preprocess(clean_tables)),
        "--report-dir", str(report_dir),
    )
    assert result.exit_code == 0, result.output
    assert "preprocessed data passed validation" in result.output
    assert (report_dir / "report.html").is_file()
    assert (report_dir / "validation.json").is_file()


def test_bad_preprocessed_exits_one(run_cli, clean_tables, write_preprocess, tmp_path):
    clean_tables["events"].loc[0, "item_idx"] = -3
    result = run_cli(
        "--stage", "preprocessed", "--sequences", str(write_preprocess(clean_tables)),
        "--report-dir", str(tmp_path / "report"),
    )
    assert result.exit_code == 1
    assert re.search(r"error: \d+ of \d+ expectations failed on the preprocessed data", result.output)
    assert str(tmp_path / "report" / "report.html") in result.output


def test_bad_features_exit_one(run_cli, clean_tables, write_preprocess, tmp_path):
    table = clean_feature_table()
    table = table[table["item_idx"] != 8]
    features = write_features_output(table, tmp_path / "features")
    result = run_cli(
        "--stage", "features", "--sequences", str(write_preprocess(clean_tables)),
        "--features", str(features), "--report-dir", str(tmp_path / "report"),
    )
    assert result.exit_code == 1
    assert "expectations failed on the features data" in result.output


def test_features_stage_needs_features(run_cli, tmp_path):
    result = run_cli("--stage", "features", "--sequences", str(tmp_path))
    assert result.exit_code == 2
    assert "error: --stage features needs --features DIR" in result.output


def test_missing_input_exits_two(run_cli, tmp_path):
    result = run_cli(
        "--stage", "preprocessed", "--sequences", str(tmp_path / "absent"),
        "--report-dir", str(tmp_path / "report"),
    )
    assert result.exit_code == 2
    assert "error: input directory not found" in result.output


def test_unknown_stage_rejected(run_cli, tmp_path):
    result = run_cli("--stage", "trained", "--sequences", str(tmp_path))
    assert result.exit_code == 2
    assert "'trained' is not one of" in result.output


def test_default_report_dir(run_cli, clean_tables, write_preprocess, tmp_path, monkeypatch):
    sequences = write_preprocess(clean_tables)
    monkeypatch.chdir(tmp_path)
    result = run_cli("--stage", "preprocessed", "--sequences", str(sequences))
    assert result.exit_code == 0, result.output
    assert Path("artifacts/validation/preprocessed/report.html").is_file()
