"""Popularity-bias metrics against hand-computed examples."""

from __future__ import annotations

import numpy as np
import pytest

from clrec.evaluate.bias import (
    aggregate_diversity,
    bias_metrics,
    catalog_coverage,
    gini_index,
    long_tail_mask,
    long_tail_share,
    popularity_buckets,
    popularity_index,
    popularity_percentiles,
)

# Items 1..4 with training popularity 5, 1, 3, 3 (row 0 is padding).
POPULARITY = np.array([0, 5, 1, 3, 3])


def test_percentiles_average_ties():
    # Ascending ranks: item 2 (pop 1) rank 1; items 3 and 4 (pop 3) share
    # ranks 2 and 3, average 2.5; item 1 (pop 5) rank 4. Percentile
    # (rank - 1) / (N - 1) with N = 4: 1, 0, 0.5, 0.5.
    percentiles = popularity_percentiles(POPULARITY)
    assert percentiles.tolist() == [0.0, 1.0, 0.0, 0.5, 0.5]


def test_percentiles_single_item():
    assert popularity_percentiles(np.array([0, 7])).tolist() == [0.0, 0.5]


def test_percentiles_all_tied():
    assert popularity_percentiles(np.array([0, 2, 2, 2])).tolist() == [0.0, 0.5, 0.5, 0.5]


def test_popularity_index_hand_value():
    # Lists [1, 2] and [3, padding]: entries 1, 2, 3 with percentiles 1, 0
    # and 0.5, mean 0.5. The padding zero is not a recommendation.
    lists = np.array([[1, 2], [3, 0]])
    assert popularity_index(lists, popularity_percentiles(POPULARITY)) == pytest.approx(0.5)


def test_popularity_index_most_popular():
    lists = np.array([[1], [1]])
    assert popularity_index(lists, popularity_percentiles(POPULARITY)) == pytest.approx(1.0)


def test_aggregate_diversity_and_coverage():
    # Distinct items over [1, 2], [1, 3] and [2, 0]: {1, 2, 3}, 3 of 4 items.
    lists = np.array([[1, 2], [1, 3], [2, 0]])
    assert aggregate_diversity(lists) == 3
    assert catalog_coverage(lists, 4) == pytest.approx(0.75)


def test_gini_hand_value():
    # Counts sorted ascending x = [0, 0, 1, 3], N = 4, sum 4; weights
    # 2i - N - 1 = [-3, -1, 1, 3]: (0 + 0 + 1 + 9) / (4 * 4) = 0.625.
    assert gini_index(np.array([3, 0, 1, 0])) == pytest.approx(0.625)


def test_gini_equal_counts():
    assert gini_index(np.array([2, 2, 2, 2])) == pytest.approx(0.0)


def test_gini_one_item_takes_all():
    # The maximum (N - 1) / N = 3/4 for N = 4.
    assert gini_index(np.array([0, 0, 0, 4])) == pytest.approx(0.75)


def test_gini_no_recommendations():
    assert gini_index(np.zeros(4)) == 0.0


def test_long_tail_bottom_80_percent():
    # Popularity of items 1..5: 10, 7, 7, 3, 1. The head is ceil(0.2 * 5) = 1
    # item: only item 1 has fewer than 1 item above it. Tail: items 2..5.
    popularity = np.array([0, 10, 7, 7, 3, 1])
    assert long_tail_mask(popularity, 0.8).tolist() == [False, False, True, True, True, True]


def test_long_tail_tie_goes_to_head():
    # With fraction 0.6 the head is ceil(0.4 * 5) = 2 items. Items 2 and 3
    # tie with 1 item above each (1 < 2), so both join the head.
    popularity = np.array([0, 10, 7, 7, 3, 1])
    assert long_tail_mask(popularity, 0.6).tolist() == [False, False, False, False, True, True]


def test_long_tail_share_hand_value():
    # Tail = items 2..5 (see above); lists [1, 2] and [4, 1]: 2 of 4 entries.
    popularity = np.array([0, 10, 7, 7, 3, 1])
    tail = long_tail_mask(popularity, 0.8)
    assert long_tail_share(np.array([[1, 2], [4, 1]]), tail) == pytest.approx(0.5)


def test_invalid_long_tail_fraction():
    with pytest.raises(ValueError, match="long_tail_fraction 1.0"):
        long_tail_mask(POPULARITY, 1.0)


def test_bias_metrics_keys_and_counts():
    lists = np.array([[1, 2], [1, 3]])
    result = bias_metrics(lists, POPULARITY, 0.8)
    # Recommendation counts per item 1..4: [2, 1, 1, 0], sorted [0, 1, 1, 2],
    # weights [-3, -1, 1, 3]: (0 - 1 + 1 + 6) / (4 * 4) = 0.375.
    assert result["gini_index"] == pytest.approx(0.375)
    assert result["aggregate_diversity"] == 3
    assert result["recommended_entries"] == 4
    # Percentiles 1, 0, 0.5 for items 1, 2, 3: (1 + 0 + 1 + 0.5) / 4.
    assert result["popularity_index"] == pytest.approx(0.625)


def test_popularity_buckets_hand_values():
    # Items 1..5 with popularity 0, 1, 2, 3, 5: bucket "0" = item 1,
    # [1, 2) = item 2, [2, 4) = items 3 and 4, [4, 8) = item 5.
    popularity = np.array([0, 0, 1, 2, 3, 5])
    lists = np.array([[5, 3], [5, 1]])
    buckets = popularity_buckets(lists, popularity)
    assert [bucket["bucket"] for bucket in buckets] == ["0", "[1, 2)", "[2, 4)", "[4, 8)"]
    assert [bucket["items"] for bucket in buckets] == [1, 1, 2, 1]
    assert [bucket["training_clicks"] for bucket in buckets] == [0, 1, 5, 5]
    assert [bucket["recommendations"] for bucket in buckets] == [1, 0, 1, 2]


def test_popularity_buckets_power_of_two_edges():
    # 4 and 7 share [4, 8); 8 starts [8, 16). Empty buckets stay listed.
    popularity = np.array([0, 4, 7, 8])
    buckets = popularity_buckets(np.zeros((1, 1), dtype=np.int64), popularity)
    assert [bucket["items"] for bucket in buckets] == [0, 0, 0, 2, 1]
