"""Popularity-bias metrics over the users' top-K recommendation lists.

Popularity is the number of training events of an item. Every function
takes arrays indexed by item_idx with row 0 as padding, and top lists of
item_idx where 0 pads a list that is shorter than K.
"""

from __future__ import annotations

import math

import numpy as np


def popularity_percentiles(popularity: np.ndarray) -> np.ndarray:
    """Return each item's training-popularity percentile in [0, 1] (row 0 is padding and gets 0).

    Items are ranked by popularity in ascending order, 1 to N, and tied items
    share the average of their ranks. The percentile is (rank - 1) / (N - 1),
    so the least popular item gets 0 and the most popular gets 1. With one
    item, or when every item ties, every percentile is 0.5.
    """
    values = np.asarray(popularity[1:], dtype=np.int64)
    num_items = len(values)
    result = np.zeros(num_items + 1, dtype=np.float64)
    if num_items == 0:
        return result
    if num_items == 1:
        result[1] = 0.5
        return result
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    # Tie group g covers ascending ranks first_g .. first_g + count_g - 1.
    first_rank = np.cumsum(counts) - counts + 1
    average_rank = first_rank + (counts - 1) / 2.0
    result[1:] = (average_rank[inverse] - 1.0) / (num_items - 1)
    return result


def recommended_items(top_items: np.ndarray) -> np.ndarray:
    """Flatten top lists into the recommended item_idx, dropping the padding zeros."""
    flat = np.asarray(top_items, dtype=np.int64).ravel()
    return flat[flat > 0]


def popularity_index(top_items: np.ndarray, percentiles: np.ndarray) -> float:
    """Mean popularity percentile over every recommended entry of every list."""
    items = recommended_items(top_items)
    if items.size == 0:
        return 0.0
    return float(np.mean(percentiles[items]))


def recommendation_counts(top_items: np.ndarray, num_items: int) -> np.ndarray:
    """Count the lists that recommend each item, int64 [N + 1] (row 0 is padding and stays 0)."""
    return np.bincount(recommended_items(top_items), minlength=num_items + 1).astype(np.int64)


def aggregate_diversity(top_items: np.ndarray) -> int:
    """Number of distinct items across all users' lists."""
    return int(np.unique(recommended_items(top_items)).size)


def catalog_coverage(top_items: np.ndarray, num_items: int) -> float:
    """Share of the N catalog items that appear in at least one list."""
    if num_items == 0:
        return 0.0
    return aggregate_diversity(top_items) / num_items


def gini_index(counts: np.ndarray) -> float:
    """Compute the Gini index of per-item recommendation counts over the whole catalog.

    `counts` has one count per catalog item (padding excluded). With the
    counts sorted ascending as x_1..x_N, G = sum_i (2i - N - 1) x_i / (N sum x):
    0 when every item is recommended equally often, (N - 1) / N when one item
    takes every recommendation. An empty or all-zero input gives 0.
    """
    values = np.sort(np.asarray(counts, dtype=np.float64))
    num_items = len(values)
    total = values.sum()
    if num_items == 0 or total == 0:
        return 0.0
    weights = 2.0 * np.arange(1, num_items + 1) - num_items - 1
    return float(np.sum(weights * values) / (num_items * total))


def long_tail_mask(popularity: np.ndarray, long_tail_fraction: float) -> np.ndarray:
    """Mark the long-tail items, bool [N + 1] (row 0 is padding and is False).

    The head is the ceil((1 - long_tail_fraction) * N) most popular items. An
    item is in the head when fewer than that many items are strictly more
    popular, so a tie group at the cut goes to the head as a whole. Every
    other item is in the long tail.
    """
    if not 0.0 < long_tail_fraction < 1.0:
        raise ValueError(f"invalid long_tail_fraction {long_tail_fraction}: expected a value in (0, 1)")
    values = np.asarray(popularity[1:], dtype=np.int64)
    num_items = len(values)
    head_size = math.ceil(round((1.0 - long_tail_fraction) * num_items, 9))
    descending = np.sort(values)[::-1]
    # Items strictly more popular than v: the count of sorted values > v.
    more_popular = np.searchsorted(-descending, -values, side="left")
    mask = np.zeros(num_items + 1, dtype=bool)
    mask[1:] = more_popular >= head_size
    return mask


def long_tail_share(top_items: np.ndarray, tail_mask: np.ndarray) -> float:
    """Share of recommended entries that are long-tail items."""
    items = recommended_items(top_items)
    if items.size == 0:
        return 0.0
    return float(np.mean(tail_mask[items]))


def bias_metrics(
    top_items: np.ndarray, popularity: np.ndarray, long_tail_fraction: float
) -> dict[str, float | int]:
    """Popularity index, aggregate diversity, catalog coverage, Gini index and long-tail share."""
    num_items = len(popularity) - 1
    counts = recommendation_counts(top_items, num_items)
    tail = long_tail_mask(popularity, long_tail_fraction)
    return {
        "popularity_index": popularity_index(top_items, popularity_percentiles(popularity)),
        "aggregate_diversity": aggregate_diversity(top_items),
        "catalog_coverage": catalog_coverage(top_items, num_items),
        "gini_index": gini_index(counts[1:]),
        "long_tail_share": long_tail_share(top_items, tail),
        "long_tail_items": int(tail.sum()),
        "recommended_entries": int(counts.sum()),
    }


def popularity_buckets(top_items: np.ndarray, popularity: np.ndarray) -> list[dict[str, int | str]]:
    """Count recommendations and training clicks per log2-popularity bucket.

    Bucket b contains the items with 2^b <= popularity < 2^(b+1); items never
    seen in training form their own bucket "0". Training clicks of a bucket
    are the sum of its items' popularity (items in the bucket times their
    popularity). Every bucket from "0" to the most popular item's is listed,
    empty ones included, so the buckets line up across runs.
    """
    values = np.asarray(popularity, dtype=np.int64)
    counts = recommendation_counts(top_items, len(values) - 1)
    items = np.arange(1, len(values))
    bucket_of = np.full(len(values), -1, dtype=np.int64)
    positive = values[items] > 0
    # frexp gives v = m * 2^e with m in [0.5, 1), so floor(log2 v) = e - 1 exactly.
    _, exponents = np.frexp(values[items[positive]].astype(np.float64))
    bucket_of[items[positive]] = exponents.astype(np.int64) - 1
    top_bucket = int(bucket_of.max()) if len(values) > 1 else -1
    buckets: list[dict[str, int | str]] = []
    for bucket in range(-1, top_bucket + 1):
        members = items[bucket_of[items] == bucket]
        label = "0" if bucket < 0 else f"[{2**bucket}, {2 ** (bucket + 1)})"
        buckets.append(
            {
                "bucket": label,
                "items": int(members.size),
                "training_clicks": int(values[members].sum()),
                "recommendations": int(counts[members].sum()),
            }
        )
    return buckets
