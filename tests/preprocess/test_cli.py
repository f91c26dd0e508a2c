"""`clrec preprocess` on a small log: the summary line, the outputs, and the error exit."""

from __future__ import annotations

import json

import yaml
from typer.testing import CliRunner

from clrec.cli.main import app
from tests.preprocess.helpers import HEADERLESS_TSV, write_rows


def write_config(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"preprocess": HEADERLESS_TSV}), encoding="utf-8")
    return path


def test_cli_writes_outputs(tmp_path):
    write_rows(tmp_path / "input" / "log.tsv", ["1\ta\t5\t10", "1\tb\t5\t20", "1\tc\t5\t30", "2\ta\t4\t15"])
    output = tmp_path / "output"
    args = ["preprocess", "-c", str(write_config(tmp_path)), "--input-dir", str(tmp_path / "input"), "-o", str(output)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "2 users, 3 items, 4 events (train 2, valid 1, test 1)" in result.output
    assert json.loads((output / "manifest.json").read_text())["events"] == 4


def test_cli_error_exit(tmp_path):
    write_rows(tmp_path / "input" / "log.tsv", [])
    args = [
        "preprocess",
        "-c",
        str(write_config(tmp_path)),
        "--input-dir",
        str(tmp_path / "input"),
        "-o",
        str(tmp_path / "output"),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "error: the input files" in result.output


def test_cli_passes_beam_args(tmp_path):
    args = ["preprocess", "-c", str(write_config(tmp_path)), "--input-dir", str(tmp_path), "--", "--direct_running_mode=multi_threading"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "multi_threading is not supported" in result.output
