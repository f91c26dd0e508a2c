"""Runs that must stop with a clear error instead of publishing a doubtful output."""

from __future__ import annotations

import pytest

from clrec.preprocess import PreprocessError, run_preprocess
from tests.preprocess.helpers import HEADERLESS_TSV, make_config, with_preprocess, write_rows

# Users 1 and 2 with 3 events each, on items 10, 11 and 12 with ratings 5, 4 and 3.
ROWS = [f"{user}\t{item}\t{rating}\t{100 + n}" for n, (user, item, rating) in enumerate(
    [(1, 10, 5), (1, 11, 4), (1, 12, 3), (2, 10, 5), (2, 11, 4), (2, 12, 3)]
)]


def test_rejected_share_over_limit(run_on_rows):
    # 1 bad row in 7 is 14%, over the default 1%.
    with pytest.raises(PreprocessError, match=r"1 of 7 input rows were rejected") as raised:
        run_on_rows([*ROWS, "3\t10\t5\tnot-a-time"])
    assert "preprocess.max_rejected_fraction=0.01" in str(raised.value)


def test_rejected_share_failure_keeps_rejects(tmp_path):
    write_rows(tmp_path / "input" / "log.tsv", [*ROWS, "3\t10\t5"])
    output = tmp_path / "output"
    output.mkdir()
    (output / "manifest.json").write_text("{}")
    with pytest.raises(PreprocessError, match="were rejected"):
        run_preprocess(make_config(), tmp_path / "input", output)
    assert not (output / "manifest.json").exists()
    assert "wrong_column_count" in (output / "rejects.jsonl").read_text()


def test_empty_file(run_on_rows):
    with pytest.raises(PreprocessError, match=r"contain no rows"):
        run_on_rows([])


def test_rating_filter_empties(run_on_rows):
    preprocess = with_preprocess(HEADERLESS_TSV, filter={"min_rating": 6})
    with pytest.raises(PreprocessError, match=r"the rating filter \(preprocess.filter.min_rating=6.0\) removed all of the 6"):
        run_on_rows(ROWS, preprocess)


def test_event_type_filter_empties(run_on_rows):
    preprocess = with_preprocess(
        HEADERLESS_TSV,
        input={"paths": ["log.tsv"], "format": "tsv", "field_names": ["user", "item", "rating", "ts", "kind"]},
        columns={"user": "user", "item": "item", "timestamp": "ts", "rating": "rating", "event_type": "kind"},
        filter={"event_types": ["purchase"]},
    )
    with pytest.raises(PreprocessError, match=r"the event-type filter"):
        run_on_rows([f"{row}\tclick" for row in ROWS], preprocess)


def test_kcore_empties(run_on_rows):
    preprocess = with_preprocess(HEADERLESS_TSV, kcore={"min_user_events": 4})
    with pytest.raises(PreprocessError, match=r"k-core filtering \(preprocess.kcore.min_user_events=4"):
        run_on_rows(ROWS, preprocess)


def test_kcore_not_converged(run_on_rows):
    # Item 99 has one event, so round 1 drops it and user 3 (left with 1 event);
    # item 13 then has 1 event but only a second round would drop it.
    rows = [*ROWS, "3\t99\t5\t200", "3\t13\t5\t201", "1\t13\t5\t202"]
    preprocess = with_preprocess(
        HEADERLESS_TSV, kcore={"min_user_events": 2, "min_item_events": 2, "max_rounds": 1}
    )
    with pytest.raises(PreprocessError, match=r"did not converge in 1 rounds: 1 items"):
        run_on_rows(rows, preprocess)


def test_no_matching_file(tmp_path):
    (tmp_path / "input").mkdir()
    with pytest.raises(PreprocessError, match=r"no input file matches .*log.tsv"):
        run_preprocess(make_config(), tmp_path / "input", tmp_path / "output")


def test_header_lacks_mapped_field(tmp_path):
    write_rows(tmp_path / "input" / "log.csv", ["user,item,when", "1,10,100"])
    preprocess = with_preprocess(
        HEADERLESS_TSV, input={"paths": ["*.csv"], "format": "csv", "header": True, "field_names": []}
    )
    with pytest.raises(PreprocessError, match=r"has no field \['ts', 'rating'\]"):
        run_preprocess(make_config(preprocess), tmp_path / "input", tmp_path / "output")
