"""`clrec recommend` on the four-item catalog, with a stand-in online store."""

from __future__ import annotations

import json
from types import SimpleNamespace

import faiss
import pytest
import torch
from typer.testing import CliRunner

from clrec.cli.main import app
from clrec.serving import online, recommend
from tests.registry import standin_inference


def _standin_online_store():
    """The two functions of clrec.features.online: user "u1" has history [1], titles are "title <idx>"."""
    return SimpleNamespace(
        get_user_history=lambda config, user_id: [1] if user_id == "u1" else None,
        get_item_titles=lambda config, item_idx: {index: f"title {index}" for index in item_idx},
    )


@pytest.fixture
def run_cli(four_item_registry, tmp_path, monkeypatch):
    """Run `clrec recommend` against the four-item registry; returns the click result."""
    monkeypatch.setattr(recommend, "load_inference_backend", lambda: standin_inference)
    monkeypatch.setattr(online, "_online_module", _standin_online_store)
    config_file = tmp_path / "config.yaml"
    config_file.write_text("seed: 42\n")
    url, _ = four_item_registry

    def run(*args: str):
        return CliRunner().invoke(app, ["recommend", "--config", str(config_file), "--registry", url, *args])

    # The command sets torch's and Faiss's thread counts for the whole process; restore them.
    torch_threads, faiss_threads = torch.get_num_threads(), faiss.omp_get_max_threads()
    yield run
    torch.set_num_threads(torch_threads)
    faiss.omp_set_num_threads(faiss_threads)


def test_history_prints_table(run_cli):
    result = run_cli("--history", "1001", "--k", "2")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("top 2 items for a history of 1 item from version ")
    assert lines[2].split() == ["1", "1002", "0.9000", "title", "2"]
    assert lines[3].split() == ["2", "1003", "0.0000", "title", "3"]


def test_json_output(run_cli, four_item_registry):
    result = run_cli("--history", "1001", "--k", "3", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["version"] == four_item_registry[1]
    assert payload["history"] == ["1001"]
    assert [item["item_id"] for item in payload["items"]] == ["1002", "1003", "1004"]
    assert payload["items"][0]["title"] == "title 2"
    assert payload["items"][0]["score"] == pytest.approx(0.9)


def test_user_history_from_online_store(run_cli):
    result = run_cli("--user-id", "u1", "--k", "1", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["user_id"] == "u1"
    assert payload["history"] == ["1001"]
    assert payload["items"][0]["item_id"] == "1002"


def test_include_history_flag(run_cli):
    result = run_cli("--history", "1001", "--k", "1", "--include-history", "--json")
    assert json.loads(result.stdout)["items"][0]["item_id"] == "1001"


def test_unknown_user_message(run_cli):
    result = run_cli("--user-id", "nobody")
    assert result.exit_code == 1
    assert "error: user 'nobody' not found in the online store;" in result.stderr


def test_unknown_item_message(run_cli):
    result = run_cli("--history", "1001,7")
    assert result.exit_code == 1
    assert "error: item '7' is not in the catalog of version" in result.stderr
    assert "valid ids are integers from 1001 to 1004" in result.stderr


def test_malformed_history_rejected(run_cli):
    result = run_cli("--history", "1001,,1002")
    assert result.exit_code == 1
    assert "invalid --history '1001,,1002'" in result.stderr


def test_user_and_history_exclusive(run_cli):
    assert run_cli("--user-id", "u1", "--history", "1001").exit_code == 2
    assert run_cli().exit_code == 2


def test_missing_online_module_message(run_cli, monkeypatch):
    def unavailable():
        raise online.OnlineStoreUnavailableError("cannot read the online store: test")

    monkeypatch.setattr(online, "_online_module", unavailable)
    result = run_cli("--user-id", "u1")
    assert result.exit_code == 1
    assert "error: cannot read the online store: test" in result.stderr
