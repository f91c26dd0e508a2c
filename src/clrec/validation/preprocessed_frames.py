"""Frames that the raw-clicks and sequences-and-splits suites run on.

Great Expectations checks one table at a time. Facts that join tables are
therefore computed here with pandas, one column per fact: does each user's
training sequence match its events, is popularity counted from training
events. The suites then expect those columns to have the right values.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import pandas as pd

from clrec.validation.derived import (
    FrameUnavailable,
    MissingColumnsError,
    require_columns,
    schema_frame,
)
from clrec.validation.inputs import PreprocessOutput

logger = logging.getLogger(__name__)

EVENT_COLUMNS = ["user_idx", "item_idx", "timestamp", "position", "split"]
SEQUENCE_COLUMNS = [
    "user_idx",
    "train_items",
    "train_timestamps",
    "valid_item",
    "valid_timestamp",
    "test_item",
    "test_timestamp",
]

Frames = dict[str, pd.DataFrame | FrameUnavailable]


def raw_clicks_frames(output: PreprocessOutput) -> Frames:
    """Build the frames of the raw_clicks suite."""
    return {
        "events_schema": schema_frame(output.events),
        "events": output.events.frame,
        "row_accounting": row_accounting_frame(output),
    }


def sequences_frames(output: PreprocessOutput, min_events_for_targets: int) -> Frames:
    """Build the frames of the sequences_splits suite."""
    frames: Frames = {
        "sequences_schema": schema_frame(output.sequences),
        "items_schema": schema_frame(output.items),
        "users_schema": schema_frame(output.users),
        "sequences": output.sequences.frame,
        "users": output.users.frame,
        "events": output.events.frame,
    }
    try:
        require_columns(output.events, EVENT_COLUMNS)
        require_columns(output.items, ["item_idx"])
        frames["items"] = items_with_training_events(output.items.frame, output.events.frame)
    except MissingColumnsError as error:
        frames["items"] = FrameUnavailable(str(error))
    try:
        require_columns(output.events, EVENT_COLUMNS)
        require_columns(output.sequences, SEQUENCE_COLUMNS)
        frames["user_checks"] = user_checks_frame(
            output.events.frame, output.sequences.frame, min_events_for_targets
        )
    except MissingColumnsError as error:
        frames["user_checks"] = FrameUnavailable(str(error))
    return frames


def row_accounting_frame(output: PreprocessOutput) -> pd.DataFrame:
    """Return one row with the input and rejected row counts and the rejected share.

    The counts come from the manifest's `rows.input` and `rows.rejected` when
    it has them. Otherwise the input is taken as the accepted events plus the
    lines of rejects.jsonl, which undercounts rows that preprocessing
    removed for other reasons (duplicates, k-core filtering).
    """
    logged = output.rejected_rows
    rows = output.manifest.get("rows")
    if (
        isinstance(rows, dict)
        and isinstance(rows.get("input"), int)
        and isinstance(rows.get("rejected"), int)
    ):
        input_rows, rejected = rows["input"], rows["rejected"]
    else:
        logger.info("manifest.json has no rows.input and rows.rejected; counting rejects.jsonl")
        input_rows, rejected = len(output.events.frame) + logged, logged
    share = rejected / input_rows if input_rows else 0.0
    return pd.DataFrame(
        {
            "input_rows": [input_rows],
            "rejected_rows": [rejected],
            "rejects_logged": [logged],
            "rejected_share": [share],
        }
    )


def items_with_training_events(items: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Return `items` plus `training_events`: the item's number of events with split train."""
    counts = events.loc[events["split"] == "train", "item_idx"].value_counts()
    result = items.copy()
    result["training_events"] = result["item_idx"].map(counts).fillna(0).astype("int64")
    return result


def _to_list(value: Any) -> list[Any]:
    """Return a list cell (numpy array, list or null) as a Python list; null becomes []."""
    if value is None:
        return []
    if isinstance(value, float) and math.isnan(value):
        return []
    if isinstance(value, np.ndarray):
        return value.tolist()
    return list(value)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _value_or_none(values: dict[Any, Any], user: int) -> float | None:
    value = values.get(user)
    return None if value is None or pd.isna(value) else float(value)


def _lists_by_user(frame: pd.DataFrame, column: str) -> dict[int, list[Any]]:
    """Return each user's values of `column` as a list; `frame` must be sorted by user_idx."""
    users = frame["user_idx"].to_numpy()
    if len(users) == 0:
        return {}
    starts = np.flatnonzero(np.diff(users)) + 1
    groups = np.split(frame[column].to_numpy(), starts)
    first_rows = np.concatenate([[0], starts])
    return {int(users[row]): group.tolist() for row, group in zip(first_rows, groups)}


