"""The promotion gate: whether a new model may replace the production model.

A model is promoted when all three checks pass on the test split:

1. HR@K >= `hr_floor` (an absolute quality bar);
2. HR@K >= the production model's HR@K on the same test data minus
   `production_tolerance` (no regression beyond the tolerance);
3. popularity index <= `popularity_index_ceiling` (not too biased towards
   popular items).

First run: when there is no production model (no registry given, or a
registry without a production version), check 2 is skipped and counts as
passed, so the first model is promoted when it clears checks 1 and 3.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from clrec.config.evaluate import GateConfig

logger = logging.getLogger(__name__)

GATE_SPLIT = "test"


@dataclass(frozen=True)
class Baseline:
    """The production model's result on the same test data, or why there is none."""

    version: str | None
    hit_rate: float | None
    reason: str = ""  # why there is no baseline, empty when there is one


def decide_promotion(
    gate: GateConfig, hit_rate: float, popularity_index: float, baseline: Baseline
) -> dict:
    """Apply the three checks and return the decision with every compared value."""
    metric = f"hr@{gate.cutoff}"
    checks = [
        {
            "name": "hr_floor",
            "rule": f"{metric} >= hr_floor",
            "value": hit_rate,
            "threshold": gate.hr_floor,
            "skipped": False,
            "passed": hit_rate >= gate.hr_floor,
        }
    ]
    first_run = baseline.hit_rate is None
    if first_run:
        checks.append(
            {
                "name": "production_comparison",
                "rule": f"{metric} >= production {metric} - production_tolerance",
                "value": hit_rate,
                "skipped": True,
                "reason": f"first run: {baseline.reason}; the comparison is skipped and counts as passed",
                "passed": True,
            }
        )
    else:
        threshold = baseline.hit_rate - gate.production_tolerance
        checks.append(
            {
                "name": "production_comparison",
                "rule": f"{metric} >= production {metric} - production_tolerance",
                "value": hit_rate,
                "production_version": baseline.version,
                "production_value": baseline.hit_rate,
                "tolerance": gate.production_tolerance,
                "threshold": threshold,
                "skipped": False,
                "passed": hit_rate >= threshold,
            }
        )
    checks.append(
        {
            "name": "popularity_index_ceiling",
            "rule": "popularity_index <= popularity_index_ceiling",
            "value": popularity_index,
            "threshold": gate.popularity_index_ceiling,
            "skipped": False,
            "passed": popularity_index <= gate.popularity_index_ceiling,
        }
    )
    promote = all(check["passed"] for check in checks)
    decision = {
        "promote": promote,
        "split": GATE_SPLIT,
        "metric": metric,
        "first_run": first_run,
        "production_version": baseline.version,
        "checks": checks,
        "failed_checks": [check["name"] for check in checks if not check["passed"]],
    }
    _log_decision(decision)
    return decision


def _log_decision(decision: dict) -> None:
    for check in decision["checks"]:
        if check.get("skipped"):
            logger.info("gate check %s skipped: %s", check["name"], check["reason"])
            continue
        logger.info(
            "gate check %s: %s, value %.4f, threshold %.4f -> %s",
            check["name"],
            check["rule"],
            check["value"],
            check["threshold"],
            "passed" if check["passed"] else "failed",
        )
    if decision["promote"]:
        logger.info("gate decision: promote (split %s, metric %s)", decision["split"], decision["metric"])
    else:
        logger.info("gate decision: do not promote; failed checks: %s", ", ".join(decision["failed_checks"]))
