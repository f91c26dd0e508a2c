"""Conversions between Unix seconds and time-zone-aware UTC timestamps.

Every timestamp in the feature step is UTC. Functions that receive a
`datetime` reject a naive one instead of guessing its time zone.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pyarrow as pa
import pyarrow.compute as pc

# Arrow type of every timestamp column in the Feast sources.
UTC_TIMESTAMP_TYPE = pa.timestamp("us", tz="UTC")


def require_utc(value: datetime, name: str) -> datetime:
    """Return `value` converted to UTC, or raise `ValueError` when it is naive."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{name}={value.isoformat()} is a naive timestamp; give it a time zone, "
            f"for example {value.replace(tzinfo=timezone.utc).isoformat()} for UTC"
        )
    return value.astimezone(timezone.utc)


def utc_from_unix_seconds(seconds: int) -> datetime:
    """Return the UTC timestamp of a number of seconds since the Unix epoch."""
    return datetime.fromtimestamp(int(seconds), tz=timezone.utc)


def unix_seconds_to_arrow(seconds: pa.Array) -> pa.Array:
    """Convert an int64 array of Unix seconds to microsecond UTC timestamps."""
    microseconds = pc.multiply(seconds.cast(pa.int64()), 1_000_000)
    return microseconds.cast(UTC_TIMESTAMP_TYPE)
