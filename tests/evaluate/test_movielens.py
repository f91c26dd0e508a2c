"""The gate and the sampled protocol on MovieLens-100K with a popularity-only model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clrec.config import load_config
from clrec.evaluate import evaluate_model
from tests.evaluate.builders import write_model, write_preprocess_output

pytestmark = pytest.mark.mirror


@pytest.fixture(scope="module")
def movielens_sequences(mirror_dir, tmp_path_factory):
    """Leave-one-out split of u.data by timestamp: last event test, second last validation."""
    ratings = pd.read_csv(
        mirror_dir / "ml-100k" / "u.data", sep="\t", names=["user", "item", "rating", "timestamp"]
    )
    ratings = ratings.sort_values(["user", "timestamp", "item"], kind="stable")
    users = []
    for _, group in ratings.groupby("user", sort=True):
        items = group["item"].tolist()
        users.append({"train": items[:-2], "valid": items[-2], "test": items[-1]})
    num_items = int(ratings["item"].max())
    popularity = np.zeros(num_items + 1, dtype=np.int64)
    for user in users:
        np.add.at(popularity, user["train"], 1)
    directory = tmp_path_factory.mktemp("movielens")
    item_ids = [str(item) for item in range(1, num_items + 1)]
    return write_preprocess_output(directory / "sequences", item_ids, popularity[1:].tolist(), users), popularity


def test_popularity_model_rejected(standin, movielens_sequences, tmp_path):
    # One-dimensional embeddings equal to the training popularity: every
    # user vector is positive, so the scores rank items by popularity.
    sequences, popularity = movielens_sequences
    model = write_model(tmp_path / "model", popularity[:, None].astype(np.float32), "dot")
    config = load_config(None)
    result = evaluate_model(config, sequences, model, tmp_path / "evaluation", registry_url=None)
    metrics = result["metrics"]

    assert metrics["full_corpus"]["test"]["users"] == 943
    # The most-popular list clears the floor but not the popularity ceiling.
    assert metrics["primary_metric"]["value"] > config.evaluate.gate.hr_floor
    assert metrics["bias"]["test"]["popularity_index"] > config.evaluate.gate.popularity_index_ceiling
    assert result["gate"]["failed_checks"] == ["popularity_index_ceiling"]
    assert result["gate"]["promote"] is False


def test_popularity_model_sampled_protocols(standin, movielens_sequences, tmp_path):
    sequences, popularity = movielens_sequences
    model = write_model(tmp_path / "model", popularity[:, None].astype(np.float32), "dot")
    hit_rates = {}
    for sampler in ("popularity", "uniform"):
        config = load_config(None, [f"evaluate.sampled.sampler={sampler}"])
        result = evaluate_model(config, sequences, model, tmp_path / sampler, registry_url=None)
        hit_rates[sampler] = result["metrics"]["sampled"]["test"]["hr@10"]
    # Chance is 10/101 = 0.099. Uniform negatives are mostly unpopular
    # movies, so ranking by popularity looks strong against them (0.31 when
    # this test was written). Popularity-sampled negatives bring it to
    # chance (0.087).
    assert hit_rates["uniform"] > 2.5 * 10 / 101
    assert hit_rates["popularity"] < 1.5 * 10 / 101
