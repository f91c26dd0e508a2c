"""Ranking metrics against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from clrec.evaluate.metrics import cutoff_metrics, hit_rate, mrr, ndcg, pessimistic_rank, recall

# Four users: ranks 1, 3, 11 and a target beyond the searched depth.
RANKS = np.array([1.0, 3.0, 11.0, np.inf])


def test_hit_rate_cutoffs():
    assert hit_rate(RANKS, 1) == pytest.approx(1 / 4)
    assert hit_rate(RANKS, 3) == pytest.approx(2 / 4)
    assert hit_rate(RANKS, 10) == pytest.approx(2 / 4)
    assert hit_rate(RANKS, 11) == pytest.approx(3 / 4)


def test_recall_equals_hit_rate_single_target():
    for k in (1, 3, 10, 50):
        assert recall(RANKS, k) == hit_rate(RANKS, k)


def test_ndcg_hand_values():
    # Rank 1 gains 1/log2(2) = 1, rank 3 gains 1/log2(4) = 0.5, ranks 11 and
    # inf are outside K = 10: (1 + 0.5 + 0 + 0) / 4 = 0.375.
    assert ndcg(RANKS, 10) == pytest.approx(0.375)
    # With K = 20 rank 11 adds 1/log2(12): (1.5 + 1/log2(12)) / 4.
    assert ndcg(RANKS, 20) == pytest.approx((1.5 + 1 / math.log2(12)) / 4)


def test_mrr_hand_value():
    # (1/1 + 1/3 + 1/11 + 0) / 4; a target beyond the depth contributes 0.
    assert mrr(RANKS) == pytest.approx((1 + 1 / 3 + 1 / 11) / 4)


def test_cutoff_larger_than_catalog():
    # Catalog of 3 items: every rank is at most 3, so any K >= 3 is a hit for all.
    ranks = np.array([1.0, 2.0, 3.0])
    assert hit_rate(ranks, 50) == 1.0
    assert ndcg(ranks, 50) == pytest.approx((1 + 1 / math.log2(3) + 0.5) / 3)


def test_pessimistic_rank_ties():
    # Target 0.5 against [0.9, 0.5, 0.1]: 0.9 and the tied 0.5 are placed
    # above it, so its rank is 1 + 2 = 3.
    ranks = pessimistic_rank(np.array([0.5]), np.array([[0.9, 0.5, 0.1]]))
    assert ranks.tolist() == [3.0]


def test_pessimistic_rank_all_tied():
    # Every candidate ties: the target goes last, rank 1 + 4 = 5.
    ranks = pessimistic_rank(np.array([1.0]), np.ones((1, 4)))
    assert ranks.tolist() == [5.0]


def test_cutoff_metrics_keys():
    result = cutoff_metrics(RANKS, [10, 50])
    assert list(result) == ["hr@10", "ndcg@10", "recall@10", "hr@50", "ndcg@50", "recall@50"]
    assert result["hr@50"] == pytest.approx(3 / 4)


def test_empty_ranks_give_zero():
    assert hit_rate(np.array([]), 10) == 0.0
    assert ndcg(np.array([]), 10) == 0.0
    assert mrr(np.array([])) == 0.0


def test_invalid_cutoff_rejected():
    with pytest.raises(ValueError, match="invalid cutoff k=0"):
        hit_rate(RANKS, 0)


def test_zero_rank_rejected():
    with pytest.raises(ValueError, match="1-based"):
        hit_rate(np.array([0.0]), 10)
