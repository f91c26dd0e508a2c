"""Tests of the synthetic click-log generator in benchmarks/synthetic_log.py."""

from __future__ import annotations

import argparse
import importlib.util
import math
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


@pytest.mark.parametrize("text", ["inf", "-inf", "nan", "1e400", "Infinity"])
def test_count_rejects_non_finite(text):
    with pytest.raises(argparse.ArgumentTypeError, match="finite whole number") as caught:
        synthetic_log.parse_count(text)
    assert repr(text) in str(caught.value)


def test_count_accepts_scientific_notation():
    assert synthetic_log.parse_count("1e5") == 100_000
    assert synthetic_log.parse_count("1_000") == 1_000


def test_count_rejects_below_minimum():
    with pytest.raises(argparse.ArgumentTypeError, match="at least 3"):
        synthetic_log.parse_count("2", minimum=3)


# Each case: the flag and bad value added to a valid command line, and what the message must contain.
BAD_FLAGS = [
    (["--events", "inf"], ["argument --events", "'inf'", "finite whole number of at least 3"]),
    (["--events", "nan"], ["argument --events", "'nan'", "finite whole number"]),
    (["--events", "2"], ["argument --events", "'2'", "at least 3"]),
    (["--items", "0"], ["argument --items", "'0'", "at least 1"]),
    (["--mean-length", "2"], ["argument --mean-length", "'2'", "at least 3"]),
    (["--mean-length", "inf"], ["argument --mean-length", "'inf'", "finite number"]),
    (["--categories", "0"], ["argument --categories", "0", "at least 1"]),
    (["--categories-per-user", "0"], ["argument --categories-per-user", "0", "at least 1"]),
    (["--seed", "-1"], ["argument --seed", "-1", "at least 0"]),
    (["--zipf-exponent", "-0.5"], ["argument --zipf-exponent", "'-0.5'", "at least 0"]),
    (["--zipf-exponent", "nan"], ["argument --zipf-exponent", "'nan'", "finite number"]),
    (["--preference-share", "1.5"], ["argument --preference-share", "'1.5'", "at most 1"]),
]


@pytest.mark.parametrize(("bad_args", "expected"), BAD_FLAGS, ids=[" ".join(case[0]) for case in BAD_FLAGS])
def test_cli_names_bad_flag(tmp_path, capsys, bad_args, expected):
    output_dir = tmp_path / "log"
    argv = ["--events", "100", "--items", "10", "--output-dir", str(output_dir), *bad_args]
    with pytest.raises(SystemExit) as caught:
        synthetic_log.main(argv)
    assert caught.value.code == 2
    message = capsys.readouterr().err
    for part in expected:
        assert part in message
    assert not output_dir.exists()


def test_cli_rejects_file_as_output_dir(tmp_path, capsys):
    output_file = tmp_path / "taken"
    output_file.write_text("", encoding="utf-8")
    with pytest.raises(SystemExit) as caught:
        synthetic_log.main(["--events", "100", "--items", "10", "--output-dir", str(output_file)])
    assert caught.value.code == 2
    assert "--output-dir" in capsys.readouterr().err


def test_cli_writes_small_log(tmp_path, capsys):
    output_dir = tmp_path / "log"
    synthetic_log.main(["--events", "1e3", "--items", "100", "--seed", "1", "--output-dir", str(output_dir)])
    assert "wrote 1,000 events" in capsys.readouterr().out
    assert (output_dir / synthetic_log.EVENTS_FILE).is_file()
    assert (output_dir / synthetic_log.ITEMS_FILE).is_file()


def test_help_shows_defaults(capsys):
    with pytest.raises(SystemExit):
        synthetic_log.main(["--help"])
    usage = " ".join(capsys.readouterr().out.split())
    assert "Popularity exponent, 0 or more; 0 gives uniform popularity (default: 1.0)" in usage
    assert "Number of item categories (default: 50)" in usage
    assert "Preferred categories per user (default: 3)" in usage
    assert "preferred categories (default: 0.8)" in usage


@pytest.mark.parametrize(
    ("setting", "value"),
    [("zipf_exponent", math.nan), ("mean_length", math.inf), ("preference_share", math.nan), ("span_days", math.inf)],
)
def test_settings_reject_non_finite(setting, value):
    with pytest.raises(ValueError, match=setting):
        synthetic_log.LogSettings(**{setting: value}).check()


def test_invalid_library_call_writes_nothing(tmp_path):
    output_dir = tmp_path / "log"
    with pytest.raises(ValueError, match="num_events must be at least 3"):
        synthetic_log.write_synthetic_log(output_dir, 2, 10, seed=0)
    assert not output_dir.exists()
