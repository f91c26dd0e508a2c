"""A publication killed after any stage leaves production as it was.

Each test runs a publication in a child process that ends itself with
`os._exit` after one stage (CLREC_REGISTRY_CRASH_AFTER), then checks the
registry from the parent: production.json, the versions listed and the
leftovers, and that the next publication cleans up.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from clrec.config import load_config
from clrec.registry import Registry
from clrec.registry.faults import CRASH_ENV_VAR, CRASH_EXIT_CODE, PUBLISH_STAGES, crash_point
from tests.registry.fixtures import publish_with_standin, random_catalog, write_inputs

REPO_ROOT = Path(__file__).resolve().parents[2]

CHILD_SCRIPT = """
import sys
from pathlib import Path
from clrec.config import load_config
from tests.registry.fixtures import PublishDirs, publish_with_standin

root = Path(sys.argv[1])
dirs = PublishDirs(root / "model", root / "evaluation", root / "sequences", root / "features")
publish_with_standin(load_config(None, []), dirs, sys.argv[2])
"""

# What each crash leaves behind, besides an unchanged production.json.
EXPECTED_LEFTOVER = {
    "staging_created": ["staging"],
    "index_written": ["staging"],
    "item_ids_written": ["staging"],
    "user_tower_written": ["staging"],
    "configs_written": ["staging"],
    "manifest_written": ["staging"],
    "files_synced": ["staging"],
    "version_committed": [],
    "production_temp_written": ["temporary"],
    "production_replaced": [],
}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """A registry with one version in production, and inputs of a second model."""
    root = tmp_path_factory.mktemp("crash")
    config = load_config(None, [])
    first = publish_with_standin(config, write_inputs(root / "first", random_catalog(8, 4, seed=1)), str(root / "registry"))
    write_inputs(root / "second", random_catalog(8, 4, seed=2))
    return root, first["version"]


def _crash_publication(inputs: Path, registry: Path, stage: str) -> subprocess.CompletedProcess:
    env = {**os.environ, CRASH_ENV_VAR: stage}
    return subprocess.run(
        [sys.executable, "-c", CHILD_SCRIPT, str(inputs), str(registry)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_stage_table_covers_every_stage():
    assert list(EXPECTED_LEFTOVER) == list(PUBLISH_STAGES)


@pytest.mark.parametrize("stage", PUBLISH_STAGES)
def test_crash_keeps_production(stage, seeded, tmp_path):
    root, first = seeded
    registry_dir = tmp_path / "registry"
    shutil.copytree(root / "registry", registry_dir)
    before = (registry_dir / "production.json").read_bytes()

    result = _crash_publication(root / "second", registry_dir, stage)

    assert result.returncode == CRASH_EXIT_CODE, result.stderr[-2000:]
    registry = Registry(str(registry_dir))
    listed = [manifest["version"] for manifest in registry.list_versions()]
    if stage == "production_replaced":
        assert registry.production_version() == listed[-1]
        assert registry.read_production()["previous"] == [first]
    else:
        assert (registry_dir / "production.json").read_bytes() == before
    assert registry.read_manifest(registry.production_version())["version"] == registry.production_version()
    committed = PUBLISH_STAGES.index(stage) >= PUBLISH_STAGES.index("version_committed")
    assert len(listed) == (2 if committed else 1)
    assert [item.kind for item in registry.leftovers()] == EXPECTED_LEFTOVER[stage]


def test_next_publish_cleans_leftovers(seeded, tmp_path):
    root, first = seeded
    registry_dir = tmp_path / "registry"
    shutil.copytree(root / "registry", registry_dir)
    crashed = _crash_publication(root / "second", registry_dir, "manifest_written")
    assert crashed.returncode == CRASH_EXIT_CODE, crashed.stderr[-2000:]

    manifest = publish_with_standin(
        load_config(None, []), write_inputs(tmp_path / "third", random_catalog(8, 4, seed=3)), str(registry_dir)
    )

    registry = Registry(str(registry_dir))
    assert registry.leftovers() == []
    assert list((registry_dir / "staging").iterdir()) == []
    assert registry.production_version() == manifest["version"]


def test_unknown_crash_stage_rejected(monkeypatch):
    monkeypatch.setenv(CRASH_ENV_VAR, "after_lunch")
    with pytest.raises(ValueError, match="'after_lunch' is not a publication stage"):
        crash_point("index_written")
