"""Ordering, duplicate removal and feedback filters of one user's events."""

from __future__ import annotations

from clrec.config.preprocess import FilterConfig
from clrec.preprocess.ordering import apply_feedback_filters, drop_duplicates, order_events


def event(timestamp, line, item="a", rating=None, event_type=None, file_index=0):
    return (timestamp, file_index, line, item, rating, event_type)


def test_order_ties_by_input_order():
    # Same timestamp 5: file 0 line 9 comes before file 1 line 2, which comes before file 1 line 3.
    late, tie_b, tie_a, tie_c = event(9, 1), event(5, 2, file_index=1), event(5, 9), event(5, 3, file_index=1)
    assert order_events([[late, tie_b], [tie_a, tie_c]]) == [tie_a, tie_b, tie_c, late]


def test_order_without_timestamps_is_input_order():
    first, second, third = event(None, 1), event(None, 2), event(None, 3)
    assert order_events([[third], [first, second]]) == [first, second, third]


def test_duplicates_keep_first():
    first, copy, other_rating = event(5, 1, rating=4.0), event(5, 7, rating=4.0), event(5, 8, rating=3.0)
    kept, duplicates = drop_duplicates([first, copy, other_rating], has_timestamps=True)
    assert kept == [first, other_rating]
    assert duplicates == [copy]


def test_duplicates_need_timestamps():
    rows = [event(None, 1), event(None, 2)]
    kept, duplicates = drop_duplicates(rows, has_timestamps=False)
    assert kept == rows
    assert duplicates == []


def test_rating_threshold_inclusive():
    low, edge, high = event(1, 1, rating=3.5), event(2, 2, rating=4.0), event(3, 3, rating=5.0)
    kept, removed = apply_feedback_filters([low, edge, high], FilterConfig(min_rating=4))
    assert kept == [edge, high]
    assert removed == {"below_min_rating": [low]}


def test_event_type_filter():
    click, buy = event(1, 1, event_type="click"), event(2, 2, event_type="purchase")
    kept, removed = apply_feedback_filters([click, buy], FilterConfig(event_types=["purchase"]))
    assert kept == [buy]
    assert removed == {"event_type_not_kept": [click]}
