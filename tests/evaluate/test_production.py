"""Reading the production version: vocabulary join and the exact index."""

from __future__ import annotations

import faiss
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from clrec.evaluate.inputs import EvaluationInputError
from clrec.evaluate.production import exact_index_from, read_vocabulary

CURRENT_IDS = np.array(["", "a", "b", "c"], dtype=object)


def _write_item_ids(path, item_idx, item_ids):
    pq.write_table(
        pa.table({"item_idx": pa.array(item_idx, pa.int32()), "item_id": pa.array(item_ids, pa.string())}), path
    )
    return path


def test_vocabulary_join_on_raw_id(tmp_path):
    # Production rows hold item_idx 2 ("c"), 1 ("a"), 3 ("z"); "b" is unknown
    # to production and "z" is unknown to the current catalog.
    path = _write_item_ids(tmp_path / "item_ids.parquet", [2, 1, 3], ["c", "a", "z"])
    vocabulary = read_vocabulary(path, CURRENT_IDS)
    assert vocabulary.row_to_item.tolist() == [2, 1, 3]
    assert vocabulary.current_to_production.tolist() == [-1, 1, -1, 2]
    assert vocabulary.production_to_current.tolist() == [0, 1, 3, 0]


def test_vocabulary_missing_file(tmp_path):
    with pytest.raises(EvaluationInputError, match="production file not found"):
        read_vocabulary(tmp_path / "item_ids.parquet", CURRENT_IDS)


def test_vocabulary_padding_rejected(tmp_path):
    path = _write_item_ids(tmp_path / "item_ids.parquet", [0, 1], ["a", "b"])
    with pytest.raises(EvaluationInputError, match="item_idx must be >= 1"):
        read_vocabulary(path, CURRENT_IDS)


def _vectors() -> np.ndarray:
    return np.random.default_rng(0).normal(size=(64, 4)).astype(np.float32)


def test_flat_index_rebuilt_exact():
    stored = faiss.IndexFlatIP(4)
    stored.add(_vectors())
    index, kind = exact_index_from(stored, "dot")
    assert isinstance(index, faiss.IndexFlatIP)
    assert "rebuilt" in kind
    assert index.ntotal == 64


def test_hnsw_index_rebuilt_exact():
    stored = faiss.IndexHNSWFlat(4, 8, faiss.METRIC_INNER_PRODUCT)
    stored.add(_vectors())
    index, _ = exact_index_from(stored, "dot")
    assert isinstance(index, faiss.IndexFlatIP)
    np.testing.assert_array_equal(index.reconstruct_n(0, 64), _vectors())


def test_ivf_index_rebuilt_exact():
    quantizer = faiss.IndexFlatIP(4)
    stored = faiss.IndexIVFFlat(quantizer, 4, 2, faiss.METRIC_INNER_PRODUCT)
    stored.train(np.vstack([_vectors()] * 2))
    stored.add(_vectors())
    index, _ = exact_index_from(stored, "dot")
    np.testing.assert_array_equal(index.reconstruct_n(0, 64), _vectors())


def _id_map(metric: int) -> faiss.Index:
    # IndexIDMap cannot return its vectors.
    stored = faiss.IndexIDMap(faiss.IndexFlat(4, metric))
    stored.add_with_ids(_vectors(), np.arange(64))
    return stored


def test_index_without_vectors_searched_as_stored():
    stored = _id_map(faiss.METRIC_INNER_PRODUCT)
    index, kind = exact_index_from(stored, "dot")
    assert index is stored
    assert kind == "stored index"


def test_l2_index_without_vectors_rejected():
    with pytest.raises(EvaluationInputError, match="inner product"):
        exact_index_from(_id_map(faiss.METRIC_L2), "dot")