class _EventFacts:
    """Per-user facts from events.parquet, as dictionaries for fast lookup."""

    def __init__(self, events: pd.DataFrame) -> None:
        events = events.dropna(subset=["user_idx"])
        ordered = events.sort_values(["user_idx", "position"], kind="stable")
        by_split = {
            split: ordered[ordered["split"] == split] for split in ("train", "valid", "test")
        }
        self.event_count = ordered.groupby("user_idx").size().to_dict()
        self.split_count = {
            split: frame.groupby("user_idx").size().to_dict() for split, frame in by_split.items()
        }
        self.train_items = _lists_by_user(by_split["train"], "item_idx")
        self.train_timestamps = _lists_by_user(by_split["train"], "timestamp")
        positions = {
            split: frame.groupby("user_idx")["position"] for split, frame in by_split.items()
        }
        self.max_train_position = positions["train"].max().to_dict()
        self.min_valid_position = positions["valid"].min().to_dict()
        self.max_valid_position = positions["valid"].max().to_dict()
        self.min_test_position = positions["test"].min().to_dict()

    def targets_follow_train(self, user: int) -> bool:
        """Return whether train events precede validation events, and both precede test events."""
        last_train = _value_or_none(self.max_train_position, user)
        first_valid = _value_or_none(self.min_valid_position, user)
        last_valid = _value_or_none(self.max_valid_position, user)
        first_test = _value_or_none(self.min_test_position, user)
        before_targets = [last_train, last_valid]
        if first_valid is not None and last_train is not None and last_train >= first_valid:
            return False
        if first_test is not None:
            return all(position is None or position < first_test for position in before_targets)
        return True


def _sequence_facts(
    sequence: dict[str, Any], train_events: list[Any], train_times: list[Any]
) -> dict[str, Any]:
    """Compute the columns of user_checks that come from the user's sequence row."""
    items = _to_list(sequence["train_items"])
    times = _to_list(sequence["train_timestamps"])
    known_items = [item for item in items if not _is_missing(item)]
    valid_item, valid_time = sequence["valid_item"], sequence["valid_timestamp"]
    test_item, test_time = sequence["test_item"], sequence["test_timestamp"]

    # Ties are allowed: two events in the same second keep their position order.
    valid_input_ok = _is_missing(valid_time) or not times or max(times) <= valid_time
    test_inputs = times + ([] if _is_missing(valid_time) else [valid_time])
    test_input_ok = _is_missing(test_time) or not test_inputs or max(test_inputs) <= test_time

    # NOTE: an event is identified by (item, timestamp) because sequences.parquet
    # has no positions. A user who truly clicked one item twice in the same
    # second would be reported as a leak.
    train_events_seen = set(zip(items, times))
    leaked = [
        (item, time)
        for item, time in ((valid_item, valid_time), (test_item, test_time))
        if not _is_missing(item) and (item, time) in train_events_seen
    ]
    return {
        "valid_targets": 0 if _is_missing(valid_item) else 1,
        "test_targets": 0 if _is_missing(test_item) else 1,
        "train_length": len(items),
        "train_item_min": min(known_items) if known_items else None,
        "train_item_max": max(known_items) if known_items else None,
        "train_timestamps_aligned": len(items) == len(times),
        "train_matches_events": items == train_events and times == train_times,
        "train_in_time_order": bool(np.all(np.diff(np.asarray(times, dtype=float)) >= 0)),
        "valid_input_before_target": bool(valid_input_ok),
        "test_input_before_target": bool(test_input_ok),
        "train_excludes_targets": not leaked,
    }


_SEQUENCE_FACT_COLUMNS = [
    "valid_targets",
    "test_targets",
    "train_length",
    "train_item_min",
    "train_item_max",
    "train_timestamps_aligned",
    "train_matches_events",
    "train_in_time_order",
    "valid_input_before_target",
    "test_input_before_target",
    "train_excludes_targets",
]
USER_CHECK_COLUMNS = [
    "user_idx",
    "sequence_rows",
    "event_count",
    "expected_targets",
    "valid_events",
    "test_events",
    "targets_follow_train",
    *_SEQUENCE_FACT_COLUMNS,
]


def user_checks_frame(
    events: pd.DataFrame, sequences: pd.DataFrame, min_events_for_targets: int
) -> pd.DataFrame:
    """Return one row per user with the cross-table facts the sequences suite checks.

    A user is listed when it appears in events.parquet or sequences.parquet.
    The sequence columns are empty (None) for a user without a sequence row,
    so that only `sequence_rows` reports that user.
    """
    facts = _EventFacts(events)
    sequences = sequences.dropna(subset=["user_idx"])
    sequence_rows = sequences.groupby("user_idx").size().to_dict()
    first_rows = sequences.drop_duplicates("user_idx").set_index("user_idx")
    first_rows = first_rows[[name for name in SEQUENCE_COLUMNS if name != "user_idx"]]
    sequence_by_user = first_rows.to_dict(orient="index")

    rows = []
    for user in sorted(set(facts.event_count) | set(sequence_rows)):
        event_count = int(facts.event_count.get(user, 0))
        row: dict[str, Any] = {
            "user_idx": int(user),
            "sequence_rows": int(sequence_rows.get(user, 0)),
            "event_count": event_count,
            "expected_targets": 1 if event_count >= min_events_for_targets else 0,
            "valid_events": int(facts.split_count["valid"].get(user, 0)),
            "test_events": int(facts.split_count["test"].get(user, 0)),
            "targets_follow_train": facts.targets_follow_train(user),
        }
        sequence = sequence_by_user.get(user)
        if sequence is None:
            row.update({name: None for name in _SEQUENCE_FACT_COLUMNS})
        else:
            row.update(
                _sequence_facts(
                    sequence,
                    train_events=facts.train_items.get(user, []),
                    train_times=facts.train_timestamps.get(user, []),
                )
            )
        rows.append(row)
    logger.debug("built user_checks for %d users", len(rows))
    return pd.DataFrame(rows, columns=USER_CHECK_COLUMNS)
