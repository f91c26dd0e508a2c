"""Value checks shared by every input format."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from clrec.preprocess.parsing import RowRejected, parse_event_type, parse_id, parse_rating, parse_timestamp


@pytest.mark.parametrize(
    ("value", "expected"),
    [("881250949", 881250949), (881250949, 881250949), (12.0, 12), ("1e3", 1000), (" 7 ", 7), (0, 0)],
)
def test_timestamp_accepted(value, expected):
    assert parse_timestamp(value) == expected


def test_timestamp_from_naive_datetime_is_utc():
    # 1970-01-02 00:00:00 UTC is 86,400 seconds after the epoch.
    assert parse_timestamp(datetime(1970, 1, 2)) == 86_400
    assert parse_timestamp(datetime(1970, 1, 2, tzinfo=timezone.utc)) == 86_400


@pytest.mark.parametrize("value", ["", None, "abc", -1, "-5", 1.5, float("nan"), True, 2**63, [1]])
def test_timestamp_rejected(value):
    with pytest.raises(RowRejected) as raised:
        parse_timestamp(value)
    assert raised.value.reason == "invalid_timestamp"


@pytest.mark.parametrize(("value", "expected"), [("u1", "u1"), (" u1 ", "u1"), (17, "17")])
def test_id_accepted(value, expected):
    assert parse_id(value, "user") == expected


@pytest.mark.parametrize(("value", "reason"), [(None, "missing_id"), ("  ", "missing_id"), (1.5, "invalid_id"), (True, "invalid_id")])
def test_id_rejected(value, reason):
    with pytest.raises(RowRejected) as raised:
        parse_id(value, "item")
    assert raised.value.reason == reason
    assert "item id" in raised.value.detail


@pytest.mark.parametrize("value", ["x", "", None, float("inf"), "nan", False])
def test_rating_rejected(value):
    with pytest.raises(RowRejected) as raised:
        parse_rating(value)
    assert raised.value.reason == "invalid_rating"


def test_rating_accepted():
    assert parse_rating("4") == 4.0
    assert parse_rating(3) == 3.0


def test_event_type_rejected_when_empty():
    with pytest.raises(RowRejected) as raised:
        parse_event_type(" ")
    assert raised.value.reason == "missing_event_type"
