"""Each kind of bad row is rejected with its reason and line number, and reading goes on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.preprocess.helpers import HEADERLESS_TSV, read_file, with_preprocess

GOOD = "1\t10\t5\t100"


def reject_of(tmp_path: Path, bad: bytes, preprocess: dict[str, Any] = HEADERLESS_TSV) -> tuple:
    """Read GOOD, the bad line, GOOD; check both good rows survive and return the one reject."""
    path = tmp_path / "log.tsv"
    path.write_bytes(GOOD.encode() + b"\n" + bad + b"\n" + GOOD.replace("100", "101").encode() + b"\n")
    events, rejects, files = read_file(path, preprocess)
    assert len(events) == 2
    assert files[0]["input_rows"] == 3
    assert len(rejects) == 1
    return rejects[0]


def test_undecodable_bytes(tmp_path):
    _, line, reason, _, raw = reject_of(tmp_path, b"1\t\xff\xfe\t5\t100")
    assert (line, reason) == (2, "undecodable")
    assert raw == "1\t\\xff\\xfe\t5\t100"


def test_wrong_column_count(tmp_path):
    _, line, reason, detail, raw = reject_of(tmp_path, b"1\t10\t5\t100\textra")
    assert (line, reason) == (2, "wrong_column_count")
    assert detail == "expected 4 fields, found 5"
    assert raw == "1\t10\t5\t100\textra"


def test_missing_user_id(tmp_path):
    _, line, reason, detail, _ = reject_of(tmp_path, b" \t10\t5\t100")
    assert (line, reason) == (2, "missing_id")
    assert detail == "user id is empty"


def test_missing_item_id(tmp_path):
    _, _, reason, detail, _ = reject_of(tmp_path, b"1\t\t5\t100")
    assert reason == "missing_id"
    assert detail == "item id is empty"


def test_non_numeric_timestamp(tmp_path):
    _, _, reason, detail, _ = reject_of(tmp_path, b"1\t10\t5\tyesterday")
    assert reason == "invalid_timestamp"
    assert detail == "timestamp 'yesterday' is not a number"


def test_negative_timestamp(tmp_path):
    _, _, reason, detail, _ = reject_of(tmp_path, b"1\t10\t5\t-1")
    assert reason == "invalid_timestamp"
    assert detail == "timestamp '-1' is negative"


def test_fractional_timestamp(tmp_path):
    _, _, reason, _, _ = reject_of(tmp_path, b"1\t10\t5\t100.5")
    assert reason == "invalid_timestamp"


def test_non_numeric_rating(tmp_path):
    _, _, reason, detail, _ = reject_of(tmp_path, b"1\t10\tgood\t100")
    assert reason == "invalid_rating"
    assert detail == "rating 'good' is not a number"


def test_unparseable_json(tmp_path):
    preprocess = with_preprocess(
        HEADERLESS_TSV, input={"paths": ["log.jsonl"], "format": "jsonl", "field_names": []}
    )
    path = tmp_path / "log.jsonl"
    good = json.dumps({"user": "1", "item": "10", "rating": 5, "ts": 100})
    path.write_text(f"{good}\n{{not json\n[1, 2]\n", encoding="utf-8")
    events, rejects, _ = read_file(path, preprocess)
    assert len(events) == 1
    assert [(line, reason) for _, line, reason, _, _ in rejects] == [(2, "unparseable"), (3, "unparseable")]


def test_json_missing_key(tmp_path):
    preprocess = with_preprocess(
        HEADERLESS_TSV, input={"paths": ["log.jsonl"], "format": "jsonl", "field_names": []}
    )
    path = tmp_path / "log.jsonl"
    path.write_text(json.dumps({"user": "1", "rating": 5, "ts": 100}) + "\n", encoding="utf-8")
    _, rejects, _ = read_file(path, preprocess)
    assert rejects[0][2:4] == ("missing_id", "item id is missing")


def test_unparseable_csv_quote(tmp_path):
    preprocess = with_preprocess(
        HEADERLESS_TSV,
        input={"paths": ["log.csv"], "format": "csv", "field_names": ["user", "item", "rating", "ts"]},
    )
    path = tmp_path / "log.csv"
    path.write_text('1,10,5,100\n1,"10"x,5,101\n', encoding="utf-8")
    events, rejects, _ = read_file(path, preprocess)
    assert len(events) == 1
    assert rejects[0][1:3] == (2, "unparseable")


def test_missing_event_type(tmp_path):
    preprocess = with_preprocess(
        HEADERLESS_TSV,
        input={"paths": ["log.tsv"], "format": "tsv", "field_names": ["user", "item", "rating", "ts", "kind"]},
        columns={"user": "user", "item": "item", "timestamp": "ts", "rating": "rating", "event_type": "kind"},
    )
    path = tmp_path / "log.tsv"
    path.write_text("1\t10\t5\t100\tclick\n1\t11\t5\t101\t\n", encoding="utf-8")
    events, rejects, _ = read_file(path, preprocess)
    assert events[0][1][5] == "click"
    assert rejects[0][1:3] == (2, "missing_event_type")


def test_blank_lines_skipped(tmp_path):
    path = tmp_path / "log.tsv"
    path.write_text(f"{GOOD}\n\n   \n{GOOD.replace('100', '101')}", encoding="utf-8")
    events, rejects, files = read_file(path)
    assert [event[2] for _, event in events] == [1, 4]
    assert rejects == []
    assert (files[0]["input_rows"], files[0]["blank_lines"]) == (2, 2)


@pytest.mark.parametrize("line_break", ["\n", "\r\n"])
def test_line_breaks_stripped(tmp_path, line_break):
    path = tmp_path / "log.tsv"
    path.write_bytes(f"{GOOD}{line_break}".encode())
    events, rejects, _ = read_file(path)
    assert events == [("1", (100, 0, 1, "10", 5.0, None))]
    assert rejects == []


def test_byte_order_mark_stripped(tmp_path):
    path = tmp_path / "log.tsv"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode() + b"\n")
    events, rejects, _ = read_file(path)
    assert events[0][0] == "1"
    assert rejects == []


def test_last_line_without_break(tmp_path):
    path = tmp_path / "log.tsv"
    path.write_bytes(f"{GOOD}\r\n{GOOD.replace('100', '101')}".encode())
    events, _, files = read_file(path)
    assert [event[0] for _, event in events] == [100, 101]
    assert files[0]["input_rows"] == 2
