"""BERT4Rec's sampled-negative protocol: the sampler, its exclusions and its metrics."""

from __future__ import annotations

import numpy as np
import pytest

from clrec.evaluate.sampled import (
    sample_negatives,
    sampled_metrics,
    sampling_weights,
    score_candidates,
    select_users,
)

CHANCE_HR_AT_10 = 10 / 101  # a random ranking of 1 target among 101 candidates


def _toy_inputs():
    # 30 items with popularity 1..30 (item i has popularity i), two users.
    popularity = np.arange(0, 31, dtype=np.int64)
    whole = [np.array([1, 2, 3, 4]), np.array([30, 29, 28, 27])]
    targets = np.array([4, 27])
    return popularity, whole, targets


def test_negatives_exclude_user_items():
    popularity, whole, targets = _toy_inputs()
    sample = sample_negatives(whole, targets, sampling_weights(popularity, "popularity"), 10, seed=0)
    for row, candidates in zip(sample.rows, sample.candidates):
        negatives = candidates[1:]
        assert candidates[0] == targets[row]
        assert not set(negatives.tolist()) & set(whole[row].tolist())
        assert len(set(negatives.tolist())) == 10
        assert negatives.min() >= 1


def test_sampler_is_seeded():
    popularity, whole, targets = _toy_inputs()
    weights = sampling_weights(popularity, "popularity")
    first = sample_negatives(whole, targets, weights, 10, seed=5)
    second = sample_negatives(whole, targets, weights, 10, seed=5)
    other = sample_negatives(whole, targets, weights, 10, seed=6)
    assert np.array_equal(first.candidates, second.candidates)
    assert not np.array_equal(first.candidates, other.candidates)


def test_zero_popularity_never_drawn():
    # Items 1..5 were never seen in training (popularity 0).
    popularity = np.array([0, 0, 0, 0, 0, 0] + [3] * 20, dtype=np.int64)
    whole = [np.array([6, 7]) for _ in range(50)]
    sample = sample_negatives(whole, np.full(50, 7), sampling_weights(popularity, "popularity"), 15, seed=1)
    assert sample.candidates[:, 1:].min() >= 8


def test_uniform_draws_unseen_items():
    popularity = np.array([0, 0, 0, 0, 0, 0] + [3] * 20, dtype=np.int64)
    whole = [np.array([6, 7]) for _ in range(50)]
    sample = sample_negatives(whole, np.full(50, 7), sampling_weights(popularity, "uniform"), 15, seed=1)
    assert sample.candidates[:, 1:].min() < 6


def test_too_few_eligible_skipped():
    # 30 items, each user has 4 of them: 26 eligible, fewer than 27 negatives.
    popularity, whole, targets = _toy_inputs()
    sample = sample_negatives(whole, targets, sampling_weights(popularity, "popularity"), 27, seed=0)
    assert sample.skipped_users == 2
    assert sample.candidates.shape == (0, 28)


def test_exponential_race_when_mass_excluded():
    # The user has the 3 most popular items, 99.9% of the weight, so the
    # sampler switches to the exponential race. It still excludes them.
    popularity = np.array([0, 1, 1, 1, 1, 1, 1, 3000, 3000, 3000], dtype=np.int64)
    whole = [np.array([7, 8, 9])]
    sample = sample_negatives(whole, np.array([9]), sampling_weights(popularity, "popularity"), 6, seed=0)
    assert sorted(sample.candidates[0, 1:].tolist()) == [1, 2, 3, 4, 5, 6]


def test_user_subsample_seeded():
    rows = select_users(100, 10, np.random.default_rng(3))
    again = select_users(100, 10, np.random.default_rng(3))
    assert rows.tolist() == again.tolist()
    assert len(set(rows.tolist())) == 10
    assert rows.tolist() == sorted(rows.tolist())
    assert select_users(100, 0, np.random.default_rng(3)).tolist() == list(range(100))


def test_invalid_sampler_rejected():
    with pytest.raises(ValueError, match="invalid sampler 'zipf'"):
        sampling_weights(np.ones(3), "zipf")


def test_sampled_metrics_hand_values():
    # User 1: target 0.9 beats 0.1 and 0.2, rank 1. User 2: target 0.1 ties
    # with one negative and is below 0.5, so its pessimistic rank is 3.
    scores = np.array([[0.9, 0.1, 0.2], [0.1, 0.5, 0.1]])
    result = sampled_metrics(scores)
    assert result["hr@1"] == pytest.approx(0.5)
    assert result["hr@5"] == pytest.approx(1.0)
    assert result["ndcg@5"] == pytest.approx((1 + 0.5) / 2)
    assert result["mrr"] == pytest.approx((1 + 1 / 3) / 2)
    assert list(result) == ["hr@1", "hr@5", "hr@10", "ndcg@5", "ndcg@10", "mrr"]


def test_score_candidates_dot():
    users = np.array([[1.0, 0.0], [0.0, 2.0]], dtype=np.float32)
    items = np.array([[0, 0], [1, 1], [3, 0], [0, 5]], dtype=np.float32)
    scores = score_candidates(users, items, np.array([[1, 2], [2, 3]]), batch_size=1)
    assert scores.tolist() == [[1.0, 3.0], [0.0, 10.0]]


def test_popularity_scorer_near_chance():
    # A scorer that ranks by training popularity alone. Users' items and
    # targets are drawn from the popularity distribution (a power law over
    # 10,000 items). Uniform negatives are mostly unpopular, so the scorer
    # looks strong. Popularity-sampled negatives are as popular as the
    # targets, so it lands near the chance level of 10/101.
    num_items = 10_000
    popularity = np.zeros(num_items + 1, dtype=np.int64)
    popularity[1:] = np.round(1e12 / np.arange(1, num_items + 1) ** 0.7).astype(np.int64)
    generator = np.random.default_rng(7)
    probabilities = popularity[1:] / popularity[1:].sum()
    whole = [generator.choice(np.arange(1, num_items + 1), size=6, p=probabilities) for _ in range(2000)]
    targets = np.array([items[-1] for items in whole])

    results = {}
    for sampler in ("popularity", "uniform"):
        sample = sample_negatives(whole, targets, sampling_weights(popularity, sampler), 100, seed=3)
        results[sampler] = sampled_metrics(popularity[sample.candidates].astype(np.float64))

    assert results["popularity"]["hr@10"] < 2 * CHANCE_HR_AT_10
    assert results["popularity"]["hr@10"] > 0.5 * CHANCE_HR_AT_10
    assert results["uniform"]["hr@10"] > 4 * CHANCE_HR_AT_10
