"""The feature step on the real MovieLens-100K item file from the dataset mirror."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from clrec.features import build_features
from clrec.features.names import UNKNOWN_TOKEN
from clrec.features.online import OnlineFeatures
from tests.features.conftest import copy_feature_repo, make_config
from tests.features.fixtures import write_preprocess_output

pytestmark = pytest.mark.mirror

# Movie 1 is Toy Story; movie 267 is the one line of u.item with an empty
# release date. Item indices: "1" -> 1, "50" -> 2, "267" -> 3.
BASE = 883_612_800
HISTORIES = {
    "1": [("1", BASE), ("50", BASE + 60), ("267", BASE + 120)],
    "2": [("50", BASE + 30), ("1", BASE + 90)],
}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, mirror_dir: Path) -> dict:
    root = tmp_path_factory.mktemp("movielens")
    write_preprocess_output(root / "preprocess", HISTORIES)
    config = make_config("ml-100k", copy_feature_repo(root / "feature_repo"), root / "feast")
    report = build_features(config, root / "preprocess", mirror_dir / "ml-100k", root / "out")
    rows = pq.read_table(root / "out" / "item_features.parquet").to_pylist()
    return {"config": config, "report": report, "rows": {row["item_idx"]: row for row in rows}}


def test_toy_story_reads_back(run):
    toy_story = run["rows"][1]
    assert toy_story["title"] == "Toy Story (1995)"
    assert toy_story["genres"] == ["Animation", "Children's", "Comedy"]
    assert toy_story["release_year"] == "1995"
    assert toy_story["release_decade"] == "1990s"


def test_empty_release_date_unknown(run):
    assert run["rows"][3]["release_year"] == UNKNOWN_TOKEN
    assert run["rows"][3]["release_decade"] == UNKNOWN_TOKEN


def test_report_no_missing_items(run):
    assert run["report"]["rows_requested"] == 3
    assert run["report"]["items_filled_with_unknown"] == 0
    assert run["report"]["metadata"]["lines_read"] == 1682


def test_online_title_and_history(run):
    online = OnlineFeatures(run["config"])
    assert online.get_item_titles([1]) == {1: "Toy Story (1995)"}
    # User "1" saw movies 1, 50, 267 in that order: item indices 1, 2, 3.
    assert online.get_user_history("1") == [1, 2, 3]
