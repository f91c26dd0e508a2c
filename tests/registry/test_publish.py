"""Publication of a version: files, manifest, gate handling and hashes."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest
from safetensors.numpy import load_file

from clrec.config import load_config
from clrec.registry import GateRejectedError, Registry
from clrec.registry.hashing import sha256_file
from clrec.registry.inputs import PublishInputError
from clrec.registry.registry import VERSION_FILES, VERSION_PATTERN
from tests.registry.fixtures import publish_with_standin, random_catalog, write_inputs


def test_publish_writes_every_file(tmp_path, toy_dirs, config):
    manifest = publish_with_standin(config, toy_dirs, str(tmp_path / "registry"))
    folder = tmp_path / "registry" / "versions" / manifest["version"]
    for name in VERSION_FILES:
        assert (folder / name).is_file(), name


def test_publish_promotes_first_version(tmp_path, toy_dirs, config):
    manifest = publish_with_standin(config, toy_dirs, str(tmp_path / "registry"))
    production = json.loads((tmp_path / "registry" / "production.json").read_text())
    assert production["version"] == manifest["version"]
    assert production["previous"] == []


def test_manifest_content(tmp_path, toy_dirs, config):
    manifest = publish_with_standin(config, toy_dirs, str(tmp_path / "registry"))
    folder = tmp_path / "registry" / "versions" / manifest["version"]

    assert VERSION_PATTERN.match(manifest["version"])
    assert manifest["version"].split("-")[1] == manifest["content_hash"][:8]
    assert manifest["data_hash"] == sha256_file(toy_dirs.sequences / "manifest.json")
    assert manifest["feature_hash"] == sha256_file(toy_dirs.features / "item_features.parquet")
    assert manifest["metrics"] == {"test": {"hr@50": 0.25}}
    assert manifest["gate"]["passed"] is True
    assert manifest["index"]["factory"] == "Flat"
    assert manifest["index"]["metric"] == "inner_product"
    assert manifest["index"]["num_items"] == 6
    assert manifest["index"]["tuning"]["exact"] is True
    assert manifest["files"]["index.faiss"] == sha256_file(folder / "index.faiss")
    assert json.loads((folder / "manifest.json").read_text()) == manifest


def test_item_ids_map_rows_to_raw_ids(tmp_path, toy_dirs, config):
    manifest = publish_with_standin(config, toy_dirs, str(tmp_path / "registry"))
    table = pq.read_table(tmp_path / "registry" / "versions" / manifest["version"] / "item_ids.parquet")
    assert str(table.schema.field("item_idx").type) == "int32"
    assert str(table.schema.field("item_id").type) == "string"
    assert table.column("item_idx").to_pylist() == [1, 2, 3, 4, 5, 6]
    # fixtures.raw_item_id: raw id = item_idx + 1000.
    assert table.column("item_id").to_pylist() == ["1001", "1002", "1003", "1004", "1005", "1006"]


def test_user_tower_is_safetensors(tmp_path, toy_dirs, config):
    manifest = publish_with_standin(config, toy_dirs, str(tmp_path / "registry"))
    tensors = load_file(str(tmp_path / "registry" / "versions" / manifest["version"] / "user_tower.safetensors"))
    assert tensors["item_embeddings"].shape == (7, 4)


def test_config_yaml_loads_back(tmp_path, toy_dirs):
    config = load_config(None, ["publish.recall_k=7"])
    manifest = publish_with_standin(config, toy_dirs, str(tmp_path / "registry"))
    text = (tmp_path / "registry" / "versions" / manifest["version"] / "config.yaml").read_text()
    assert "recall_k: 7" in text


def test_cosine_model_gets_cosine_index(tmp_path, config):
    table = random_catalog(20, 4)
    dirs = write_inputs(tmp_path / "inputs", table, score="cosine")
    manifest = publish_with_standin(config, dirs, str(tmp_path / "registry"))
    assert manifest["index"]["metric"] == "cosine"


def test_failed_gate_rejected(tmp_path, config):
    dirs = write_inputs(tmp_path / "inputs", random_catalog(10, 4), gate_passed=False)
    with pytest.raises(GateRejectedError, match=r"did not pass \(failed checks: \['hr_floor'\]\)"):
        publish_with_standin(config, dirs, str(tmp_path / "registry"))
    assert not (tmp_path / "registry").exists()


def test_failed_gate_published_unpromoted(tmp_path):
    config = load_config(None, ["publish.require_gate=false"])
    dirs = write_inputs(tmp_path / "inputs", random_catalog(10, 4), gate_passed=False)
    manifest = publish_with_standin(config, dirs, str(tmp_path / "registry"))
    registry = Registry(str(tmp_path / "registry"))
    assert registry.has_version(manifest["version"])
    assert registry.production_version() is None
    assert manifest["gate"]["passed"] is False


def test_approximate_index_tuned_on_users(tmp_path):
    config = load_config(None, ["publish.index_factory=IVF8,Flat", "publish.recall_k=10"])
    table = random_catalog(400, 8)
    histories = [[1 + (7 * user + step) % 400 for step in range(5)] for user in range(60)]
    dirs = write_inputs(tmp_path / "inputs", table, histories=histories)

    manifest = publish_with_standin(config, dirs, str(tmp_path / "registry"))

    tuning = manifest["index"]["tuning"]
    assert tuning["parameter"] == "nprobe"
    assert tuning["query_source"] == "users"
    assert tuning["num_queries"] == 60
    assert tuning["recall"] >= 0.95


def test_catalog_mismatch_rejected(tmp_path, config):
    dirs = write_inputs(tmp_path / "inputs", random_catalog(10, 4))
    np.save(dirs.model / "item_embeddings.npy", random_catalog(12, 4))
    with pytest.raises(PublishInputError, match=r"must hold items 1\.\.12 in order"):
        publish_with_standin(config, dirs, str(tmp_path / "registry"))


def test_missing_gate_file_named(tmp_path, config):
    dirs = write_inputs(tmp_path / "inputs", random_catalog(10, 4))
    (dirs.evaluation / "gate.json").unlink()
    with pytest.raises(PublishInputError, match="gate.json; run the evaluate step first"):
        publish_with_standin(config, dirs, str(tmp_path / "registry"))


def test_failed_write_leaves_no_staging(tmp_path, config, monkeypatch):
    dirs = write_inputs(tmp_path / "inputs", random_catalog(10, 4))

    def broken_export(model_dir, output_dir):
        raise OSError("disk full")

    from tests.registry import standin_inference

    monkeypatch.setattr(standin_inference, "export_user_tower", broken_export)
    with pytest.raises(OSError, match="disk full"):
        publish_with_standin(config, dirs, str(tmp_path / "registry"))
    assert list((tmp_path / "registry" / "staging").iterdir()) == []
