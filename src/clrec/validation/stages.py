"""The two validation stages of the pipeline: after preprocessing and after features."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from clrec.config import ClrecConfig
from clrec.validation.failures import describe_failures
from clrec.validation.features_frames import item_features_frames
from clrec.validation.ge_runner import Condition, FrameRun, run_suite
from clrec.validation.inputs import read_features_output, read_preprocess_output, read_table
from clrec.validation.parameters import Parameter, features_parameters, preprocessed_parameters
from clrec.validation.preprocessed_frames import raw_clicks_frames, sequences_frames
from clrec.validation.report import ReportContext, write_report
from clrec.validation.result import SkippedExpectation, ValidationResult
from clrec.validation.suite_file import load_suite

logger = logging.getLogger(__name__)

NO_TIMESTAMPS_REASON = (
    "manifest.json says has_timestamps: false, so the timestamp column holds "
    "positions, not times"
)


def _finish(
    stage: str,
    inputs: list[tuple[str, Path]],
    runs: list[FrameRun],
    parameters: dict[str, Parameter],
    extra_skipped: list[SkippedExpectation],
    report_dir: Path,
) -> ValidationResult:
    """Collect failures and skips, log them, and write the report."""
    failures = [failure for run in runs for failure in describe_failures(run, parameters)]
    skipped = [*extra_skipped, *(skip for run in runs for skip in run.skipped)]
    evaluated = sum(len(run.specs) for run in runs)
    context = ReportContext(
        stage=stage,
        inputs=inputs,
        failures=failures,
        skipped=skipped,
        evaluated=evaluated,
        success=not failures,
    )
    result = write_report(report_dir, context, runs)
    for line in result.failure_lines():
        logger.error("%s", line)
    logger.info("%s", result.verdict())
    return result


def validate_preprocessed(
    config: ClrecConfig, sequences_dir: Path, report_dir: Path
) -> ValidationResult:
    """Run the raw_clicks and sequences_splits suites on a preprocess output directory.

    Writes report.html and validation.json to `report_dir`. Raises
    `ValidationInputError` when an input file is missing or unreadable; bad
    content is reported as failed expectations.
    """
    sequences_dir = Path(sequences_dir)
    settings = config.validation
    logger.info("validating the preprocess output in %s", sequences_dir)
    output = read_preprocess_output(sequences_dir)
    parameters = preprocessed_parameters(settings, output, dt.datetime.now(dt.timezone.utc))
    conditions = {"has_timestamps": Condition(output.has_timestamps, NO_TIMESTAMPS_REASON)}

    runs = run_suite(
        load_suite("raw_clicks"),
        raw_clicks_frames(output),
        parameters,
        conditions,
        features_with_known_values=[],
        unexpected_examples=settings.unexpected_examples,
    )
    runs += run_suite(
        load_suite("sequences_splits"),
        sequences_frames(output, settings.min_events_for_targets),
        parameters,
        conditions,
        features_with_known_values=[],
        unexpected_examples=settings.unexpected_examples,
    )
    return _finish("preprocessed", [("sequences", sequences_dir)], runs, parameters, [], report_dir)


def _known_value_features(
    config: ClrecConfig, checkable: list[str]
) -> tuple[list[str], list[SkippedExpectation]]:
    """Split categorical features into those with a configured set and skip notes for the rest."""
    configured = config.validation.known_values
    checked = [name for name in checkable if name in configured]
    skipped = [
        SkippedExpectation(
            "item_features",
            "feature_values",
            "expect_column_values_to_be_in_set",
            name,
            f"no known set for feature {name}; add validation.known_values.{name} to check it",
        )
        for name in checkable
        if name not in configured
    ]
    skipped += [
        SkippedExpectation(
            "item_features",
            "feature_values",
            "expect_column_values_to_be_in_set",
            name,
            f"validation.known_values.{name} names a feature that feature_schema.json does not "
            "list as categorical or multi_categorical; remove or rename the key",
        )
        for name in configured
        if name not in checkable
    ]
    return checked, skipped


def validate_features(
    config: ClrecConfig, sequences_dir: Path, features_dir: Path, report_dir: Path
) -> ValidationResult:
    """Run the item_features suite on a feature output directory.

    `sequences_dir` is the preprocess output, read for the item vocabulary
    (items.parquet). Writes report.html and validation.json to `report_dir`.
    """
    sequences_dir = Path(sequences_dir)
    features_dir = Path(features_dir)
    settings = config.validation
    logger.info("validating the feature output in %s against %s", features_dir, sequences_dir)
    items = read_table(sequences_dir, "items.parquet", "preprocess")
    features = read_features_output(features_dir)
    schema = features.schema

    categorical = schema.categorical + schema.multi_categorical
    checked, skipped = _known_value_features(config, categorical)
    for skip in skipped:
        # A key that names no feature is a configuration mistake; a feature
        # without a set (an open-ended year, say) is a choice.
        level = logging.INFO if skip.column in categorical else logging.WARNING
        logger.log(level, "%s", skip.log_line())
    parameters = features_parameters(settings, len(items.frame), schema, checked)
    runs = run_suite(
        load_suite("item_features"),
        item_features_frames(features, items),
        parameters,
        conditions={},
        features_with_known_values=checked,
        unexpected_examples=settings.unexpected_examples,
    )
    inputs = [("sequences", sequences_dir), ("features", features_dir)]
    return _finish("features", inputs, runs, parameters, skipped, report_dir)
