"""Layouts of the records that flow between the Beam steps, and the reason codes.

Events travel as plain tuples, not named tuples or dataclasses, because
Beam's fast coder encodes tuples of primitives without pickling them, which
matters at millions of events. The user id is the element's key, so it is
not repeated inside the event.
"""

from __future__ import annotations

# An event: (timestamp, file_index, line, item_id, rating, event_type).
# `timestamp` is whole Unix seconds, or None when the log has no timestamp
# column. `file_index` is the position of the source file in the sorted list
# of input files and `line` is its 1-based line (row, for Parquet) number.
# Together they are the input order. `rating` and `event_type` are None when
# not mapped. The first three fields are unique per event and come first, so the
# plain tuple order of a user's events is their event order: by timestamp,
# ties by input order (None == None lets timestamp-less events compare).
Event = tuple[int | None, int, int, str, float | None, str | None]
TIMESTAMP, FILE_INDEX, LINE, ITEM, RATING, EVENT_TYPE = range(6)

# A rejected row: (file_index, line, reason, detail, raw text).
Reject = tuple[int, int, str, str, str]

# Reasons for rejecting a row before it becomes an event.
UNDECODABLE = "undecodable"
UNPARSEABLE = "unparseable"
WRONG_COLUMN_COUNT = "wrong_column_count"
MISSING_ID = "missing_id"
INVALID_ID = "invalid_id"
INVALID_TIMESTAMP = "invalid_timestamp"
INVALID_RATING = "invalid_rating"
MISSING_EVENT_TYPE = "missing_event_type"
REJECT_REASONS = (
    UNDECODABLE,
    UNPARSEABLE,
    WRONG_COLUMN_COUNT,
    MISSING_ID,
    INVALID_ID,
    INVALID_TIMESTAMP,
    INVALID_RATING,
    MISSING_EVENT_TYPE,
)

# Reasons for leaving an accepted event out of the output, in the order the steps run.
DUPLICATE = "duplicate"
BELOW_MIN_RATING = "below_min_rating"
EVENT_TYPE_NOT_KEPT = "event_type_not_kept"
KCORE = "kcore"
NO_EVENTS_BEFORE_CUTOFF = "no_events_before_cutoff"
AFTER_TEST_TARGET = "after_test_target"
REMOVAL_REASONS = (
    DUPLICATE,
    BELOW_MIN_RATING,
    EVENT_TYPE_NOT_KEPT,
    KCORE,
    NO_EVENTS_BEFORE_CUTOFF,
    AFTER_TEST_TARGET,
)

# Split labels of events.parquet, in sequence order.
SPLITS = ("train", "valid", "test")
