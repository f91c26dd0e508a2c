"""A small hand-written log through the whole Beam pipeline, every output checked by hand.

The log (user, item, rating, timestamp), with its 1-based line numbers:

     1  1 10 5 100        11  4  3 2 320
     2  2  9 4 150        12  3  2 1 510   rating 1 < min_rating 2
     3  1  1 3 200  tie   13  5  9 5 330
     4  4 77 5 300        14  2  2 4 170
     5  1  9 4 200  tie   15  1 10 2  50   earliest of user 1
     6  2 10 3 160        16  3 10 4 520
     7  5  3 4 310        17  x  1 5  -7   negative timestamp: rejected
     8  2 10 3 160  dup   18  2  1 4       3 fields: rejected
     9  3  1 5 500        19  2  1 5 180
    10  1  2 5 400

Row accounting: 19 input rows = 16 accepted + 2 rejected + 1 duplicate.
The rating filter removes line 12, leaving 15 events. K-core (2, 2):
item 77 has 1 event, so round 1 drops it and user 4 falls to 1 event and
goes (lines 4, 11); item 3 is then down to 1 event, so round 2 drops it and
user 5 goes (lines 7, 13); round 3 removes nothing. 15 - 4 = 11 events remain.

Items in natural order: "1" -> 1, "2" -> 2, "9" -> 3, "10" -> 4.
User 1 by (timestamp, line): 10@50, 10@100, 1@200 (line 3), 9@200 (line 5),
2@400 -> [4, 4, 1, 3, 2]: train [4, 4, 1], valid 3, test 2.
User 2: 9@150, 10@160, 2@170, 1@180 -> [3, 4, 2, 1]: train [3, 4], valid 2, test 1.
User 3: 1@500, 10@520 -> [1, 4]: fewer than 3 events, train only.
Popularity over training items 4, 4, 1, 3, 4, 1, 4: item 1 -> 2, 2 -> 0, 3 -> 1, 4 -> 4.
"""

from __future__ import annotations

import hashlib

import pytest

from clrec.preprocess import run_preprocess
from tests.preprocess.helpers import HEADERLESS_TSV, make_config, read_rejects, read_table, with_preprocess, write_rows

ROWS = [
    "1\t10\t5\t100",
    "2\t9\t4\t150",
    "1\t1\t3\t200",
    "4\t77\t5\t300",
    "1\t9\t4\t200",
    "2\t10\t3\t160",
    "5\t3\t4\t310",
    "2\t10\t3\t160",
    "3\t1\t5\t500",
    "1\t2\t5\t400",
    "4\t3\t2\t320",
    "3\t2\t1\t510",
    "5\t9\t5\t330",
    "2\t2\t4\t170",
    "1\t10\t2\t50",
    "3\t10\t4\t520",
    "x\t1\t5\t-7",
    "2\t1\t4",
    "2\t1\t5\t180",
]

GOLDEN_CONFIG = with_preprocess(
    HEADERLESS_TSV,
    filter={"min_rating": 2},
    kcore={"min_user_events": 2, "min_item_events": 2, "max_rounds": 5},
    max_rejected_fraction=0.2,
)


@pytest.fixture(scope="module")
def golden(tmp_path_factory):
    root = tmp_path_factory.mktemp("golden")
    write_rows(root / "input" / "log.tsv", ROWS)
    manifest = run_preprocess(make_config(GOLDEN_CONFIG), root / "input", root / "output")
    return manifest, root / "output"


def test_golden_events(golden):
    _, output = golden
    rows = read_table(output, "events.parquet").to_pylist()
    expected = [
        (1, 4, 50, 0, "train"),
        (1, 4, 100, 1, "train"),
        (1, 1, 200, 2, "train"),
        (1, 3, 200, 3, "valid"),
        (1, 2, 400, 4, "test"),
        (2, 3, 150, 0, "train"),
        (2, 4, 160, 1, "train"),
        (2, 2, 170, 2, "valid"),
        (2, 1, 180, 3, "test"),
        (3, 1, 500, 0, "train"),
        (3, 4, 520, 1, "train"),
    ]
    assert [(r["user_idx"], r["item_idx"], r["timestamp"], r["position"], r["split"]) for r in rows] == expected


