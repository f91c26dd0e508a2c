"""BERT4Rec's sampled-negative protocol, to compare with published tables.

Each test target is ranked against negatives that the user never interacted
with (their training items and both held-out targets are excluded). The
negatives are distinct, drawn either in proportion to training popularity or
uniformly, from a seeded generator. Drawing with replacement and keeping the
first draw of each eligible item samples without replacement in proportion
to the weights.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from clrec.evaluate.metrics import hit_rate, mrr, ndcg, pessimistic_rank

logger = logging.getLogger(__name__)

SAMPLED_CUTOFFS = {"hr": (1, 5, 10), "ndcg": (5, 10)}
# Below this share of the weight left after removing a user's items,
# rejection sampling wastes most draws, so an exponential race over the
# eligible items is used instead (it samples from the same distribution).
MIN_ACCEPT_RATE = 0.25


@dataclass(frozen=True)
class SampledCandidates:
    """Candidates per evaluated user: column 0 is the target, the rest are negatives."""

    rows: np.ndarray  # int64 [U'], positions of the evaluated users in the split
    candidates: np.ndarray  # int64 [U', 1 + num_negatives], item_idx
    skipped_users: int  # users with fewer eligible items than negatives


def sampling_weights(popularity: np.ndarray, sampler: str) -> np.ndarray:
    """Return the sampling weight of every item (index 0 is padding and gets 0)."""
    if sampler == "popularity":
        weights = np.asarray(popularity, dtype=np.float64).copy()
    elif sampler == "uniform":
        weights = np.ones(len(popularity), dtype=np.float64)
    else:
        raise ValueError(f"invalid sampler {sampler!r}; expected 'popularity' or 'uniform'")
    weights[0] = 0.0
    return weights


def select_users(num_users: int, max_users: int, rng: np.random.Generator) -> np.ndarray:
    """Pick a seeded random subsample of `max_users` rows (all rows when 0), in order."""
    if max_users <= 0 or max_users >= num_users:
        return np.arange(num_users)
    return np.sort(rng.choice(num_users, size=max_users, replace=False))


def _draw_rejection(
    cdf: np.ndarray, excluded: set[int], count: int, accept_rate: float, rng: np.random.Generator
) -> list[int]:
    chosen: list[int] = []
    seen = set(excluded)
    while len(chosen) < count:
        draws = int(np.ceil(1.5 * (count - len(chosen)) / accept_rate)) + 8
        items = np.searchsorted(cdf, rng.random(draws) * cdf[-1], side="right")
        for item in items.tolist():
            if item not in seen:
                seen.add(item)
                chosen.append(item)
                if len(chosen) == count:
                    break
    return chosen


def _draw_race(
    weights: np.ndarray, excluded: np.ndarray, count: int, rng: np.random.Generator
) -> list[int]:
    eligible = weights > 0
    eligible[excluded] = False
    items = np.flatnonzero(eligible)
    keys = rng.exponential(size=len(items)) / weights[items]
    return items[np.argpartition(keys, count - 1)[:count]].tolist()


def sample_negatives(
    whole_sequences: list[np.ndarray],
    targets: np.ndarray,
    weights: np.ndarray,
    num_negatives: int,
    seed: int,
    max_users: int = 0,
) -> SampledCandidates:
    """Draw `num_negatives` distinct negatives per user with the given item weights.

    Items with zero weight are never drawn. A user with fewer eligible items
    than `num_negatives` is skipped and counted, not ranked against fewer.
    """
    rng = np.random.default_rng(seed)
    rows = select_users(len(targets), max_users, rng)
    cdf = np.cumsum(weights)
    total_weight = float(cdf[-1])
    positive_items = int(np.count_nonzero(weights > 0))
    kept_rows: list[int] = []
    candidates: list[list[int]] = []
    skipped = 0

    for row in rows.tolist():
        excluded = np.unique(np.append(whole_sequences[row], targets[row]))
        excluded_weight = float(weights[excluded].sum())
        eligible = positive_items - int(np.count_nonzero(weights[excluded] > 0))
        if eligible < num_negatives:
            skipped += 1
            continue
        accept_rate = (total_weight - excluded_weight) / total_weight
        if accept_rate >= MIN_ACCEPT_RATE:
            negatives = _draw_rejection(cdf, set(excluded.tolist()), num_negatives, accept_rate, rng)
        else:
            negatives = _draw_race(weights, excluded, num_negatives, rng)
        kept_rows.append(row)
        candidates.append([int(targets[row]), *negatives])

    if skipped:
        logger.warning(
            "skipped %d users with fewer than %d eligible negatives; they are left out of the sampled metrics",
            skipped,
            num_negatives,
        )
    matrix = np.asarray(candidates, dtype=np.int64).reshape(len(candidates), num_negatives + 1)
    return SampledCandidates(rows=np.asarray(kept_rows, dtype=np.int64), candidates=matrix, skipped_users=skipped)


def score_candidates(
    user_vectors: np.ndarray, item_vectors: np.ndarray, candidates: np.ndarray, batch_size: int = 1024
) -> np.ndarray:
    """Return the inner products of each user with that user's candidates, float32 [U, C]."""
    scores = np.empty(candidates.shape, dtype=np.float32)
    for start in range(0, len(candidates), batch_size):
        stop = start + batch_size
        gathered = item_vectors[candidates[start:stop]]  # [B, C, d]
        scores[start:stop] = np.einsum("bd,bcd->bc", user_vectors[start:stop], gathered)
    return scores


def sampled_metrics(candidate_scores: np.ndarray) -> dict[str, float]:
    """Compute HR@1/5/10, NDCG@5/10 and MRR with the target in column 0, ties ranked pessimistically."""
    ranks = pessimistic_rank(candidate_scores[:, 0], candidate_scores[:, 1:])
    result: dict[str, float] = {}
    for k in SAMPLED_CUTOFFS["hr"]:
        result[f"hr@{k}"] = hit_rate(ranks, k)
    for k in SAMPLED_CUTOFFS["ndcg"]:
        result[f"ndcg@{k}"] = ndcg(ranks, k)
    result["mrr"] = mrr(ranks)
    return result
