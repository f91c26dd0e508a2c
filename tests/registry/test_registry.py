"""Registry reads, promotion, rollback and remote (fsspec) registries."""

from __future__ import annotations

import importlib.util
import json
import uuid

import fsspec
import pytest

from clrec.registry import Registry, RegistryError
from clrec.registry.registry import make_version
from tests.registry.fixtures import publish_with_standin, random_catalog, write_inputs


@pytest.fixture
def two_versions(tmp_path, config):
    """A registry with two published versions, the second in production."""
    url = str(tmp_path / "registry")
    first = publish_with_standin(config, write_inputs(tmp_path / "a", random_catalog(8, 4, seed=1)), url)
    second = publish_with_standin(config, write_inputs(tmp_path / "b", random_catalog(8, 4, seed=2)), url)
    return Registry(url), first["version"], second["version"]


def test_second_publish_moves_first_to_previous(two_versions):
    registry, first, second = two_versions
    production = registry.read_production()
    assert production["version"] == second
    assert production["previous"] == [first]


def test_list_versions_oldest_first(two_versions):
    registry, first, second = two_versions
    assert [manifest["version"] for manifest in registry.list_versions()] == [first, second]


def test_rollback_restores_previous(two_versions):
    registry, first, _ = two_versions
    assert registry.rollback() == first
    assert registry.production_version() == first
    assert registry.read_production()["previous"] == []


def test_rollback_without_previous_rejected(two_versions):
    registry, _, _ = two_versions
    registry.rollback()
    with pytest.raises(RegistryError, match="has no previous version to roll back to"):
        registry.rollback()


def test_rollback_on_empty_registry_rejected(tmp_path):
    with pytest.raises(RegistryError, match="has no production version to roll back from"):
        Registry(str(tmp_path / "empty")).rollback()


def test_promote_then_rollback_returns(two_versions):
    registry, first, second = two_versions
    registry.promote(first)
    assert registry.read_production()["previous"] == [second, first]
    assert registry.rollback() == second


def test_promote_unknown_version_rejected(two_versions):
    registry, _, _ = two_versions
    with pytest.raises(RegistryError, match="version '20000101T000000Z-00000000' not found"):
        registry.promote("20000101T000000Z-00000000")


def test_promote_invalid_name_rejected(two_versions):
    registry, _, _ = two_versions
    with pytest.raises(RegistryError, match=r"invalid version name '\.\./etc'"):
        registry.promote("../etc")


def test_promote_current_is_noop(two_versions):
    registry, first, second = two_versions
    before = registry.read_production()
    assert registry.promote(second) == before


def test_taken_version_name_gets_suffix(tmp_path):
    registry = Registry(str(tmp_path / "registry"))
    name = "20261204T213000Z-1a2b3c4d"
    (tmp_path / "registry" / "versions" / name).mkdir(parents=True)
    staged = registry.begin_version(name)
    assert staged.version == f"{name}-2"


def test_make_version_format():
    from datetime import datetime, timezone

    created = datetime(2026, 12, 4, 21, 30, 0, tzinfo=timezone.utc)
    assert make_version("1a2b3c4d" + "0" * 56, created) == "20261204T213000Z-1a2b3c4d"


def test_corrupt_production_file_named(tmp_path):
    (tmp_path / "registry").mkdir()
    (tmp_path / "registry" / "production.json").write_text("{not json")
    with pytest.raises(RegistryError, match="invalid JSON in .*production.json"):
        Registry(str(tmp_path / "registry")).production_version()


@pytest.fixture
def memory_url():
    """A fresh in-memory fsspec registry, as an object store would be used."""
    url = f"memory://clrec-test-{uuid.uuid4().hex}"
    yield url
    fs, root = fsspec.core.url_to_fs(url)
    if fs.exists(root):
        fs.rm(root, recursive=True)


def test_remote_publish_and_promote(tmp_path, config, memory_url):
    manifest = publish_with_standin(config, write_inputs(tmp_path / "a", random_catalog(8, 4)), memory_url)
    registry = Registry(memory_url)
    assert registry.is_local is False
    assert registry.production_version() == manifest["version"]
    assert [item["version"] for item in registry.list_versions()] == [manifest["version"]]


def test_remote_download_verifies_and_caches(tmp_path, config, memory_url):
    manifest = publish_with_standin(config, write_inputs(tmp_path / "a", random_catalog(8, 4)), memory_url)
    registry = Registry(memory_url)

    folder = registry.download(manifest["version"], tmp_path / "cache")

    assert folder == tmp_path / "cache" / manifest["version"]
    assert json.loads((folder / "manifest.json").read_text()) == manifest
    assert registry.download(manifest["version"], tmp_path / "cache") == folder


def test_remote_damaged_file_detected(tmp_path, config, memory_url):
    manifest = publish_with_standin(config, write_inputs(tmp_path / "a", random_catalog(8, 4)), memory_url)
    registry = Registry(memory_url)
    registry.fs.pipe_file(f"{registry.root}/versions/{manifest['version']}/index.faiss", b"damaged")
    with pytest.raises(RegistryError, match="index.faiss of version .* does not match its manifest"):
        registry.download(manifest["version"], tmp_path / "cache")
    assert not (tmp_path / "cache" / manifest["version"]).exists()


def test_remote_incomplete_version_ignored_then_cleaned(tmp_path, config, memory_url):
    registry = Registry(memory_url)
    incomplete = f"{registry.root}/versions/20261204T213000Z-1a2b3c4d"
    registry.fs.pipe_file(f"{incomplete}/index.faiss", b"partial upload")

    assert registry.list_versions() == []
    assert [item.kind for item in registry.leftovers()] == ["incomplete"]

    publish_with_standin(config, write_inputs(tmp_path / "a", random_catalog(8, 4)), memory_url)
    assert registry.leftovers() == []
    assert not registry.fs.exists(incomplete)


def test_unknown_protocol_named():
    with pytest.raises(RegistryError, match="cannot open registry foo://bucket/registry: Protocol not known: foo"):
        Registry("foo://bucket/registry")


@pytest.mark.skipif(importlib.util.find_spec("s3fs") is not None, reason="s3fs is installed")
def test_missing_backend_named():
    with pytest.raises(RegistryError, match="Install the fsspec package of that protocol"):
        Registry("s3://bucket/registry")
