"""Faiss index construction, metrics, persistence and search."""

from __future__ import annotations

import numpy as np
import pytest

from clrec.registry.index import build_index, load_index, save_index, search


def test_inner_product_ranks_longer_item_first():
    # Items: 1 = [10, 0], 2 = [1, 0]. Query [1, 0]: inner products 10 and 1,
    # so item 1 ranks first. An L2 index would prefer item 2 (distance 0 vs 9).
    table = np.array([[0, 0], [10, 0], [1, 0]], dtype=np.float32)
    index = build_index(table, "Flat", "inner_product")

    scores, items = search(index, np.array([[1, 0]], dtype=np.float32), 2)

    assert items[0].tolist() == [1, 2]
    assert scores[0, 0] == pytest.approx(10.0)
    assert scores[0, 1] == pytest.approx(1.0)


def test_cosine_normalises_items_and_queries():
    # Items: 1 = [3, 4] (norm 5), 2 = [1, 0]. Query [2, 0].
    # Inner product: 6 and 2, item 1 first. Cosine: 3/5 = 0.6 and 1.0, item 2 first.
    table = np.array([[0, 0], [3, 4], [1, 0]], dtype=np.float32)
    query = np.array([[2, 0]], dtype=np.float32)

    scores, items = search(build_index(table, "Flat", "cosine"), query, 2)
    _, dot_items = search(build_index(table, "Flat", "inner_product"), query, 2)

    assert items[0].tolist() == [2, 1]
    assert scores[0].tolist() == pytest.approx([1.0, 0.6])
    assert dot_items[0].tolist() == [1, 2]


def test_search_caps_k_at_catalog_size():
    table = np.array([[0, 0], [1, 0], [0, 1]], dtype=np.float32)
    scores, items = search(build_index(table, "Flat", "inner_product"), np.ones((1, 2), np.float32), 10)
    assert items.shape == (1, 2)
    assert scores.shape == (1, 2)


def test_save_load_roundtrip(tmp_path):
    rng = np.random.default_rng(3)
    table = np.vstack([np.zeros((1, 8)), rng.standard_normal((30, 8))]).astype(np.float32)
    index = build_index(table, "HNSW8", "cosine")
    queries = rng.standard_normal((4, 8)).astype(np.float32)

    save_index(index, tmp_path / "index.faiss")
    loaded = load_index(tmp_path / "index.faiss")

    assert loaded.ntotal == 30
    assert np.array_equal(search(loaded, queries, 5)[1], search(index, queries, 5)[1])


def test_nonzero_padding_row_rejected():
    table = np.ones((3, 2), dtype=np.float32)
    with pytest.raises(ValueError, match="row 0 of the item embeddings must be the all-zero padding row"):
        build_index(table, "Flat", "inner_product")


def test_nan_embedding_rejected():
    table = np.array([[0, 0], [1, np.nan]], dtype=np.float32)
    with pytest.raises(ValueError, match=r"NaN or infinite values in rows \[1\]"):
        build_index(table, "Flat", "inner_product")


def test_unknown_metric_rejected():
    table = np.array([[0, 0], [1, 0]], dtype=np.float32)
    with pytest.raises(ValueError, match="unknown index metric 'l2'"):
        build_index(table, "Flat", "l2")


def test_invalid_factory_named():
    table = np.array([[0, 0], [1, 0]], dtype=np.float32)
    with pytest.raises(ValueError, match="index_factory string 'Bogus12' for dimension 2"):
        build_index(table, "Bogus12", "inner_product")


def test_ivf_larger_than_catalog_rejected():
    table = np.vstack([np.zeros((1, 4)), np.eye(4)]).astype(np.float32)
    with pytest.raises(ValueError, match="cannot train index 'IVF64,Flat' on 4 items"):
        build_index(table, "IVF64,Flat", "inner_product")


def test_query_dimension_mismatch_rejected():
    index = build_index(np.array([[0, 0], [1, 0]], dtype=np.float32), "Flat", "inner_product")
    with pytest.raises(ValueError, match="queries have dimension 3 but the index has dimension 2"):
        search(index, np.ones((1, 3), dtype=np.float32), 1)
