"""Leave-one-out and time-cutoff splits of one user's ordered sequence."""

from __future__ import annotations

import pytest

from clrec.preprocess.splits import leave_one_out_sizes, time_cutoff_sizes, trim_to_cutoff


def test_leave_one_out_five_events():
    # i1..i5: train i1..i3, validation target i4, test target i5.
    assert leave_one_out_sizes(5) == (3, 1, 1)


def test_leave_one_out_three_events():
    assert leave_one_out_sizes(3) == (1, 1, 1)


@pytest.mark.parametrize("count", [1, 2])
def test_leave_one_out_short_user(count):
    assert leave_one_out_sizes(count) == (count, 0, 0)


def ts_event(timestamp, line):
    return (timestamp, 0, line, f"i{line}", None, None)


def test_trim_keeps_first_after_cutoff():
    events = [ts_event(t, n) for n, t in enumerate([10, 20, 30, 40], start=1)]
    kept, removed = trim_to_cutoff(events, cutoff=30)
    assert kept == events[:3]
    assert removed == {"after_test_target": events[3:]}


def test_trim_drops_user_without_history():
    events = [ts_event(30, 1), ts_event(40, 2)]
    kept, removed = trim_to_cutoff(events, cutoff=30)
    assert kept == []
    assert removed == {"no_events_before_cutoff": events}


@pytest.mark.parametrize(
    ("timestamps", "expected"),
    [([10, 20, 30], (1, 1, 1)), ([10, 30], (1, 0, 1)), ([10, 20], (1, 1, 0)), ([10], (1, 0, 0))],
)
def test_time_cutoff_sizes(timestamps, expected):
    assert time_cutoff_sizes(timestamps, cutoff=30) == expected


def test_time_cutoff_sizes_untrimmed():
    with pytest.raises(ValueError, match="not trimmed"):
        time_cutoff_sizes([10, 30, 40], cutoff=30)