def test_golden_sequences(golden):
    _, output = golden
    rows = read_table(output, "sequences.parquet").to_pylist()
    assert rows[0] == {
        "user_idx": 1,
        "user_id": "1",
        "train_items": [4, 4, 1],
        "train_timestamps": [50, 100, 200],
        "valid_item": 3,
        "valid_timestamp": 200,
        "test_item": 2,
        "test_timestamp": 400,
    }
    assert rows[1] == {
        "user_idx": 2,
        "user_id": "2",
        "train_items": [3, 4],
        "train_timestamps": [150, 160],
        "valid_item": 2,
        "valid_timestamp": 170,
        "test_item": 1,
        "test_timestamp": 180,
    }
    assert rows[2] == {
        "user_idx": 3,
        "user_id": "3",
        "train_items": [1, 4],
        "train_timestamps": [500, 520],
        "valid_item": None,
        "valid_timestamp": None,
        "test_item": None,
        "test_timestamp": None,
    }
    assert len(rows) == 3


def test_golden_vocabularies(golden):
    _, output = golden
    items = read_table(output, "items.parquet").to_pylist()
    assert items == [
        {"item_idx": 1, "item_id": "1", "popularity": 2},
        {"item_idx": 2, "item_id": "2", "popularity": 0},
        {"item_idx": 3, "item_id": "9", "popularity": 1},
        {"item_idx": 4, "item_id": "10", "popularity": 4},
    ]
    users = read_table(output, "users.parquet").to_pylist()
    assert users == [{"user_idx": 1, "user_id": "1"}, {"user_idx": 2, "user_id": "2"}, {"user_idx": 3, "user_id": "3"}]


def test_golden_rejects(golden):
    _, output = golden
    rejects = read_rejects(output)
    assert [(r["line"], r["reason"]) for r in rejects] == [(17, "invalid_timestamp"), (18, "wrong_column_count")]
    assert rejects[0]["raw"] == "x\t1\t5\t-7"
    assert rejects[0]["source"].endswith("log.tsv")


def test_golden_removed(golden):
    _, output = golden
    removed = read_table(output, "removed_events.parquet").to_pylist()
    assert [(r["line"], r["user_id"], r["item_id"], r["reason"]) for r in removed] == [
        (4, "4", "77", "kcore"),
        (7, "5", "3", "kcore"),
        (8, "2", "10", "duplicate"),
        (11, "4", "3", "kcore"),
        (12, "3", "2", "below_min_rating"),
        (13, "5", "9", "kcore"),
    ]


def test_golden_manifest_rows(golden):
    manifest, _ = golden
    assert manifest["rows"] == {
        "input": 19,
        "accepted": 16,
        "rejected": 2,
        "duplicates": 1,
        "blank_lines_skipped": 0,
    }
    assert manifest["rejected_by_reason"]["invalid_timestamp"] == 1
    assert manifest["rejected_by_reason"]["wrong_column_count"] == 1
    assert manifest["removed_by_reason"]["below_min_rating"] == 1
    assert manifest["events_removed_by_kcore"] == 4


def test_golden_manifest_counts(golden):
    manifest, output = golden
    assert manifest["kcore"]["events_dropped_per_round"] == [2, 2, 0, 0, 0]
    assert manifest["kcore"]["rounds_with_removals"] == 2
    assert (manifest["users"], manifest["items"], manifest["events"]) == (3, 4, 11)
    assert manifest["events_by_split"] == {"train": 7, "valid": 2, "test": 2}
    assert manifest["users_train_only"] == 1
    assert manifest["has_timestamps"] is True
    stored = (output.parent / "input" / "log.tsv").read_bytes()
    assert manifest["inputs"][0]["sha256"] == hashlib.sha256(stored).hexdigest()
    assert (output / "manifest.json").is_file()
