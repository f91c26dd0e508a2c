"""Order each user's events, drop exact duplicates and apply the implicit-feedback filters."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import apache_beam as beam

from clrec.config.preprocess import FilterConfig
from clrec.preprocess.records import (
    BELOW_MIN_RATING,
    DUPLICATE,
    EVENT_TYPE,
    EVENT_TYPE_NOT_KEPT,
    ITEM,
    RATING,
    TIMESTAMP,
    Event,
)

REMOVED_TAG = "removed"
STATS_TAG = "stats"


def order_events(chunks: Iterable[list[Event]]) -> list[Event]:
    """Merge a user's event chunks and sort them by timestamp, ties by input order.

    Events compare as tuples of (timestamp, file index, line, ...), which
    are unique, so the result is the same in whatever order Beam delivers
    the chunks.
    """
    events = [event for chunk in chunks for event in chunk]
    events.sort()
    return events


def drop_duplicates(events: list[Event], has_timestamps: bool) -> tuple[list[Event], list[Event]]:
    """Split ordered events into (kept, duplicates): the first of identical events is kept.

    Identical means same item, timestamp, rating and event type (the user is
    the same by construction). Without timestamps, two identical rows are two
    events at different positions, so nothing is a duplicate.
    """
    if not has_timestamps:
        return events, []
    # Duplicates share a timestamp, so distinct timestamps rule them out at C speed.
    if len({event[TIMESTAMP] for event in events}) == len(events):
        return events, []
    seen: set[tuple[Any, ...]] = set()
    kept: list[Event] = []
    duplicates: list[Event] = []
    for event in events:
        identity = (event[TIMESTAMP], event[ITEM], event[RATING], event[EVENT_TYPE])
        if identity in seen:
            duplicates.append(event)
        else:
            seen.add(identity)
            kept.append(event)
    return kept, duplicates


def apply_feedback_filters(events: list[Event], filters: FilterConfig) -> tuple[list[Event], dict[str, list[Event]]]:
    """Keep the events that count as positive feedback; return (kept, removed by reason).

    The rating threshold runs first, then the event-type filter, so an event
    that fails both is counted once, under `below_min_rating`.
    """
    removed: dict[str, list[Event]] = {}
    if filters.min_rating is not None:
        threshold = filters.min_rating
        below = [event for event in events if event[RATING] < threshold]
        if below:
            removed[BELOW_MIN_RATING] = below
            events = [event for event in events if event[RATING] >= threshold]
    if filters.event_types:
        wanted = set(filters.event_types)
        other = [event for event in events if event[EVENT_TYPE] not in wanted]
        if other:
            removed[EVENT_TYPE_NOT_KEPT] = other
            events = [event for event in events if event[EVENT_TYPE] in wanted]
    return events, removed


class PrepareUserEventsFn(beam.DoFn):
    """Turns a user's grouped chunks into ordered, distinct, filtered events.

    Main output: (user_id, [Event, ...]) for users with an event left.
    Tagged outputs: `removed` with (user_id, reason, [Event, ...]) and
    `stats` with ("accepted_rows", count of events after deduplication).
    """

    def __init__(self, filters: FilterConfig, has_timestamps: bool) -> None:
        self.filters = filters
        self.has_timestamps = has_timestamps

    def process(self, element: tuple[str, Iterable[list[Event]]]) -> Iterator[Any]:
        user, chunks = element
        events = order_events(chunks)
        events, duplicates = drop_duplicates(events, self.has_timestamps)
        yield beam.pvalue.TaggedOutput(STATS_TAG, ("accepted_rows", len(events)))
        if duplicates:
            yield beam.pvalue.TaggedOutput(REMOVED_TAG, (user, DUPLICATE, duplicates))
        events, removed = apply_feedback_filters(events, self.filters)
        for reason, removed_events in removed.items():
            yield beam.pvalue.TaggedOutput(REMOVED_TAG, (user, reason, removed_events))
        if events:
            yield user, events
