"""Locating the Feast repository and data directory, and reading the store configuration."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from clrec.config import load_config
from clrec.features.errors import FeatureStepError
from clrec.features.store import FeastLocation, checkout_repo_dir, read_store_config, resolve_data_dir, resolve_repo_dir
from tests.features.conftest import REPO_ROOT


def test_checkout_repo_contains_only_definitions():
    # feast apply executes every Python file of the folder, so nothing else may live there.
    names = sorted(path.name for path in checkout_repo_dir().iterdir() if path.name != "__pycache__")
    assert names == ["README.md", "definitions.py", "feature_store.production.yaml", "feature_store.yaml"]


def test_data_dir_per_dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    assert resolve_data_dir("artifacts/feast", "ml-100k") == str(tmp_path / "artifacts" / "feast" / "ml-100k")


def test_data_dir_url_kept():
    assert resolve_data_dir("s3://bucket/feast/", "amazon-beauty") == "s3://bucket/feast/amazon-beauty"


def test_repo_dir_default_is_checkout():
    assert resolve_repo_dir("") == REPO_ROOT / "feature_repo"


def test_repo_dir_missing_named(tmp_path: Path):
    with pytest.raises(FeatureStepError, match=r"Feast repository not found.*features\.repo_dir"):
        resolve_repo_dir(str(tmp_path))


def test_location_from_config(tmp_path: Path):
    config = load_config(None, [f"paths.feast_data={tmp_path}", "data.dataset=amazon-beauty"])
    location = FeastLocation.from_config(config)
    assert location.data_dir == str(tmp_path / "amazon-beauty")
    assert location.store_yaml_path == REPO_ROOT / "feature_repo" / "feature_store.yaml"


def test_local_profile_paths_in_data_dir(tmp_path: Path):
    location = FeastLocation(REPO_ROOT / "feature_repo", "feature_store.yaml", str(tmp_path))
    config = read_store_config(location)
    assert config.registry.path == f"{tmp_path}/registry.db"
    assert config.online_store.path == f"{tmp_path}/online_store.db"
    assert config.offline_store.type == "duckdb"
    assert config.online_store.type == "sqlite"


def test_unset_variable_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("CLREC_REDIS_CONNECTION", raising=False)
    location = FeastLocation(REPO_ROOT / "feature_repo", "feature_store.production.yaml", "s3://bucket/feast")
    with pytest.raises(FeatureStepError, match="CLREC_REDIS_CONNECTION, which is not set"):
        read_store_config(location)


@pytest.mark.skipif(importlib.util.find_spec("redis") is None, reason="the production profile needs feast[redis]")
def test_production_profile_redis(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CLREC_REDIS_CONNECTION", "redis.example.invalid:6379")
    location = FeastLocation(REPO_ROOT / "feature_repo", "feature_store.production.yaml", "s3://bucket/feast")
    config = read_store_config(location)
    assert config.online_store.type == "redis"
    assert config.registry.path == "s3://bucket/feast/registry.db"


@pytest.mark.skipif(importlib.util.find_spec("redis") is not None, reason="feast[redis] is installed")
def test_production_profile_without_redis(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CLREC_REDIS_CONNECTION", "redis.example.invalid:6379")
    location = FeastLocation(REPO_ROOT / "feature_repo", "feature_store.production.yaml", "s3://bucket/feast")
    with pytest.raises(FeatureStepError, match=r"feature_store\.production\.yaml.*online_stores\.redis.*Feast extra"):
        read_store_config(location)
