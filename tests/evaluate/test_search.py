"""Full-corpus exact search with Faiss: score, exclusions, ties and short catalogs."""

from __future__ import annotations

import numpy as np
import pytest

from clrec.evaluate.search import build_exact_index, prepare_vectors, search_and_rank


def _identity_rows(num_items: int) -> np.ndarray:
    return np.arange(1, num_items + 1, dtype=np.int64)


def _no_exclusions(num_users: int) -> list[np.ndarray]:
    return [np.empty(0, dtype=np.int64) for _ in range(num_users)]


def test_dot_ranks_long_vector_first():
    # Items 1 = [10, 0] and 2 = [1, 0]; query [1, 0]. Inner products are 10
    # and 1, so item 1 comes first. L2 distance would put item 2 first (0 vs 9).
    items = np.array([[10.0, 0.0], [1.0, 0.0]])
    index = build_exact_index(items, "dot")
    queries = prepare_vectors(np.array([[1.0, 0.0], [1.0, 0.0]]), "dot")
    result = search_and_rank(index, queries, _identity_rows(2), np.array([1, 2]), _no_exclusions(2), depth=2)
    assert result.top_items[0].tolist() == [1, 2]
    assert result.ranks.tolist() == [1.0, 2.0]


def test_cosine_normalises_both_sides():
    # Under cosine [10, 0] and [1, 0] both score 1 against [1, 0]: a tie,
    # so each target is ranked pessimistically below the other item.
    items = np.array([[10.0, 0.0], [1.0, 0.0]])
    index = build_exact_index(items, "cosine")
    queries = prepare_vectors(np.array([[3.0, 0.0], [3.0, 0.0]]), "cosine")
    result = search_and_rank(index, queries, _identity_rows(2), np.array([1, 2]), _no_exclusions(2), depth=2)
    assert result.ranks.tolist() == [2.0, 2.0]


def test_history_excluded_from_list():
    # Items score 4, 3, 2, 1 for query [1]. The user's history contains item 1.
    items = np.array([[4.0], [3.0], [2.0], [1.0]])
    index = build_exact_index(items, "dot")
    result = search_and_rank(
        index, np.array([[1.0]], dtype=np.float32), _identity_rows(4), np.array([3]), [np.array([1])], depth=2
    )
    assert result.top_items[0].tolist() == [2, 3]
    # Item 1 no longer outranks the target: rank 2 instead of 3.
    assert result.ranks.tolist() == [2.0]


def test_target_in_history_kept():
    # A repeated item is both in the history and the target: it stays ranked.
    items = np.array([[4.0], [3.0], [2.0]])
    index = build_exact_index(items, "dot")
    result = search_and_rank(
        index, np.array([[1.0]], dtype=np.float32), _identity_rows(3), np.array([1]), [np.array([1, 2])], depth=2
    )
    assert result.ranks.tolist() == [1.0]
    assert result.top_items[0].tolist() == [1, 3]


def test_depth_larger_than_catalog():
    # Three items and depth 50: the list has all three, then zero padding.
    items = np.array([[3.0], [2.0], [1.0]])
    index = build_exact_index(items, "dot")
    result = search_and_rank(
        index, np.array([[1.0]], dtype=np.float32), _identity_rows(3), np.array([3]), _no_exclusions(1), depth=50
    )
    assert result.top_items[0, :3].tolist() == [1, 2, 3]
    assert result.top_items[0, 3:].tolist() == [0] * 47
    assert result.ranks.tolist() == [3.0]


@pytest.mark.parametrize("target", [2, 3, 4])
def test_tie_past_list_end(target):
    # Item 1 scores 2; items 2, 3 and 4 tie at 1. With depth 2 the search
    # first retrieves 2 items, so it may return the target at position 2
    # while its tied twins lie past the list. Pessimistic rank: 1 + 1 (item 1)
    # + 2 (tied twins) = 4, a miss at K = 2.
    items = np.array([[2.0], [1.0], [1.0], [1.0]])
    index = build_exact_index(items, "dot")
    result = search_and_rank(
        index, np.array([[1.0]], dtype=np.float32), _identity_rows(4), np.array([target]), _no_exclusions(1), depth=2
    )
    assert result.ranks[0] > 2


def test_row_to_item_mapping():
    # Index rows hold items 7, 3 and 9 (a production vocabulary).
    items = np.array([[1.0], [3.0], [2.0]])
    index = build_exact_index(items, "dot")
    rows = np.array([7, 3, 9], dtype=np.int64)
    result = search_and_rank(
        index, np.array([[1.0]], dtype=np.float32), rows, np.array([9]), _no_exclusions(1), depth=3
    )
    assert result.top_items[0].tolist() == [3, 9, 7]
    assert result.ranks.tolist() == [2.0]


def test_batches_agree_with_one_batch():
    generator = np.random.default_rng(0)
    items = generator.normal(size=(40, 4))
    index = build_exact_index(items, "dot")
    queries = prepare_vectors(generator.normal(size=(25, 4)), "dot")
    targets = generator.integers(1, 41, size=25)
    exclusions = [generator.choice(np.arange(1, 41), size=3, replace=False) for _ in range(25)]
    whole = search_and_rank(index, queries, _identity_rows(40), targets, exclusions, depth=10, batch_size=1024)
    batched = search_and_rank(index, queries, _identity_rows(40), targets, exclusions, depth=10, batch_size=4)
    assert np.array_equal(whole.ranks, batched.ranks)
    assert np.array_equal(whole.top_items, batched.top_items)


def test_ranks_match_brute_force():
    # Ranks from the Faiss lists equal a brute-force count over all scores.
    generator = np.random.default_rng(1)
    items = generator.normal(size=(30, 3)).astype(np.float32)
    queries = generator.normal(size=(20, 3)).astype(np.float32)
    targets = generator.integers(1, 31, size=20)
    index = build_exact_index(items, "dot")
    result = search_and_rank(index, queries, _identity_rows(30), targets, _no_exclusions(20), depth=30)
    scores = queries.astype(np.float64) @ items.astype(np.float64).T
    expected = 1 + np.sum(scores > scores[np.arange(20), targets - 1][:, None], axis=1)
    assert result.ranks.tolist() == expected.astype(float).tolist()


def test_invalid_score_rejected():
    with pytest.raises(ValueError, match="invalid score 'l2'"):
        prepare_vectors(np.ones((1, 2)), "l2")


def test_mismatched_inputs_rejected():
    index = build_exact_index(np.ones((2, 2)), "dot")
    with pytest.raises(ValueError, match="one target and one exclusion list per query"):
        search_and_rank(index, np.ones((2, 2), dtype=np.float32), _identity_rows(2), np.array([1]), [], depth=1)
