"""Tests of `clrec pipeline submit` and `clrec pipeline schedule` against a fake KFP API server."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from clrec.cli.main import app
from clrec.config import load_config_text
from tests.pipelines.fake_kfp import FakeKfpServer

runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_host_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KFP_HOST", raising=False)
    monkeypatch.delenv("KFP_TOKEN", raising=False)


def test_submit_without_host_fails(tiny_package: Path) -> None:
    result = runner.invoke(app, ["pipeline", "submit", "--package", str(tiny_package)])
    assert result.exit_code == 1
    assert "error: no Kubeflow Pipelines endpoint: pass --host URL or set KFP_HOST" in result.stderr


def test_submit_missing_package_fails(tmp_path: Path) -> None:
    package = tmp_path / "missing.yaml"
    result = runner.invoke(
        app, ["pipeline", "submit", "--package", str(package), "--host", "http://127.0.0.1:9"]
    )
    assert result.exit_code == 1
    assert f"error: compiled pipeline not found: {package}; run `make compile` first" in result.stderr


def test_submit_sends_params(fake_kfp: FakeKfpServer, tiny_package: Path) -> None:
    result = runner.invoke(
        app,
        [
            "pipeline",
            "submit",
            "--package",
            str(tiny_package),
            "--host",
            fake_kfp.url,
            "--experiment",
            "weekly",
            "--run-name",
            "clrec-manual",
            "--param",
            "registry=s3://models/clrec",
            "--param",
            "feast_data=gs://features/clrec",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert f"run run-1 created in experiment weekly: {fake_kfp.url}/#/runs/details/run-1" in result.stdout
    [posted] = fake_kfp.posts("/runs")
    assert posted.body["display_name"] == "clrec-manual"
    assert posted.body["runtime_config"]["parameters"] == {
        "registry": "s3://models/clrec",
        "feast_data": "gs://features/clrec",
    }


def test_submit_unknown_param_fails(fake_kfp: FakeKfpServer, tiny_package: Path) -> None:
    result = runner.invoke(
        app,
        ["pipeline", "submit", "--package", str(tiny_package), "--host", fake_kfp.url, "--param", "region=eu"],
    )
    assert result.exit_code == 1
    assert "error: unknown pipeline parameter 'region'" in result.stderr
    assert fake_kfp.state.requests == []


def test_schedule_host_from_env(
    fake_kfp: FakeKfpServer, tiny_package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KFP_HOST", fake_kfp.url)
    result = runner.invoke(
        app,
        [
            "pipeline",
            "schedule",
            "--package",
            str(tiny_package),
            "--cron",
            "0 30 2 * * *",
            "--set",
            "seed=7",
            "--catchup",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert "recurring run recurring-1 created in experiment clrec (0 30 2 * * *)" in result.stdout
    [posted] = fake_kfp.posts("/recurringruns")
    assert posted.body["trigger"]["cron_schedule"]["cron"] == "0 30 2 * * *"
    assert posted.body["no_catchup"] is False
    # --set without --config changes the configuration compiled into the package.
    sent = load_config_text(posted.body["runtime_config"]["parameters"]["config_yaml"])
    assert sent.seed == 7
    assert sent.data.dataset == "ml-100k"


def test_schedule_config_file_sent(fake_kfp: FakeKfpServer, tiny_package: Path, tmp_path: Path) -> None:
    config = tmp_path / "beauty.yaml"
    config.write_text("seed: 3\ndata:\n  dataset: amazon-beauty\n")
    result = runner.invoke(
        app,
        [
            "pipeline",
            "schedule",
            "--package",
            str(tiny_package),
            "--host",
            fake_kfp.url,
            "--cron",
            "@daily",
            "--config",
            str(config),
        ],
    )
    assert result.exit_code == 0, result.stderr
    [posted] = fake_kfp.posts("/recurringruns")
    sent = load_config_text(posted.body["runtime_config"]["parameters"]["config_yaml"])
    assert sent.seed == 3
    assert sent.data.dataset == "amazon-beauty"


def test_schedule_bad_config_fails(fake_kfp: FakeKfpServer, tiny_package: Path) -> None:
    result = runner.invoke(
        app,
        [
            "pipeline",
            "schedule",
            "--package",
            str(tiny_package),
            "--host",
            fake_kfp.url,
            "--cron",
            "@daily",
            "--set",
            "seed=-1",
        ],
    )
    assert result.exit_code == 2
    assert "seed" in result.stderr
    assert fake_kfp.state.requests == []


def test_schedule_five_field_cron_fails(fake_kfp: FakeKfpServer, tiny_package: Path) -> None:
    result = runner.invoke(
        app,
        ["pipeline", "schedule", "--package", str(tiny_package), "--host", fake_kfp.url, "--cron", "30 2 * * *"],
    )
    assert result.exit_code == 1
    assert "error: cron expression '30 2 * * *' has 5 fields" in result.stderr
    assert "write '0 30 2 * * *'" in result.stderr
    assert fake_kfp.posts("/recurringruns") == []


def test_schedule_config_twice_fails(fake_kfp: FakeKfpServer, tiny_package: Path) -> None:
    result = runner.invoke(
        app,
        [
            "pipeline",
            "schedule",
            "--package",
            str(tiny_package),
            "--host",
            fake_kfp.url,
            "--cron",
            "@daily",
            "--param",
            "config_yaml=seed: 1",
            "--set",
            "seed=2",
        ],
    )
    assert result.exit_code == 2
    assert "both set the configuration" in result.stderr
