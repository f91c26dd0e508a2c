"""Full-corpus exact retrieval with Faiss and the rank of each user's target.

The index has one row per item and scores by inner product, the score the
model trained with. For a cosine model both the item rows and the queries
are L2-normalised first, so the inner product is the cosine. L2 distance is
never used: it ranks differently from a dot product when norms differ.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import faiss
import numpy as np

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetrievalResult:
    """Top lists and target ranks of a batch of users."""

    ranks: np.ndarray  # float64 [U], 1-based pessimistic rank, inf beyond the searched depth
    top_items: np.ndarray  # int64 [U, depth], item ids in score order, 0 pads a short list


def prepare_vectors(vectors: np.ndarray, score: str) -> np.ndarray:
    """Return float32 C-contiguous vectors, L2-normalised when the score is cosine."""
    prepared = np.array(vectors, dtype=np.float32, order="C", copy=True)
    if score == "cosine":
        faiss.normalize_L2(prepared)
    elif score != "dot":
        raise ValueError(f"invalid score {score!r}; expected 'dot' or 'cosine'")
    return prepared


def build_exact_index(item_vectors: np.ndarray, score: str) -> faiss.IndexFlatIP:
    """Build an exact inner-product index over `item_vectors` (one row per item, no padding row)."""
    prepared = prepare_vectors(item_vectors, score)
    index = faiss.IndexFlatIP(prepared.shape[1])
    index.add(prepared)
    return index


def _filter_batch(
    labels: np.ndarray,
    row_to_item: np.ndarray,
    targets: np.ndarray,
    exclusions: list[np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Map index rows to item ids and mark which retrieved items stay in each list."""
    items = np.where(labels >= 0, row_to_item[np.maximum(labels, 0)], -1)
    keep = labels >= 0
    if exclusions:
        lengths = np.array([len(excluded) for excluded in exclusions])
        if lengths.sum():
            # Encode (user, item) pairs as one integer so one np.isin call
            # removes every user's own history from that user's list.
            span = int(max(items.max(), max(int(e.max()) for e in exclusions if len(e))) + 2)
            excluded_keys = np.concatenate(
                [np.full(len(e), row, dtype=np.int64) * span + e for row, e in enumerate(exclusions)]
            )
            keys = np.arange(len(items), dtype=np.int64)[:, None] * span + (items + 1)
            keep &= ~np.isin(keys, excluded_keys + 1)
    keep |= items == targets[:, None]
    return items, keep


def _rank_batch(
    scores: np.ndarray, items: np.ndarray, keep: np.ndarray, targets: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return each target's pessimistic rank within its retrieved list, its score and whether it was found."""
    is_target = keep & (items == targets[:, None])
    found = is_target.any(axis=1)
    rows = np.arange(len(items))
    target_scores = scores[rows, is_target.argmax(axis=1)]
    at_or_above = keep & ~is_target & (scores >= target_scores[:, None])
    ranks = np.where(found, 1.0 + at_or_above.sum(axis=1), np.inf)
    return ranks, target_scores, found


def search_and_rank(
    index: faiss.Index,
    queries: np.ndarray,
    row_to_item: np.ndarray,
    targets: np.ndarray,
    exclusions: list[np.ndarray],
    depth: int,
    batch_size: int = 1024,
) -> RetrievalResult:
    """Retrieve each user's top `depth` items and the pessimistic rank of the target.

    `row_to_item` maps index rows to item ids; `targets` and `exclusions` use
    the same item ids. Excluded items are removed from the list and from the
    ranking, except the user's own target. A target tied with the last
    retrieved score is re-searched deeper, so a tie is never cut off.
    """
    if depth < 1:
        raise ValueError(f"invalid depth {depth}: retrieve at least one item per user")
    num_users = len(queries)
    if len(targets) != num_users or len(exclusions) != num_users:
        raise ValueError(
            f"expected one target and one exclusion list per query, got {num_users} queries, "
            f"{len(targets)} targets and {len(exclusions)} exclusion lists"
        )
    ranks = np.full(num_users, np.inf)
    top_items = np.zeros((num_users, depth), dtype=np.int64)
    total = index.ntotal
    targets = np.asarray(targets, dtype=np.int64)
    deepened = 0

    for start in range(0, num_users, batch_size):
        stop = min(start + batch_size, num_users)
        batch_exclusions = exclusions[start:stop]
        batch_targets = targets[start:stop]
        most_excluded = max((len(excluded) for excluded in batch_exclusions), default=0)
        k = min(total, depth + most_excluded)
        scores, labels = index.search(np.ascontiguousarray(queries[start:stop]), k)
        items, keep = _filter_batch(labels, row_to_item, batch_targets, batch_exclusions)

        positions = np.cumsum(keep, axis=1) - 1
        rows, columns = np.nonzero(keep & (positions < depth))
        top_items[start + rows, positions[rows, columns]] = items[rows, columns]

        batch_ranks, target_scores, found = _rank_batch(scores, items, keep, batch_targets)

        # Items tied with the target may lie past a truncated list when the
        # last kept score equals the target's: score the whole catalog for
        # those users so a tie is never cut off.
        last_kept = np.where(keep.any(axis=1), (keep * np.arange(1, k + 1)).max(axis=1) - 1, 0)
        last_scores = scores[np.arange(stop - start), last_kept]
        tie_at_end = found & (batch_ranks <= depth) & (last_scores == target_scores) & (k < total)
        for row in np.flatnonzero(tie_at_end):
            deepened += 1
            full_scores, full_labels = index.search(queries[start + row : start + row + 1], total)
            full_items, full_keep = _filter_batch(
                full_labels, row_to_item, batch_targets[row : row + 1], batch_exclusions[row : row + 1]
            )
            full_rank, _, _ = _rank_batch(full_scores, full_items, full_keep, batch_targets[row : row + 1])
            batch_ranks[row] = full_rank[0]
        ranks[start:stop] = batch_ranks
    if deepened:
        logger.info("re-searched %d users whose target tied with the last retrieved item", deepened)
    return RetrievalResult(ranks=ranks, top_items=top_items)
