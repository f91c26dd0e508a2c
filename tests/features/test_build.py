"""The whole feature step through `clrec features`, on synthetic MovieLens-style data."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from clrec.cli.main import app
from clrec.features.names import UNKNOWN_TOKEN
from clrec.features.online import OnlineFeatures, get_item_titles, get_user_history
from tests.features.conftest import REPO_ROOT, copy_feature_repo, make_config, write_movielens_metadata
from tests.features.fixtures import write_preprocess_output

# 1998-01-01T00:00:00Z, so the events fall inside the MovieLens-100K period.
BASE = 883_612_800

# Movie ids get item indices in order of first appearance:
# "1" -> 1, "2" -> 2, "3" -> 3, "7" -> 4, "4" -> 5, "5" -> 6.
# Movie 7 is not in the synthetic u.item and movie 5's line is rejected.
HISTORIES = {
    "u1": [("1", BASE + 1000), ("2", BASE + 2000), ("3", BASE + 3000), ("7", BASE + 4000)],
    "u2": [("4", BASE + 1500), ("5", BASE + 2500), ("1", BASE + 3500)],
    "u3": [("2", BASE + 1200)],
}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("build")
    write_preprocess_output(root / "preprocess", HISTORIES)
    write_movielens_metadata(root / "datasets" / "ml-100k")
    repo_dir = copy_feature_repo(root / "feature_repo")
    overrides = [f"features.repo_dir={repo_dir}", f"paths.feast_data={root / 'feast'}", "features.history_length=3"]
    arguments = ["features", "--config", str(REPO_ROOT / "configs" / "ml-100k.yaml")]
    for override in overrides:
        arguments += ["--set", override]
    arguments += ["--input", str(root / "preprocess"), "--output", str(root / "out"), "--data-dir", str(root / "datasets")]
    result = CliRunner().invoke(app, arguments)
    return {
        "root": root,
        "result": result,
        "config": make_config("ml-100k", repo_dir, root / "feast", "features.history_length=3"),
    }


def test_cli_exit_and_summary(run):
    result = run["result"]
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["rows_requested"] == 6
    assert summary["items_filled_with_unknown"] == 2


def test_item_table_has_every_item(run):
    table = pq.read_table(run["root"] / "out" / "item_features.parquet")
    assert table.column_names == ["item_idx", "release_year", "release_decade", "genres", "title"]
    assert table.column("item_idx").to_pylist() == [1, 2, 3, 4, 5, 6]
    assert str(table.schema.field("item_idx").type) == "int32"


def test_item_table_values(run):
    rows = {row["item_idx"]: row for row in pq.read_table(run["root"] / "out" / "item_features.parquet").to_pylist()}
    assert rows[1] == {
        "item_idx": 1, "release_year": "2003", "release_decade": "2000s", "genres": ["Drama"], "title": "Café Lumière (2003)",
    }  # fmt: skip
    # Movie 2 has an empty release date, movie 3 no genre, movie 4 (index 5) an invalid date.
    assert rows[2]["release_year"] == UNKNOWN_TOKEN
    assert rows[3]["genres"] == [UNKNOWN_TOKEN]
    assert rows[5]["release_decade"] == UNKNOWN_TOKEN
    assert rows[5]["title"] == "Bad Date (1999)"


def test_unknown_items_filled(run):
    rows = {row["item_idx"]: row for row in pq.read_table(run["root"] / "out" / "item_features.parquet").to_pylist()}
    unknown = {"release_year": UNKNOWN_TOKEN, "release_decade": UNKNOWN_TOKEN, "genres": [UNKNOWN_TOKEN], "title": UNKNOWN_TOKEN}
    # Index 4 is movie 7 (absent from u.item), index 6 is movie 5 (rejected line).
    assert rows[4] == {"item_idx": 4, **unknown}
    assert rows[6] == {"item_idx": 6, **unknown}


def test_schema_file(run):
    schema = json.loads((run["root"] / "out" / "feature_schema.json").read_text(encoding="utf-8"))
    assert schema == {
        "categorical": ["release_year", "release_decade"],
        "multi_categorical": ["genres"],
        "text": ["title"],
        "unknown_token": UNKNOWN_TOKEN,
    }


def test_report_counts(run):
    report = json.loads((run["root"] / "out" / "feature_report.json").read_text(encoding="utf-8"))
    assert report["rows_requested"] == 6
    assert report["rows_returned"] == 6
    assert report["rows_missing_from_feast"] == 0
    assert report["items_filled_with_unknown"] == 2
    assert report["items_without_metadata"] == 2
    assert report["items_without_statistics"] == 0
    assert report["unknown_values_per_feature"] == {"release_year": 2, "release_decade": 2, "genres": 2, "title": 2}
    assert report["metadata"]["lines_rejected"] == 2
    assert [reject["line"] for reject in report["metadata"]["rejects"]] == [5, 6]
    assert report["materialized"] == {"item_attributes": "full", "item_statistics": "full", "user_history": "full"}


def test_report_as_of_latest_training_event(run):
    report = json.loads((run["root"] / "out" / "feature_report.json").read_text(encoding="utf-8"))
    # Training events: u1 at +1000 and +2000, u2 at +1500, u3 at +1200; the latest is +2000 s.
    assert report["as_of"] == "1998-01-01T00:33:20+00:00"


def test_online_histories(run):
    online = OnlineFeatures(run["config"])
    # u1's whole sequence is 1, 2, 3, 4; history_length=3 keeps the last three.
    assert online.get_user_history("u1") == [2, 3, 4]
    assert online.get_user_history("u2") == [5, 6, 1]
    assert online.get_user_history("u3") == [2]
    assert online.get_user_history("u4") is None


def test_online_titles(run):
    titles = get_item_titles(run["config"], [1, 4, 5])
    assert titles == {1: "Café Lumière (2003)", 5: "Bad Date (1999)"}
    assert get_user_history(run["config"], "u2") == [5, 6, 1]


def test_cli_missing_input(tmp_path: Path):
    result = CliRunner().invoke(app, ["features", "--input", str(tmp_path / "absent"), "--set", f"paths.feast_data={tmp_path}"])
    assert result.exit_code == 1
    assert "error: preprocessing output not found" in result.stderr
