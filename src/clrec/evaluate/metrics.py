"""Ranking metrics computed from the rank of each user's held-out target.

Every user has one held-out target. A rank is 1-based, and `np.inf` means
that the target was not found within the searched depth (a miss at every
cutoff). Ties between the target's score and another item's score are
ranked pessimistically by `pessimistic_rank`: the target goes below every
item it ties with.
"""

from __future__ import annotations

import numpy as np


def _check_cutoff(k: int) -> None:
    if k < 1:
        raise ValueError(f"invalid cutoff k={k}: a cutoff is a positive number of items")


def _as_ranks(ranks: np.ndarray) -> np.ndarray:
    values = np.asarray(ranks, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"ranks must be a 1-D array with one rank per user, got shape {values.shape}")
    if np.any(np.isnan(values)) or np.any(values < 1):
        raise ValueError("ranks must be 1-based (>= 1) or inf for a target beyond the searched depth")
    return values


def pessimistic_rank(target_score: np.ndarray, other_scores: np.ndarray) -> np.ndarray:
    """Rank each target among its candidates, placing it below every tied candidate.

    `target_score` has shape [U]. `other_scores` has shape [U, C] and contains
    the scores of the candidates other than the target. The rank is one plus the
    number of candidates whose score is greater than or equal to the target's.
    """
    target = np.asarray(target_score)
    others = np.asarray(other_scores)
    if others.ndim != 2 or target.shape != (others.shape[0],):
        raise ValueError(
            f"expected target scores [U] and other scores [U, C], got {target.shape} and {others.shape}"
        )
    return 1.0 + np.sum(others >= target[:, None], axis=1).astype(np.float64)


def hit_rate(ranks: np.ndarray, k: int) -> float:
    """HR@K: the share of users whose target is ranked within the top K."""
    _check_cutoff(k)
    values = _as_ranks(ranks)
    if values.size == 0:
        return 0.0
    return float(np.mean(values <= k))


def recall(ranks: np.ndarray, k: int) -> float:
    """Recall@K: the mean share of each user's held-out items found in the top K.

    With one held-out item per user this equals HR@K; both are reported so
    that the numbers compare with tables that use either name.
    """
    return hit_rate(ranks, k)


def ndcg(ranks: np.ndarray, k: int) -> float:
    """NDCG@K with binary relevance and one relevant item: mean of 1/log2(rank + 1) within K."""
    _check_cutoff(k)
    values = _as_ranks(ranks)
    if values.size == 0:
        return 0.0
    gains = np.zeros_like(values)
    inside = values <= k
    gains[inside] = 1.0 / np.log2(values[inside] + 1.0)
    return float(np.mean(gains))


def mrr(ranks: np.ndarray) -> float:
    """MRR: the mean of 1/rank over users, with 0 for a target beyond the searched depth."""
    values = _as_ranks(ranks)
    if values.size == 0:
        return 0.0
    return float(np.mean(1.0 / values))


def cutoff_metrics(ranks: np.ndarray, cutoffs: list[int]) -> dict[str, float]:
    """HR@K, NDCG@K and Recall@K for every K in `cutoffs`, keyed like `hr@10`."""
    result: dict[str, float] = {}
    for k in cutoffs:
        result[f"hr@{k}"] = hit_rate(ranks, k)
        result[f"ndcg@{k}"] = ndcg(ranks, k)
        result[f"recall@{k}"] = recall(ranks, k)
    return result
