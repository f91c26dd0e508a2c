"""`feast apply` and `feast materialize-incremental` run from inside a copy of the repository."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa
import pytest

from clrec.features.online import OnlineFeatures
from clrec.features.sources import (
    ITEM_ATTRIBUTES_SCHEMA,
    ITEM_STATISTICS_SCHEMA,
    USER_HISTORY_SCHEMA,
    write_source,
)
from clrec.features.store import FeastLocation
from tests.features.conftest import copy_feature_repo

UTC = timezone.utc
ANSI_STYLE = re.compile(r"\x1b\[[0-9;]*m")


def _plain(text: str) -> str:
    """Return Feast's console output without its colour codes."""
    return ANSI_STYLE.sub("", text)


def _feast(repo_dir: Path, data_dir: Path, *arguments: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "CLREC_FEAST_DATA": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "feast.cli.cli", *arguments],
        cwd=repo_dir,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("feast_cli")
    repo_dir = copy_feature_repo(root / "feature_repo")
    data_dir = root / "data"
    recent = datetime.now(UTC) - timedelta(days=2)
    histories = [
        {"user_id": "old", "recent_items": [1], "event_timestamp": datetime(1998, 4, 1, tzinfo=UTC)},
        {"user_id": "recent", "recent_items": [2, 1], "event_timestamp": recent},
    ]
    write_source(pa.Table.from_pylist(histories, schema=USER_HISTORY_SCHEMA), str(data_dir), "user_history")
    write_source(ITEM_ATTRIBUTES_SCHEMA.empty_table(), str(data_dir), "item_attributes")
    write_source(ITEM_STATISTICS_SCHEMA.empty_table(), str(data_dir), "item_statistics")

    applied = _feast(repo_dir, data_dir, "apply")
    end = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    materialized = _feast(repo_dir, data_dir, "materialize-incremental", end)
    return {"repo_dir": repo_dir, "data_dir": data_dir, "applied": applied, "materialized": materialized}


def test_apply_succeeds(cli_run):
    applied = cli_run["applied"]
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "user_history" in applied.stdout


def test_materialize_incremental_succeeds(cli_run):
    materialized = cli_run["materialized"]
    assert materialized.returncode == 0, materialized.stdout + materialized.stderr


def test_cli_state_outside_repo(cli_run):
    names = sorted(path.name for path in cli_run["repo_dir"].iterdir())
    assert names == ["README.md", "definitions.py", "feature_store.production.yaml", "feature_store.yaml"]
    assert (cli_run["data_dir"] / "registry.db").is_file()
    assert (cli_run["data_dir"] / "online_store.db").is_file()


def test_cli_first_incremental_loads_whole_history(cli_run):
    # Each view declares an empty materialisation at the Unix epoch, so Feast's
    # first incremental run starts there instead of one year before now.
    online = OnlineFeatures.from_location(FeastLocation(cli_run["repo_dir"], "feature_store.yaml", str(cli_run["data_dir"])))
    assert online.get_user_history("recent") == [2, 1]
    assert online.get_user_history("old") == [1]
    assert "from 1970-01-01 00:00:00+00:00" in _plain(cli_run["materialized"].stdout)


def test_cli_reapply_keeps_progress(cli_run):
    # A second `feast apply` with unchanged definitions keeps the registry's
    # intervals, so the next incremental run starts at the previous end.
    reapplied = _feast(cli_run["repo_dir"], cli_run["data_dir"], "apply")
    assert reapplied.returncode == 0, reapplied.stdout + reapplied.stderr
    end = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    again = _feast(cli_run["repo_dir"], cli_run["data_dir"], "materialize-incremental", end)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "from 1970-01-01" not in _plain(again.stdout)
