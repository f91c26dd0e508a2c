"""The evaluate step with the real training and registry packages, end to end.

An untrained two-tower model is evaluated (first run), published with the
registry's `publish_model`, and evaluated again: the production model is
then the same model, so it must score exactly the same on the same data.
"""

from __future__ import annotations

import numpy as np
import pytest

from clrec.config import load_config
from clrec.evaluate import evaluate_model
from tests.evaluate.builders import write_preprocess_output

NUM_ITEMS = 12
TINY = [
    "train.model.dim=8",
    "train.model.max_length=6",
    "train.model.num_layers=1",
    "train.model.num_heads=2",
    "train.model.dropout=0.0",
    "train.model.feature_dim=4",
    "evaluate.sampled.num_negatives=4",
    "evaluate.gate.hr_floor=0.0",
    "evaluate.gate.popularity_index_ceiling=1.0",
]


def _users(num_users: int) -> list[dict]:
    generator = np.random.default_rng(0)
    users = []
    for _ in range(num_users):
        items = generator.choice(np.arange(1, NUM_ITEMS + 1), size=int(generator.integers(4, 8)), replace=False)
        users.append({"train": items[:-2].tolist(), "valid": int(items[-2]), "test": int(items[-1])})
    return users


@pytest.fixture
def trained_inputs(tmp_path):
    from clrec.train.artifacts import write_model_dir
    from clrec.train.model_builder import build_model

    users = _users(30)
    popularity = np.bincount(np.concatenate([user["train"] for user in users]), minlength=NUM_ITEMS + 1)[1:]
    item_ids = [f"movie-{item}" for item in range(1, NUM_ITEMS + 1)]
    sequences = write_preprocess_output(tmp_path / "sequences", item_ids, popularity.tolist(), users)
    (sequences / "manifest.json").write_text("{}\n", encoding="utf-8")
    config = load_config(None, TINY)
    model_dir = tmp_path / "model"
    write_model_dir(build_model(config.train.model, NUM_ITEMS, None), model_dir, {})
    return config, sequences, model_dir


def test_publish_then_compare(trained_inputs, tmp_path):
    from clrec.registry import publish_model

    config, sequences, model_dir = trained_inputs
    registry = tmp_path / "registry"
    registry.mkdir()

    first = evaluate_model(config, sequences, model_dir, tmp_path / "evaluation-1", str(registry))
    assert first["gate"]["first_run"] is True
    assert first["gate"]["promote"] is True

    manifest = publish_model(config, model_dir, tmp_path / "evaluation-1", str(registry), sequences_dir=sequences)
    second = evaluate_model(config, sequences, model_dir, tmp_path / "evaluation-2", str(registry))
    production = second["metrics"]["production"]

    assert production["version"] == manifest["version"]
    assert production["users_with_unknown_target"] == 0
    assert production["history_items_unknown"] == 0
    for name, value in second["metrics"]["full_corpus"]["test"].items():
        if name != "users":
            assert production["test"][name] == pytest.approx(value), name
    assert second["gate"]["first_run"] is False
    assert second["gate"]["promote"] is True
