"""The whole pipeline on MovieLens-100K with kfp's local runner, as `make run-local` runs it."""

from __future__ import annotations

import json
from pathlib import Path

import faiss
import numpy as np
import pandas as pd
import pytest

from clrec.config import load_config
from clrec.registry import Registry

REPO_ROOT = Path(__file__).resolve().parents[2]
# A short training budget: the test checks the plumbing and that the model
# learns more than popularity, not the best reachable accuracy.
TRAINING_BUDGET = ["train.epochs=6"]

pytestmark = [pytest.mark.slow, pytest.mark.mirror]


def most_popular_hit_rate(sequences: pd.DataFrame, items: pd.DataFrame, k: int) -> float:
    """HR@k of ranking every item by training popularity, on the test split.

    Follows the evaluation protocol: the test input is the training items plus
    the validation item, and the input's items are excluded from the ranking.
    Equal popularity is broken towards the lower item index.
    """
    order = items.sort_values(["popularity", "item_idx"], ascending=[False, True])["item_idx"].to_numpy()
    eligible = sequences[sequences["test_item"].notna()]
    hits = 0
    for row in eligible.itertuples():
        seen = set(int(item) for item in row.train_items) | {int(row.valid_item)}
        top = []
        for item in order:
            if item in seen:
                continue
            top.append(int(item))
            if len(top) == k:
                break
        hits += int(row.test_item) in top
    return hits / len(eligible)


@pytest.fixture(scope="module")
def run(tmp_path_factory, mirror_dir):
    from pipelines.run_local import run_local

    root = tmp_path_factory.mktemp("run-local")
    overrides = [
        f"paths.pipeline_root={root / 'runs'}",
        f"paths.registry={root / 'registry'}",
        f"paths.feast_data={root / 'feast'}",
        *TRAINING_BUDGET,
    ]
    config = load_config(REPO_ROOT / "configs" / "ml-100k.yaml", overrides)
    summary = run_local(config, data_dir=root / "cache", mirror=mirror_dir)
    return summary, config


def test_run_publishes_a_version(run):
    summary, config = run
    registry = Registry(config.paths.registry)
    assert summary["gate"]["promote"] is True
    assert summary["published_version"] is not None
    assert registry.production_version() == summary["published_version"]


def test_index_holds_every_item(run):
    summary, config = run
    run_dir = Path(summary["run_dir"])
    items = pd.read_parquet(run_dir / "preprocess" / "sequences" / "items.parquet")
    version_dir = Path(config.paths.registry) / "versions" / summary["published_version"]
    index = faiss.read_index(str(version_dir / "index.faiss"))
    id_map = pd.read_parquet(version_dir / "item_ids.parquet")
    assert index.ntotal == len(items)
    assert sorted(id_map["item_id"]) == sorted(items["item_id"])
    assert summary["index_path"].endswith("index.faiss")


def test_model_beats_most_popular(run):
    summary, _ = run
    run_dir = Path(summary["run_dir"])
    sequences = pd.read_parquet(run_dir / "preprocess" / "sequences" / "sequences.parquet")
    items = pd.read_parquet(run_dir / "preprocess" / "sequences" / "items.parquet")
    baseline = most_popular_hit_rate(sequences, items, k=50)
    assert summary["hr_at_50"] > baseline, f"model HR@50 {summary['hr_at_50']:.4f} vs most popular {baseline:.4f}"


def test_summary_matches_manifest(run):
    summary, config = run
    manifest = Registry(config.paths.registry).read_manifest(summary["published_version"])
    metrics = manifest["metrics"]
    split = metrics["gate_split"]
    assert summary["hr_at_50"] == pytest.approx(metrics["primary_metric"]["value"])
    assert summary["popularity_index"] == pytest.approx(metrics["bias"][split]["popularity_index"])
    assert manifest["version"] == summary["published_version"]
    assert manifest["index"]["num_items"] == summary["dataset"]["items"]


def test_summary_counts_dataset(run):
    summary, _ = run
    assert summary["dataset"] == {"users": 943, "items": 1682, "events": 100000}
    assert summary["training_seconds"] > 0
    saved = json.loads((Path(summary["run_dir"]) / "summary.json").read_text())
    assert saved["published_version"] == summary["published_version"]
    assert np.isfinite(saved["hr_at_50"])
