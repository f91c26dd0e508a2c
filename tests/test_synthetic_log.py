"""Tests of the synthetic click-log generator in benchmarks/synthetic_log.py."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

MODULE_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "synthetic_log.py"
NUM_EVENTS = 50_000
NUM_ITEMS = 5_000


def _load_module():
    spec = importlib.util.spec_from_file_location("synthetic_log", MODULE_PATH)
    module = importlib.util.module_from_spec(spec)
    # Dataclasses look their module up in sys.modules while the class is built.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


synthetic_log = _load_module()


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Write one log and read both files back as the preprocess step would see them."""
    folder = tmp_path_factory.mktemp("synthetic")
    synthetic_log.write_synthetic_log(folder, NUM_EVENTS, NUM_ITEMS, seed=3)
    events = pd.read_csv(folder / synthetic_log.EVENTS_FILE, sep="\t", header=None, names=["user", "item", "timestamp"])
    items = pd.read_csv(folder / synthetic_log.ITEMS_FILE, sep="\t", header=None, names=["item", "category"])
    return events, items


def test_log_has_exact_event_count(written):
    events, _ = written
    assert len(events) == NUM_EVENTS


def test_every_user_has_three_events(written):
    events, _ = written
    per_user = events.groupby("user").size()
    assert per_user.min() >= 3
    assert sorted(per_user.index) == list(range(1, len(per_user) + 1))


def test_timestamps_increase_per_user(written):
    events, _ = written
    # The file is in time order, so each user's rows already come in their own order.
    assert events["timestamp"].is_monotonic_increasing
    steps = events.groupby("user")["timestamp"].diff().dropna()
    assert (steps > 0).all()


def test_top_items_take_large_share(written):
    events, _ = written
    counts = np.sort(events["item"].value_counts().to_numpy())[::-1]
    top_share = counts[: NUM_ITEMS // 100].sum() / NUM_EVENTS
    # Zipf exponent 1 over 5,000 items gives the top 1% about half the clicks.
    assert top_share > 0.3
    assert events["item"].between(1, NUM_ITEMS).all()


def test_categories_cover_every_item(written):
    _, items = written
    assert items["item"].tolist() == list(range(1, NUM_ITEMS + 1))
    assert items["category"].between(1, 50).all()


def test_users_favour_few_categories(written):
    events, items = written
    category = items.set_index("item")["category"]
    joined = events.assign(category=events["item"].map(category))
    top_three = joined.groupby(["user", "category"]).size().groupby(level="user").apply(
        lambda counts: counts.nlargest(3).sum() / counts.sum()
    )
    # Without category preference (preference_share 0) this mean is about 0.49,
    # mostly from users with few events, against about 0.86 with the default 0.8.
    assert top_three.mean() > 0.7


def test_generation_is_seeded():
    first = synthetic_log.generate_log(1_000, 100, seed=5)
    second = synthetic_log.generate_log(1_000, 100, seed=5)
    assert np.array_equal(first.items, second.items)
    assert np.array_equal(first.timestamps, second.timestamps)


def test_tiny_catalog_and_short_log():
    log = synthetic_log.generate_log(7, 3, seed=0)
    assert len(log.users) == 7
    assert np.bincount(log.users)[1:].min() >= 3
    assert set(log.items.tolist()) <= {1, 2, 3}


def test_too_few_events_rejected():
    with pytest.raises(ValueError, match="num_events must be at least 3"):
        synthetic_log.generate_log(2, 10, seed=0)
