"""Turn one input row into an event, or reject it with a reason.

Each format has its own small parser that finds the mapped values in a row.
The value checks (ids, timestamp, rating, event type) are shared, so every
format rejects the same bad values with the same reason.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone

from clrec.config.preprocess import ColumnsConfig, InputConfig
from clrec.preprocess.records import (
    INVALID_ID,
    INVALID_RATING,
    INVALID_TIMESTAMP,
    MISSING_EVENT_TYPE,
    MISSING_ID,
    UNPARSEABLE,
    WRONG_COLUMN_COUNT,
)

INT64_MAX = 2**63 - 1

# A parsed row: (user_id, timestamp, item_id, rating, event_type).
ParsedRow = tuple[str, int | None, str, float | None, str | None]


class RowRejected(Exception):
    """A row that cannot become an event; `reason` is one of `records.REJECT_REASONS`."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def parse_id(value: object, part: str) -> str:
    """Return a user or item id as a stripped string; integers are accepted too."""
    if value is None:
        raise RowRejected(MISSING_ID, f"{part} id is missing")
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise RowRejected(MISSING_ID, f"{part} id is empty")
        return text
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise RowRejected(INVALID_ID, f"{part} id {value!r} is not a string or an integer")


def _whole_seconds(number: float, value: object) -> int:
    if not math.isfinite(number) or not number.is_integer():
        raise RowRejected(INVALID_TIMESTAMP, f"timestamp {value!r} is not a whole number of Unix seconds")
    return int(number)


def parse_timestamp(value: object) -> int:
    """Return a timestamp as whole Unix seconds, rejecting missing, non-numeric and negative values.

    Strings and numbers are accepted; a float must have no fractional part.
    A datetime (from a Parquet timestamp column) is read as UTC when it has
    no time zone, and its sub-second part is dropped.
    """
    if isinstance(value, str):
        try:
            seconds = int(value)
        except ValueError:
            try:
                number = float(value)
            except ValueError:
                detail = "timestamp is missing" if not value.strip() else f"timestamp {value!r} is not a number"
                raise RowRejected(INVALID_TIMESTAMP, detail) from None
            seconds = _whole_seconds(number, value)
    elif isinstance(value, bool) or value is None:
        raise RowRejected(INVALID_TIMESTAMP, f"timestamp {value!r} is not a number")
    elif isinstance(value, int):
        seconds = value
    elif isinstance(value, float):
        seconds = _whole_seconds(value, value)
    elif isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
        seconds = math.floor(moment.timestamp())
    else:
        raise RowRejected(INVALID_TIMESTAMP, f"timestamp {value!r} is not a number")
    if seconds < 0:
        raise RowRejected(INVALID_TIMESTAMP, f"timestamp {value!r} is negative")
    if seconds > INT64_MAX:
        raise RowRejected(INVALID_TIMESTAMP, f"timestamp {value!r} does not fit in int64")
    return seconds


def parse_rating(value: object) -> float:
    """Return a rating as a float, rejecting missing, non-numeric, NaN and infinite values."""
    if isinstance(value, bool) or value is None:
        raise RowRejected(INVALID_RATING, f"rating {value!r} is not a number")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            detail = "rating is missing" if not value.strip() else f"rating {value!r} is not a number"
            raise RowRejected(INVALID_RATING, detail) from None
    else:
        raise RowRejected(INVALID_RATING, f"rating {value!r} is not a number")
    if not math.isfinite(number):
        raise RowRejected(INVALID_RATING, f"rating {value!r} is not a finite number")
    return number


def parse_event_type(value: object) -> str:
    """Return an event type as a stripped string, rejecting a missing or empty one."""
    if value is None:
        raise RowRejected(MISSING_EVENT_TYPE, "event type is missing")
    text = str(value).strip()
    if not text:
        raise RowRejected(MISSING_EVENT_TYPE, "event type is empty")
    return text


class ValueParser:
    """Checks the mapped values of one row and returns the parsed event fields."""

    def __init__(self, columns: ColumnsConfig) -> None:
        self.has_timestamp = columns.timestamp is not None
        self.has_rating = columns.rating is not None
        self.has_event_type = columns.event_type is not None

    def parse(self, user: object, item: object, timestamp: object, rating: object, event_type: object) -> ParsedRow:
        """Return (user_id, timestamp, item_id, rating, event_type); unmapped parts are None."""
        return (
            parse_id(user, "user"),
            parse_timestamp(timestamp) if self.has_timestamp else None,
            parse_id(item, "item"),
            parse_rating(rating) if self.has_rating else None,
            parse_event_type(event_type) if self.has_event_type else None,
        )


