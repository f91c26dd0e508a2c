"""Iterative k-core filtering: drop users and items with too few events until nothing changes.

The (u, i)-core of the event multigraph is the largest set of events in
which every user has at least u events and every item at least i. It is
unique, and it is induced by its items: a user keeps every event on a
surviving item when those number at least u. So the rounds only need to
find the items that do not survive ("dead" items), working on each user's
item list, and one last pass applies the result to the full events.

Beam graphs cannot loop until a condition holds, so `max_rounds` rounds are
built into the graph. A round after convergence removes nothing and costs
one pass over the users and items. The step fails when the last round still
left an item below its minimum (see `PENDING_ITEMS_STAT`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import apache_beam as beam

from clrec.config.preprocess import KCoreConfig
from clrec.preprocess.ordering import REMOVED_TAG, STATS_TAG
from clrec.preprocess.records import ITEM, KCORE, Event

DELTAS_TAG = "deltas"
# Items still below the minimum after the last round; non-zero means not converged.
PENDING_ITEMS_STAT = "kcore_pending_items"
ROUND_STAT_PREFIX = "kcore_round_removed_"


def peel_user(items: Sequence[str], dead_items: Mapping[str, Any], min_user_events: int) -> list[str]:
    """Return the items a user keeps in one round: no dead item, and nothing if fewer than the minimum remain."""
    kept = [item for item in items if item not in dead_items] if dead_items else list(items)
    if len(kept) < min_user_events:
        return []
    return kept


class KCoreRoundFn(beam.DoFn):
    """One round on (user_id, [item_id, ...]); emits survivors and (item, -count) deltas."""

    def __init__(self, min_user_events: int) -> None:
        self.min_user_events = min_user_events

    def process(self, element: tuple[str, list[str]], dead_items: Mapping[str, Any]) -> Iterator[Any]:
        user, items = element
        kept = peel_user(items, dead_items, self.min_user_events)
        if len(kept) < len(items):
            lost = Counter(items)
            lost.subtract(kept)
            for item, count in lost.items():
                if count:
                    yield beam.pvalue.TaggedOutput(DELTAS_TAG, (item, -count))
        if kept:
            yield user, kept


class ApplyKCoreFn(beam.DoFn):
    """Applies the final dead items to the full events of each user."""

    def __init__(self, min_user_events: int) -> None:
        self.min_user_events = min_user_events

    def process(self, element: tuple[str, list[Event]], dead_items: Mapping[str, Any]) -> Iterator[Any]:
        user, events = element
        if dead_items:
            kept = [event for event in events if event[ITEM] not in dead_items]
        else:
            kept = events
        if len(kept) < self.min_user_events:
            kept = []
        if len(kept) < len(events):
            kept_ids = {id(event) for event in kept}
            removed = [event for event in events if id(event) not in kept_ids]
            yield beam.pvalue.TaggedOutput(REMOVED_TAG, (user, KCORE, removed))
        if kept:
            yield user, kept


def _item_counts(element: tuple[str, list[str]]) -> Iterator[tuple[str, int]]:
    yield from Counter(element[1]).items()


class KCoreFilter(beam.PTransform):
    """Keeps the (min_user_events, min_item_events)-core of (user_id, [Event, ...]) elements.

    Returns a dict of PCollections: `users` with the surviving
    (user_id, [Event, ...]), `removed` with (user_id, "kcore", [Event, ...])
    and `stats` with (name, count) pairs: events removed in each round and
    `PENDING_ITEMS_STAT`.
    """

    def __init__(self, config: KCoreConfig) -> None:
        super().__init__()
        self.config = config

    def expand(self, user_events: beam.PCollection) -> dict[str, beam.PCollection]:
        min_items = self.config.min_item_events
        user_items = user_events | "ItemLists" >> beam.MapTuple(lambda user, events: (user, [e[ITEM] for e in events]))
        counts = user_items | "CountItems" >> beam.FlatMap(_item_counts) | "SumItemCounts" >> beam.CombinePerKey(sum)
        round_stats = []

        for round_index in range(1, self.config.max_rounds + 1):
            label = f"Round{round_index}"
            dead = counts | f"{label}DeadItems" >> beam.Filter(lambda kv: kv[1] < min_items)
            peeled = user_items | f"{label}Peel" >> beam.ParDo(
                KCoreRoundFn(self.config.min_user_events), dead_items=beam.pvalue.AsDict(dead)
            ).with_outputs(DELTAS_TAG, main="users")
            user_items = peeled.users
            counts = (
                (counts, peeled[DELTAS_TAG])
                | f"{label}Merge" >> beam.Flatten()
                | f"{label}Recount" >> beam.CombinePerKey(sum)
            )
            stat_name = f"{ROUND_STAT_PREFIX}{round_index}"
            round_stats.append(
                peeled[DELTAS_TAG] | f"{label}Stat" >> beam.Map(lambda kv, name=stat_name: (name, -kv[1]))
            )

        pending = (
            counts
            | "PendingItems" >> beam.Filter(lambda kv: 0 < kv[1] < min_items)
            | "CountPending" >> beam.Map(lambda kv: (PENDING_ITEMS_STAT, 1))
        )
        # A zero-valued stat makes the key present even when nothing is pending.
        pending_zero = user_events.pipeline | "PendingZero" >> beam.Create([(PENDING_ITEMS_STAT, 0)])
        dead = counts | "FinalDeadItems" >> beam.Filter(lambda kv: kv[1] < min_items)
        applied = user_events | "ApplyCore" >> beam.ParDo(
            ApplyKCoreFn(self.config.min_user_events), dead_items=beam.pvalue.AsDict(dead)
        ).with_outputs(REMOVED_TAG, main="users")
        stats = (*round_stats, pending, pending_zero) | "KCoreStats" >> beam.Flatten()
        return {"users": applied.users, "removed": applied[REMOVED_TAG], STATS_TAG: stats}
