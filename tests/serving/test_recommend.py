"""Recommendations from a registry version: ranking, exclusions and input errors."""

from __future__ import annotations

import uuid

import faiss
import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from clrec.config import load_config
from clrec.registry import Registry, RegistryError
from clrec.serving import Recommender, UnknownItemError
from tests.registry import standin_inference
from tests.registry.fixtures import publish_with_standin, random_catalog, write_inputs


def _load(url: str, tmp_path) -> Recommender:
    return Recommender.from_registry(Registry(url), tmp_path / "cache", backend=standin_inference)


def test_history_items_excluded(four_item_registry, tmp_path):
    recommender = _load(four_item_registry[0], tmp_path)
    results = recommender.recommend([1], k=3)
    # Scores for query [1, 0]: item 2 0.9, item 3 0, item 4 -1 (item 1 is the history).
    assert [result.item_idx for result in results] == [2, 3, 4]
    assert [result.item_id for result in results] == ["1002", "1003", "1004"]
    assert [result.score for result in results] == pytest.approx([0.9, 0.0, -1.0])
    assert [result.rank for result in results] == [1, 2, 3]


def test_history_items_included_on_request(four_item_registry, tmp_path):
    recommender = _load(four_item_registry[0], tmp_path)
    results = recommender.recommend([1], k=2, exclude_history=False)
    assert [result.item_idx for result in results] == [1, 2]


def test_k_limits_results(four_item_registry, tmp_path):
    assert len(_load(four_item_registry[0], tmp_path).recommend([1], k=1)) == 1


def test_production_version_served(four_item_registry, tmp_path):
    url, version = four_item_registry
    assert _load(url, tmp_path).version == version


def test_raw_ids_map_to_indices(four_item_registry, tmp_path):
    assert _load(four_item_registry[0], tmp_path).item_indices(["1003", "1001"]) == [3, 1]


def test_unknown_item_named_with_range(four_item_registry, tmp_path):
    recommender = _load(four_item_registry[0], tmp_path)
    with pytest.raises(UnknownItemError, match=r"item '7' is not in the catalog of version .*; "
                       r"valid ids are integers from 1001 to 1004 \(4 items\)"):
        recommender.item_indices(["7"])


def test_out_of_range_index_rejected(four_item_registry, tmp_path):
    recommender = _load(four_item_registry[0], tmp_path)
    with pytest.raises(UnknownItemError, match=r"item_idx 9 from the history is outside 1\.\.4"):
        recommender.recommend([9], k=2)


def test_empty_history_rejected(four_item_registry, tmp_path):
    with pytest.raises(ValueError, match="the history is empty"):
        _load(four_item_registry[0], tmp_path).recommend([], k=2)


def test_registry_without_production_rejected(tmp_path):
    with pytest.raises(RegistryError, match="has no production version; publish a model"):
        _load(str(tmp_path / "empty"), tmp_path)


def test_remote_version_served(tmp_path):
    url = f"memory://clrec-serving-{uuid.uuid4().hex}"
    try:
        publish_with_standin(load_config(None, []), write_inputs(tmp_path / "inputs", random_catalog(10, 4)), url)
        recommender = _load(url, tmp_path)
        assert len(recommender.recommend([1, 2], k=3)) == 3
        assert (tmp_path / "cache" / recommender.version / "index.faiss").is_file()
    finally:
        fs, root = fsspec.core.url_to_fs(url)
        fs.rm(root, recursive=True)


def test_tuned_nprobe_applied(tmp_path):
    config = load_config(None, ["publish.index_factory=IVF8,Flat", "publish.recall_k=10"])
    manifest = publish_with_standin(config, write_inputs(tmp_path / "inputs", random_catalog(400, 8)), str(tmp_path / "r"))
    recommender = _load(str(tmp_path / "r"), tmp_path)
    assert faiss.extract_index_ivf(recommender.index).nprobe == manifest["index"]["tuning"]["value"]


def test_unknown_item_with_gaps_named(tmp_path):
    # Raw ids 1001..1010 without 1005: 9 items whose ids have a gap.
    dirs = write_inputs(tmp_path / "inputs", random_catalog(9, 4))
    ids = ["1001", "1002", "1003", "1004", "1006", "1007", "1008", "1009", "1010"]
    table = pq.read_table(dirs.sequences / "items.parquet")
    pq.write_table(table.set_column(1, "item_id", pa.array(ids)), dirs.sequences / "items.parquet")
    publish_with_standin(load_config(None, []), dirs, str(tmp_path / "registry"))

    with pytest.raises(UnknownItemError, match="valid ids are 9 integers between 1001 and 1010, with gaps"):
        _load(str(tmp_path / "registry"), tmp_path).item_indices(["1005"])


def test_serving_threads_set_and_kept():
    import torch

    from clrec.serving.recommend import set_serving_threads

    torch_threads, faiss_threads = torch.get_num_threads(), faiss.omp_get_max_threads()
    try:
        set_serving_threads(1)
        assert torch.get_num_threads() == 1
        assert faiss.omp_get_max_threads() == 1
        set_serving_threads(0)  # 0 keeps what is set
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(torch_threads)
        faiss.omp_set_num_threads(faiss_threads)