def _positions(columns: ColumnsConfig, field_names: Sequence[str]) -> list[int | None]:
    """Return the index in `field_names` of user, item, timestamp, rating and event type."""
    fields = [columns.user, columns.item, columns.timestamp, columns.rating, columns.event_type]
    return [None if name is None else field_names.index(name) for name in fields]


def missing_fields(columns: ColumnsConfig, available: Sequence[str]) -> list[str]:
    """Return the mapped field names that are not among `available`."""
    return [name for name in columns.mapped().values() if name not in available]


class DelimitedLineParser:
    """Parses one line of a tsv (plain split) or csv (quoted) file."""

    def __init__(self, input_config: InputConfig, columns: ColumnsConfig, field_names: Sequence[str]) -> None:
        absent = missing_fields(columns, field_names)
        if absent:
            raise ValueError(f"mapped fields {absent} are not among the file's fields {list(field_names)}")
        self.delimiter = input_config.effective_delimiter
        self.quoted = input_config.format == "csv"
        self.field_count = len(field_names)
        self.positions = _positions(columns, field_names)
        self.values = ValueParser(columns)

    def split(self, text: str) -> list[str]:
        """Return the fields of one line, raising `RowRejected` on a csv quoting error."""
        if not self.quoted:
            return text.split(self.delimiter)
        try:
            return next(csv.reader([text], delimiter=self.delimiter, strict=True))
        except csv.Error as error:
            raise RowRejected(UNPARSEABLE, f"invalid csv: {error}") from None

    def parse(self, text: str) -> ParsedRow:
        """Return the parsed event of one line or raise `RowRejected`.

        Well-formed rows take a fast path, inlined because it runs once per
        input row. It accepts exactly what `ValueParser` accepts with integer
        timestamps. Any other row goes to `ValueParser`, which either accepts
        another form (such as "1e3") or rejects the row.
        """
        fields = text.split(self.delimiter) if not self.quoted else self.split(text)
        if len(fields) != self.field_count:
            raise RowRejected(WRONG_COLUMN_COUNT, f"expected {self.field_count} fields, found {len(fields)}")
        user_position, item_position, timestamp_position, rating_position, type_position = self.positions
        user = fields[user_position].strip()
        item = fields[item_position].strip()
        try:
            timestamp = None if timestamp_position is None else int(fields[timestamp_position])
            rating = None if rating_position is None else float(fields[rating_position])
        except ValueError:
            return self._parse_checked(fields)
        event_type = None if type_position is None else fields[type_position].strip()
        well_formed = (
            user
            and item
            and (timestamp is None or 0 <= timestamp <= INT64_MAX)
            and (rating is None or math.isfinite(rating))
            and (event_type is None or event_type)
        )
        if not well_formed:
            return self._parse_checked(fields)
        return user, timestamp, item, rating, event_type

    def _parse_checked(self, fields: list[str]) -> ParsedRow:
        user, item, timestamp, rating, event_type = (
            None if position is None else fields[position] for position in self.positions
        )
        return self.values.parse(user, item, timestamp, rating, event_type)


class JsonLineParser:
    """Parses one line of a JSON Lines file; each line is one JSON object."""

    def __init__(self, columns: ColumnsConfig) -> None:
        self.names = [columns.user, columns.item, columns.timestamp, columns.rating, columns.event_type]
        self.values = ValueParser(columns)

    def parse(self, text: str) -> ParsedRow:
        """Return the parsed event of one line or raise `RowRejected`."""
        try:
            record = json.loads(text)
        except json.JSONDecodeError as error:
            raise RowRejected(UNPARSEABLE, f"invalid JSON: {error}") from None
        if not isinstance(record, dict):
            raise RowRejected(UNPARSEABLE, f"expected a JSON object, found {type(record).__name__}")
        return self.values.parse(*(None if name is None else record.get(name) for name in self.names))


class MappingParser:
    """Parses one Parquet row given as a mapping of field name to value."""

    def __init__(self, columns: ColumnsConfig) -> None:
        self.names = [columns.user, columns.item, columns.timestamp, columns.rating, columns.event_type]
        self.values = ValueParser(columns)

    def parse(self, record: Mapping[str, object]) -> ParsedRow:
        """Return the parsed event of one row or raise `RowRejected`."""
        return self.values.parse(*(None if name is None else record.get(name) for name in self.names))
