"""The manifest checks raise on broken row accounting, too many rejects and empty results."""

from __future__ import annotations

import copy

import pytest

from clrec.preprocess import PreprocessError
from clrec.preprocess.manifest import build_manifest, check_not_empty, check_rejected_share, check_row_accounting
from tests.preprocess.helpers import make_config

# 100 input rows: 97 accepted, 2 rejected, 1 duplicate; 7 accepted events fall below
# the rating threshold, so 90 events are written.
STATS = {
    "counters": {
        "accepted_rows": 97,
        "rejected.wrong_column_count": 2,
        "removed.duplicate": 1,
        "removed.below_min_rating": 7,
    },
    "files": [{"file_index": 0, "path": "log.tsv", "sha256": "0" * 64, "size_bytes": 1, "input_rows": 100, "blank_lines": 0}],
    "outputs": {
        "events": 90,
        "users": 3,
        "items": 4,
        "events_by_split": {"train": 84, "valid": 3, "test": 3},
        "users_train_only": 0,
    },
}


def manifest_with(**changes):
    stats = copy.deepcopy(STATS)
    stats["counters"].update(changes.pop("counters", {}))
    stats["outputs"].update(changes)
    return build_manifest(stats, make_config())


def test_accounting_holds():
    manifest = manifest_with()
    assert manifest["rows"] == {"input": 100, "accepted": 97, "rejected": 2, "duplicates": 1, "blank_lines_skipped": 0}
    check_row_accounting(manifest)


def test_accounting_lost_rows():
    # One accepted row fewer: 96 + 2 + 1 = 99, not 100.
    manifest = manifest_with(counters={"accepted_rows": 96})
    with pytest.raises(PreprocessError, match="100 input rows but 96 accepted"):
        check_row_accounting(manifest)


def test_accounting_lost_events():
    # 89 written + 7 removed = 96, not the 97 accepted rows.
    manifest = manifest_with(events=89)
    with pytest.raises(PreprocessError, match="event accounting does not add up"):
        check_row_accounting(manifest)


def test_rejected_share_at_limit_passes():
    # 2 of 100 rows is 2%; a limit of exactly 0.02 is not exceeded.
    manifest = manifest_with()
    manifest["max_rejected_fraction"] = 0.02
    check_rejected_share(manifest, "out")


def test_rejected_share_over_limit():
    manifest = manifest_with()
    with pytest.raises(PreprocessError, match=r"2 of 100 input rows were rejected \(2.00%\)") as raised:
        check_rejected_share(manifest, "out")
    assert "preprocess.max_rejected_fraction=0.01" in str(raised.value)
    assert "out/rejects.jsonl" in str(raised.value)


def test_empty_names_rating_filter():
    manifest = manifest_with(events=0, counters={"removed.below_min_rating": 97})
    with pytest.raises(PreprocessError, match="the rating filter"):
        check_not_empty(manifest, make_config())
