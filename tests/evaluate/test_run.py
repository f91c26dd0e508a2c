"""The whole evaluate step on a tiny catalog, with and without a production model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from clrec.config import load_config
from clrec.evaluate import evaluate_model
from tests.evaluate.builders import write_model, write_preprocess_output, write_registry_version

ITEM_IDS = ["i1", "i2", "i3", "i4", "i5", "i6"]
POPULARITY = [10, 8, 6, 4, 2, 0]
# Binary fractions keep every inner product exact, so ties are exact too.
EMBEDDINGS = np.array(
    [
        [0.0, 0.0],  # padding
        [1.0, 0.0],  # i1
        [0.75, 0.25],  # i2
        [0.0, 1.0],  # i3
        [0.25, 0.75],  # i4
        [0.5, 0.5],  # i5
        [-1.0, -1.0],  # i6
    ]
)
USERS = [
    {"train": [1], "valid": 2, "test": 5},  # A
    {"train": [3], "valid": 4, "test": 6},  # B
    {"train": [1, 3], "valid": 5},  # C: validation only
    {"train": [2]},  # D: too short for a target
]
OVERRIDES = [
    "evaluate.cutoffs=[1, 2]",
    "evaluate.gate.cutoff=2",
    "evaluate.bias_list_length=2",
    "evaluate.sampled.num_negatives=2",
    "evaluate.gate.hr_floor=0.4",
    "evaluate.gate.popularity_index_ceiling=0.5",
]
PRODUCTION_VERSION = "20260101T000000Z-aaaaaaaa"


@pytest.fixture
def inputs(tmp_path):
    sequences = write_preprocess_output(tmp_path / "sequences", ITEM_IDS, POPULARITY, USERS)
    model = write_model(tmp_path / "model", EMBEDDINGS, "dot")
    return sequences, model


def test_run_first_run(standin, inputs, tmp_path):
    sequences, model = inputs
    output = tmp_path / "evaluation"
    result = evaluate_model(load_config(None, OVERRIDES), sequences, model, output, registry_url=None)
    metrics = result["metrics"]

    # Validation: A ranks 2 first, B ranks 4 first; C's input [1, 3] pools to
    # [0.5, 0.5], where items 2, 4 and 5 all score 0.5, so target 5 is
    # ranked pessimistically at 3. HR@1 = HR@2 = 2/3.
    assert metrics["full_corpus"]["valid"]["hr@1"] == pytest.approx(2 / 3)
    assert metrics["full_corpus"]["valid"]["hr@2"] == pytest.approx(2 / 3)
    # Test: A's input [1, 2] pools to [0.875, 0.125]; with 1 and 2 excluded,
    # item 5 (0.5) is first. B's target 6 scores -1 and is ranked 4th.
    assert metrics["full_corpus"]["test"]["hr@2"] == pytest.approx(0.5)
    assert metrics["primary_metric"] == {"name": "hr@2", "split": "test", "value": 0.5}
    # Test lists [5, 4] and [5, 2]; percentiles 0.2, 0.4, 0.2, 0.8 -> 0.4.
    assert metrics["bias"]["test"]["popularity_index"] == pytest.approx(0.4)
    assert metrics["bias"]["test"]["aggregate_diversity"] == 3
    assert metrics["bias"]["test"]["catalog_coverage"] == pytest.approx(0.5)
    # Sampled: A's target beats both negatives, B's target (-1) is last of 3.
    assert metrics["sampled"]["test"]["hr@1"] == pytest.approx(0.5)
    assert metrics["sampled"]["test"]["mrr"] == pytest.approx((1 + 1 / 3) / 2)
    assert metrics["sampled"]["protocol"]["num_negatives"] == 2
    # Validation: A (0.75 against 3 and 4) and B (0.75 against two of 1, 2
    # and 5) rank first; C's target 5 ties its only eligible negatives 2 and
    # 4 at 0.5 and is ranked third.
    assert metrics["sampled"]["valid"]["hr@1"] == pytest.approx(2 / 3)
    assert metrics["sampled"]["valid"]["mrr"] == pytest.approx((1 + 1 + 1 / 3) / 3)
    assert metrics["sampled"]["protocol"]["valid_users_evaluated"] == 3
    assert metrics["users"]["test_skipped_no_target"] == 2
    assert metrics["production"] is None

    gate = result["gate"]
    assert gate["promote"] is True
    assert gate["first_run"] is True


def test_run_writes_files(standin, inputs, tmp_path):
    sequences, model = inputs
    output = tmp_path / "evaluation"
    result = evaluate_model(load_config(None, OVERRIDES), sequences, model, output, registry_url=None)
    assert json.loads((output / "metrics.json").read_text())["primary_metric"]["value"] == 0.5
    assert json.loads((output / "gate.json").read_text()) == result["gate"]
    assert (output / "popularity.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = (output / "report.html").read_text()
    assert "Promotion gate" in report
    assert "data:image/png;base64," in report
    assert "popularity_index" in report
    assert "every test user" in report


def test_run_against_production(standin, inputs, tmp_path):
    sequences, model = inputs
    registry = tmp_path / "registry"
    # Production has i1..i5 under other indices and an item x9 that the
    # current catalog lacks. It lacks i6.
    production_idx = [5, 4, 3, 2, 1, 6]
    production_ids = ["i1", "i2", "i3", "i4", "i5", "x9"]
    production_vectors = np.vstack([EMBEDDINGS[1:6], [[2.0, 2.0]]])
    write_registry_version(registry, PRODUCTION_VERSION, production_idx, production_ids, production_vectors, "dot")

    result = evaluate_model(load_config(None, OVERRIDES), sequences, model, tmp_path / "out", str(registry))
    production = result["metrics"]["production"]

    # A: x9 scores 2 and outranks target i5 (0.5): rank 2, a hit at K = 2.
    # B: target i6 is unknown to production, a miss. HR@2 = 1/2.
    assert production["version"] == PRODUCTION_VERSION
    assert production["test"]["hr@2"] == pytest.approx(0.5)
    assert production["test"]["hr@1"] == pytest.approx(0.0)
    assert production["users_with_unknown_target"] == 1
    assert production["history_items_unknown"] == 0
    # x9 appears in both production lists and has no current item_idx.
    assert production["recommended_items_unknown"] == 2

    gate = result["gate"]
    comparison = next(check for check in gate["checks"] if check["name"] == "production_comparison")
    assert gate["first_run"] is False
    assert comparison["production_value"] == pytest.approx(0.5)
    assert gate["promote"] is True


def test_run_empty_registry_is_first_run(standin, inputs, tmp_path):
    sequences, model = inputs
    registry = tmp_path / "empty-registry"
    registry.mkdir()
    result = evaluate_model(load_config(None, OVERRIDES), sequences, model, tmp_path / "out", str(registry))
    assert result["gate"]["first_run"] is True
    assert "has no production version" in result["gate"]["checks"][1]["reason"]


def test_run_sampled_disabled(standin, inputs, tmp_path):
    sequences, model = inputs
    config = load_config(None, [*OVERRIDES, "evaluate.sampled.enabled=false"])
    result = evaluate_model(config, sequences, model, tmp_path / "out", registry_url=None)
    assert result["metrics"]["sampled"] is None
    assert "Disabled in the configuration" in (tmp_path / "out" / "report.html").read_text()
