"""`clrec recommend` on a model published from MovieLens-100K, through every real step.

Preprocess (Beam), features (Feast, SQLite online store), a short training
run, evaluation and publication run on the mirror's ml-100k files. The
command then reads user 196's history from the online store and prints titles.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clrec.cli.main import app
from clrec.config import dump_config, load_config

REPO_ROOT = Path(__file__).resolve().parents[2]
REQUIRED_MODULES = ("clrec.train.inference", "clrec.features.online", "clrec.preprocess", "clrec.evaluate")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.mirror,
    pytest.mark.skipif(
        any(importlib.util.find_spec(name) is None for name in REQUIRED_MODULES),
        reason=f"needs the real pipeline steps ({', '.join(REQUIRED_MODULES)})",
    ),
]

# A short run: one epoch of a small model, gate thresholds open so the
# undertrained model is still promoted.
OVERRIDES = [
    "train.epochs=1",
    "train.model.dim=16",
    "train.model.num_layers=1",
    "train.model.max_length=20",
    "train.loss.queue_size=256",
    "train.loss.num_negatives=64",
    "train.batch_size=256",
    "train.tensorboard=false",
    "train.progress_bar=false",
    "evaluate.sampled.enabled=false",
    "evaluate.gate.hr_floor=0.0",
    "evaluate.gate.popularity_index_ceiling=1.0",
]


@pytest.fixture(scope="module")
def published(mirror_dir, tmp_path_factory):
    """Run every step on ml-100k and publish; return (config file, registry folder)."""
    from clrec.evaluate import evaluate_model
    from clrec.features import build_features
    from clrec.features.store import checkout_repo_dir
    from clrec.preprocess.run import run_preprocess
    from clrec.registry import publish_model
    from clrec.train.loop import train_model

    root = tmp_path_factory.mktemp("ml100k")
    repo_dir = shutil.copytree(checkout_repo_dir(), root / "feature_repo", ignore=shutil.ignore_patterns("__pycache__"))
    config = load_config(
        REPO_ROOT / "configs" / "ml-100k.yaml",
        [f"features.repo_dir={repo_dir}", f"paths.feast_data={root / 'feast'}", *OVERRIDES],
    )
    raw_dir = Path(mirror_dir) / "ml-100k"
    sequences, features, model, evaluation = (root / name for name in ("sequences", "features", "model", "evaluation"))
    registry = root / "registry"

    run_preprocess(config, raw_dir, sequences, ["--runner=FnApiRunner"])
    build_features(config, sequences, raw_dir, features)
    train_model(config, sequences, features, model, resume=False)
    evaluate_model(config, sequences, model, evaluation, str(registry))
    publish_model(config, model, evaluation, str(registry), sequences_dir=sequences, features_dir=features)

    config_file = root / "config.yaml"
    config_file.write_text(dump_config(config), encoding="utf-8")
    return config_file, registry


def _recommend(published, *args: str):
    config_file, registry = published
    return CliRunner().invoke(app, ["recommend", "--config", str(config_file), "--registry", str(registry), *args])


def test_user_recommendations_have_titles(published):
    result = _recommend(published, "--user-id", "196", "--k", "10", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert len(payload["items"]) == 10
    assert payload["history"], "user 196 has a stored history"
    assert all(item["title"] for item in payload["items"])
    assert not set(payload["history"]) & {item["item_id"] for item in payload["items"]}


def test_history_recommendations_table(published):
    # Raw ids 50 and 181 are Star Wars (1977) and Return of the Jedi (1983).
    result = _recommend(published, "--history", "50,181", "--k", "5")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("top 5 items for a history of 2 items")
    assert len(lines) == 7


def test_unknown_user_message(published):
    result = _recommend(published, "--user-id", "no-such-user")
    assert result.exit_code == 1
    assert "user 'no-such-user' not found in the online store" in result.stderr
