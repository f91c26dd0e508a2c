"""Recall of approximate indexes against exact search, and the choice of nprobe or efSearch."""

from __future__ import annotations

import pytest

from clrec.registry.index import build_index
from clrec.registry.tuning import (
    RecallFloorError,
    measure_recall,
    sample_rows,
    set_search_parameter,
    tune_index,
)
from tests.registry.fixtures import random_catalog

VALUES = [1, 2, 4, 8, 16, 32, 64]


def _tune(index, table, floor, values=VALUES, factory="test", metric="inner_product"):
    return tune_index(
        index,
        table,
        metric,
        queries=None,
        factory=factory,
        recall_floor=floor,
        k=20,
        num_queries=200,
        candidate_values=values,
        seed=0,
    )


def test_flat_index_is_exact():
    table = random_catalog(300, 8)
    tuning = _tune(build_index(table, "Flat", "inner_product"), table, 0.95)
    assert tuning.exact is True
    assert tuning.parameter is None
    assert tuning.recall == 1.0


def test_ivf_picks_smallest_nprobe():
    table = random_catalog(2000, 16)
    index = build_index(table, "IVF32,Flat", "inner_product")

    tuning = _tune(index, table, 0.95)

    assert tuning.parameter == "nprobe"
    assert tuning.recall >= 0.95
    assert tuning.query_source == "items"
    assert tuning.num_queries == 200
    # The value before the chosen one must miss the floor, else it would be chosen.
    position = VALUES.index(tuning.value)
    if position > 0:
        exact = build_index(table, "Flat", "inner_product")
        set_search_parameter(index, "nprobe", VALUES[position - 1])
        queries = sample_rows(table[1:], 200, seed=0)  # the queries tune_index drew
        assert measure_recall(index, exact, queries, 20) < 0.95


def test_ivf_tries_nprobe_equal_to_nlist():
    # With candidates [1] only, nprobe = nlist = 32 is still tried and visits
    # every list, so an IVF-Flat index then searches exhaustively: recall 1.
    table = random_catalog(2000, 16)
    tuning = _tune(build_index(table, "IVF32,Flat", "inner_product"), table, 0.999, values=[1])
    assert tuning.value == 32
    assert tuning.recall == pytest.approx(1.0)


def test_hnsw_picks_ef_search():
    # HNSW graphs suit cosine better than raw inner products, whose "distance"
    # is no metric; on this catalog HNSW8 with inner product stays near 0.94.
    table = random_catalog(1500, 16)
    index = build_index(table, "HNSW8", "cosine")
    tuning = _tune(index, table, 0.95, values=[1, 2, 4, 8, 16, 32, 64], metric="cosine")
    assert tuning.parameter == "efSearch"
    assert tuning.value > 1
    assert tuning.recall >= 0.95


def test_unreachable_floor_raises():
    # A product quantizer with 2 sub-vectors of 4 bits keeps 8 bits per item,
    # far too coarse for 99.9% recall, and has no search parameter to raise.
    table = random_catalog(1000, 16)
    index = build_index(table, "PQ2x4", "inner_product")
    with pytest.raises(RecallFloorError, match=r"below the floor 0\.999 \(publish\.recall_floor\)"):
        _tune(index, table, 0.999, factory="PQ2x4")
