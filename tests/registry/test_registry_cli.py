"""`clrec registry list|promote|rollback` and `clrec publish`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from clrec.cli.main import app
import clrec.registry.publish as publish_module
from clrec.registry import Registry
from tests.registry import standin_inference
from tests.registry.fixtures import publish_with_standin, random_catalog, write_inputs


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("seed: 42\n")
    return path


@pytest.fixture
def two_versions(tmp_path, config):
    url = str(tmp_path / "registry")
    first = publish_with_standin(config, write_inputs(tmp_path / "a", random_catalog(8, 4, seed=1)), url)
    second = publish_with_standin(config, write_inputs(tmp_path / "b", random_catalog(8, 4, seed=2)), url)
    return url, first["version"], second["version"]


def _run(config_file, *args):
    return CliRunner().invoke(app, [*args, "--config", str(config_file)])


def test_list_marks_production(two_versions, config_file):
    url, first, second = two_versions
    result = _run(config_file, "registry", "list", "--registry", url)
    assert result.exit_code == 0, result.output
    rows = result.stdout.splitlines()
    assert rows[1].split()[0] == first
    assert rows[2].split()[:2] == ["*", second]


def test_list_json(two_versions, config_file):
    url, first, second = two_versions
    payload = json.loads(_run(config_file, "registry", "list", "--registry", url, "--json").stdout)
    assert payload["production"] == second
    assert [manifest["version"] for manifest in payload["versions"]] == [first, second]
    assert payload["leftovers"] == []


def test_list_reports_leftover_staging(two_versions, config_file, tmp_path):
    url, _, _ = two_versions
    (tmp_path / "registry" / "staging" / "20261204T213000Z-1a2b3c4d-0badf00d").mkdir()
    result = _run(config_file, "registry", "list", "--registry", url)
    assert "leftover staging:" in result.stdout
    assert "20261204T213000Z-1a2b3c4d-0badf00d" in result.stdout


def test_list_empty_registry(config_file, tmp_path):
    result = _run(config_file, "registry", "list", "--registry", str(tmp_path / "none"))
    assert result.exit_code == 0
    assert "no published versions" in result.stdout
    assert "no production version" in result.stdout


def test_promote_and_rollback(two_versions, config_file):
    url, first, second = two_versions
    promoted = _run(config_file, "registry", "promote", first, "--registry", url)
    assert promoted.exit_code == 0, promoted.output
    assert promoted.stdout.strip() == f"production is now {first}"
    rolled = _run(config_file, "registry", "rollback", "--registry", url)
    assert rolled.stdout.strip() == f"production is now {second}"
    assert Registry(url).production_version() == second


def test_promote_unknown_fails(two_versions, config_file):
    url, _, _ = two_versions
    result = _run(config_file, "registry", "promote", "20000101T000000Z-00000000", "--registry", url)
    assert result.exit_code == 1
    assert "error: version '20000101T000000Z-00000000' not found" in result.stderr


def test_rollback_without_previous_fails(config_file, tmp_path, config):
    url = str(tmp_path / "registry")
    publish_with_standin(config, write_inputs(tmp_path / "a", random_catalog(8, 4)), url)
    result = _run(config_file, "registry", "rollback", "--registry", url)
    assert result.exit_code == 1
    assert "has no previous version to roll back to" in result.stderr


def test_publish_command(config_file, tmp_path, monkeypatch):
    monkeypatch.setattr(publish_module, "load_inference_backend", lambda: standin_inference)
    dirs = write_inputs(tmp_path / "inputs", random_catalog(8, 4))
    url = str(tmp_path / "registry")
    result = _run(
        config_file, "publish", "--model", str(dirs.model), "--evaluation", str(dirs.evaluation),
        "--sequences", str(dirs.sequences), "--features", str(dirs.features), "--registry", url,
    )
    assert result.exit_code == 0, result.output
    version = Registry(url).production_version()
    assert result.stdout.strip() == f"published {version} to {url} (in production)"


def test_publish_failed_gate_exit_code(config_file, tmp_path, monkeypatch):
    monkeypatch.setattr(publish_module, "load_inference_backend", lambda: standin_inference)
    dirs = write_inputs(tmp_path / "inputs", random_catalog(8, 4), gate_passed=False)
    result = _run(
        config_file, "publish", "--model", str(dirs.model), "--evaluation", str(dirs.evaluation),
        "--sequences", str(dirs.sequences), "--registry", str(tmp_path / "registry"),
    )
    assert result.exit_code == 3
    assert "error: the evaluation gate in" in result.stderr
