"""The shipped configurations on the real datasets, read from the mirror in CLREC_DATA_MIRROR."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from clrec.config import load_config
from clrec.preprocess import run_preprocess
from tests.preprocess.helpers import read_table

CONFIGS = Path(__file__).resolve().parents[2] / "configs"

pytestmark = pytest.mark.mirror


def test_movielens_all_ratings(mirror_dir, tmp_path):
    config = load_config(CONFIGS / "ml-100k.yaml")
    manifest = run_preprocess(config, mirror_dir / "ml-100k", tmp_path)
    assert manifest["users"] == 943
    assert manifest["items"] == 1682
    assert manifest["events"] == 100_000
    assert manifest["rows"]["rejected"] == 0
    # Every MovieLens user has at least 20 ratings, so each has both targets.
    assert manifest["events_by_split"] == {"train": 100_000 - 2 * 943, "valid": 943, "test": 943}
    assert manifest["inputs"][0]["sha256"] == "06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490"


def movielens_liked(mirror_dir: Path) -> pd.DataFrame:
    """Ratings >= 4 from u.data, each user's events ordered by (timestamp, line), computed with pandas."""
    frame = pd.read_csv(mirror_dir / "ml-100k" / "u.data", sep="\t", names=["user", "item", "rating", "ts"])
    frame["line"] = frame.index + 1
    liked = frame[frame["rating"] >= 4].sort_values(["user", "ts", "line"])
    liked["from_end"] = liked.groupby("user").cumcount(ascending=False)
    liked["count"] = liked.groupby("user")["item"].transform("size")
    return liked


def test_movielens_liked_matches_pandas(mirror_dir, tmp_path):
    config = load_config(CONFIGS / "ml-100k.yaml", ["preprocess.filter.min_rating=4"])
    manifest = run_preprocess(config, mirror_dir / "ml-100k", tmp_path)
    liked = movielens_liked(mirror_dir)
    with_targets = liked[liked["count"] >= 3]

    assert manifest["users"] == liked["user"].nunique()
    assert manifest["items"] == liked["item"].nunique()
    assert manifest["events"] == len(liked)
    assert manifest["removed_by_reason"]["below_min_rating"] == 100_000 - len(liked)
    assert manifest["events_by_split"]["test"] == with_targets["user"].nunique()

    items = read_table(tmp_path, "items.parquet").to_pandas().set_index("item_idx")["item_id"].astype(int)
    sequences = read_table(tmp_path, "sequences.parquet").to_pandas()
    sequences["user"] = sequences["user_id"].astype(int)
    sequences = sequences.set_index("user")
    expected_test = with_targets[with_targets["from_end"] == 0].set_index("user")["item"]
    expected_valid = with_targets[with_targets["from_end"] == 1].set_index("user")["item"]
    targets = sequences.loc[expected_test.index]
    assert targets["test_item"].map(items).tolist() == expected_test.tolist()
    assert targets["valid_item"].map(items).tolist() == expected_valid.loc[expected_test.index].tolist()

    # Popularity counts training events: all but the last two of users with targets.
    train = liked[(liked["count"] < 3) | (liked["from_end"] >= 2)]
    expected_popularity = train.groupby("item").size()
    popularity = read_table(tmp_path, "items.parquet").to_pandas().set_index("item_id")["popularity"]
    popularity.index = popularity.index.astype(int)
    assert popularity.loc[expected_popularity.index].tolist() == expected_popularity.tolist()
    assert popularity.sum() == len(train)


@pytest.fixture(scope="module")
def beauty(mirror_dir, tmp_path_factory):
    output = tmp_path_factory.mktemp("beauty")
    manifest = run_preprocess(load_config(CONFIGS / "amazon-beauty.yaml"), mirror_dir / "amazon-beauty", output)
    return manifest, output


def test_beauty_counts(beauty):
    manifest, _ = beauty
    assert manifest["users"] == 40_226
    assert manifest["items"] == 54_542
    assert manifest["events"] == 353_962
    assert manifest["has_timestamps"] is False
    # Every user has at least 5 events, so each has both targets.
    assert manifest["events_by_split"] == {"train": 353_962 - 2 * 40_226, "valid": 40_226, "test": 40_226}


def test_beauty_file_order(beauty, mirror_dir):
    _, output = beauty
    frame = pd.read_csv(mirror_dir / "amazon-beauty" / "beauty.txt", sep=" ", names=["user", "item"])
    first_user = frame[frame["user"] == 1]["item"].tolist()
    sequences = read_table(output, "sequences.parquet").slice(0, 1).to_pylist()[0]
    items = read_table(output, "items.parquet").to_pandas().set_index("item_idx")["item_id"].astype(int)
    order = [*sequences["train_items"], sequences["valid_item"], sequences["test_item"]]
    assert [items[index] for index in order] == first_user
    assert sequences["train_timestamps"] == list(range(len(first_user) - 2))
