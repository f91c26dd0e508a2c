"""Split each user's ordered events into training events and evaluation targets.

Both strategies put the validation target second to last and the test
target last in a user's kept sequence, so a split is three sizes:
(training events, 0 or 1 validation target, 0 or 1 test target).

leave_one_out, for a user with events i1..i5: training i1..i3, validation
target i4 (predicted from i1..i3), test target i5 (predicted from i1..i4).
A user with fewer than 3 events trains only.

time_cutoff: first `trim_to_cutoff` keeps, per user, the events before the
cutoff and the first event at or after it. Then the last event before the
cutoff is the validation target when at least one event precedes it, the
kept event at or after the cutoff is the test target, and the rest trains.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import apache_beam as beam

from clrec.config.preprocess import SplitConfig
from clrec.preprocess.ordering import REMOVED_TAG
from clrec.preprocess.records import AFTER_TEST_TARGET, NO_EVENTS_BEFORE_CUTOFF, TIMESTAMP, Event

MIN_EVENTS_FOR_TARGETS = 3


def leave_one_out_sizes(num_events: int) -> tuple[int, int, int]:
    """Return (train, valid, test) sizes of a user's sequence under leave-one-out."""
    if num_events < MIN_EVENTS_FOR_TARGETS:
        return num_events, 0, 0
    return num_events - 2, 1, 1


def time_cutoff_sizes(timestamps: Sequence[int], cutoff: int) -> tuple[int, int, int]:
    """Return (train, valid, test) sizes of a sequence already trimmed by `trim_to_cutoff`."""
    before = sum(1 for timestamp in timestamps if timestamp < cutoff)
    test = len(timestamps) - before
    if test > 1 or before == 0:
        raise ValueError(
            f"sequence not trimmed to the cutoff {cutoff}: {before} events before it, {test} at or after it"
        )
    valid = 1 if before >= 2 else 0
    return before - valid, valid, test


def trim_to_cutoff(events: list[Event], cutoff: int) -> tuple[list[Event], dict[str, list[Event]]]:
    """Keep the events before the cutoff and the first one at or after it; return (kept, removed by reason).

    A user with no event before the cutoff has no history to predict from,
    so all of its events are removed.
    """
    before = [event for event in events if event[TIMESTAMP] < cutoff]
    after = [event for event in events if event[TIMESTAMP] >= cutoff]
    if not before:
        return [], {NO_EVENTS_BEFORE_CUTOFF: events}
    if len(after) > 1:
        return before + after[:1], {AFTER_TEST_TARGET: after[1:]}
    return events, {}


class TrimToCutoffFn(beam.DoFn):
    """Applies `trim_to_cutoff` to (user_id, [Event, ...]); removed events go to `removed`."""

    def __init__(self, cutoff: int) -> None:
        self.cutoff = cutoff

    def process(self, element: tuple[str, list[Event]]) -> Iterator[Any]:
        user, events = element
        kept, removed = trim_to_cutoff(events, self.cutoff)
        for reason, removed_events in removed.items():
            yield beam.pvalue.TaggedOutput(REMOVED_TAG, (user, reason, removed_events))
        if kept:
            yield user, kept


def split_sizes(timestamps: Sequence[int | None], config: SplitConfig) -> tuple[int, int, int]:
    """Return the (train, valid, test) sizes of one user's ordered sequence under `config`."""
    if config.strategy == "time_cutoff":
        return time_cutoff_sizes(timestamps, config.time_cutoff)
    return leave_one_out_sizes(len(timestamps))
