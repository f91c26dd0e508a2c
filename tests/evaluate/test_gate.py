"""The promotion gate: floor, production comparison, popularity ceiling and the first run."""

from __future__ import annotations

import logging

import pytest

from clrec.config.evaluate import GateConfig
from clrec.evaluate.gate import Baseline, decide_promotion

GATE = GateConfig(cutoff=50, hr_floor=0.10, production_tolerance=0.01, popularity_index_ceiling=0.90)
PRODUCTION = Baseline(version="20260101T000000Z-aaaaaaaa", hit_rate=0.30)
NO_PRODUCTION = Baseline(version=None, hit_rate=None, reason="the registry has no production version")


def _check(decision: dict, name: str) -> dict:
    return next(check for check in decision["checks"] if check["name"] == name)


def test_gate_accepts_better_model():
    decision = decide_promotion(GATE, hit_rate=0.32, popularity_index=0.80, baseline=PRODUCTION)
    assert decision["promote"] is True
    assert decision["failed_checks"] == []
    assert decision["first_run"] is False
    assert decision["production_version"] == PRODUCTION.version


def test_gate_accepts_within_tolerance():
    # 0.295 >= 0.30 - 0.01 = 0.29.
    decision = decide_promotion(GATE, hit_rate=0.295, popularity_index=0.80, baseline=PRODUCTION)
    assert decision["promote"] is True
    comparison = _check(decision, "production_comparison")
    assert comparison["threshold"] == pytest.approx(0.29)
    assert comparison["production_value"] == 0.30


def test_gate_rejects_regression():
    # 0.28 < 0.30 - 0.01.
    decision = decide_promotion(GATE, hit_rate=0.28, popularity_index=0.80, baseline=PRODUCTION)
    assert decision["promote"] is False
    assert decision["failed_checks"] == ["production_comparison"]


def test_gate_rejects_below_floor():
    decision = decide_promotion(GATE, hit_rate=0.05, popularity_index=0.80, baseline=NO_PRODUCTION)
    assert decision["promote"] is False
    assert decision["failed_checks"] == ["hr_floor"]
    assert _check(decision, "hr_floor")["value"] == 0.05


def test_gate_rejects_popularity_bias():
    decision = decide_promotion(GATE, hit_rate=0.40, popularity_index=0.95, baseline=PRODUCTION)
    assert decision["promote"] is False
    assert decision["failed_checks"] == ["popularity_index_ceiling"]
    assert _check(decision, "popularity_index_ceiling")["threshold"] == 0.90


def test_gate_boundaries_pass():
    # Each comparison is inclusive: floor and ceiling hit exactly.
    decision = decide_promotion(GATE, hit_rate=0.10, popularity_index=0.90, baseline=NO_PRODUCTION)
    assert decision["promote"] is True


def test_first_run_skips_comparison():
    # No production model: the comparison is skipped and counts as passed,
    # so the floor and the ceiling alone decide.
    decision = decide_promotion(GATE, hit_rate=0.20, popularity_index=0.50, baseline=NO_PRODUCTION)
    comparison = _check(decision, "production_comparison")
    assert decision["promote"] is True
    assert decision["first_run"] is True
    assert comparison["skipped"] is True
    assert comparison["passed"] is True
    assert "no production version" in comparison["reason"]


def test_first_run_still_needs_floor():
    decision = decide_promotion(GATE, hit_rate=0.01, popularity_index=0.50, baseline=NO_PRODUCTION)
    assert decision["promote"] is False
    assert decision["first_run"] is True


def test_gate_logs_every_value(caplog):
    with caplog.at_level(logging.INFO, logger="clrec.evaluate.gate"):
        decide_promotion(GATE, hit_rate=0.28, popularity_index=0.80, baseline=PRODUCTION)
    text = caplog.text
    assert "hr_floor" in text
    assert "0.2800" in text
    assert "threshold 0.2900" in text
    assert "do not promote" in text
