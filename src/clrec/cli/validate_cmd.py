"""`clrec validate`: run the Great Expectations suites of one pipeline stage."""

from __future__ import annotations

import logging
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from clrec.cli.common import ConfigOption, OverrideOption, fail, load_cli_config

logger = logging.getLogger(__name__)

DEFAULT_REPORT_ROOT = Path("artifacts/validation")


class Stage(str, Enum):
    """The pipeline stage whose output is validated."""

    preprocessed = "preprocessed"
    features = "features"


def validate(
    stage: Annotated[
        Stage,
        typer.Option(
            "--stage",
            help="Which output to validate: 'preprocessed' runs the raw-clicks and "
            "sequences-and-splits suites on --sequences; 'features' runs the item-features "
            "suite on --features.",
            case_sensitive=False,
        ),
    ],
    sequences: Annotated[
        Path,
        typer.Option(
            "--sequences",
            help="Preprocess output directory (events.parquet, sequences.parquet, "
            "items.parquet, users.parquet, manifest.json, rejects.jsonl). Both stages "
            "read it; the features stage takes the item vocabulary from it.",
        ),
    ],
    features: Annotated[
        Optional[Path],
        typer.Option(
            "--features",
            help="Feature output directory (item_features.parquet, feature_schema.json, "
            "feature_report.json). Required with --stage features. Default: none.",
        ),
    ] = None,
    report_dir: Annotated[
        Optional[Path],
        typer.Option(
            "--report-dir",
            help="Directory for report.html (self-contained Data Docs page) and "
            "validation.json. Default: artifacts/validation/<stage>.",
        ),
    ] = None,
    config: ConfigOption = None,
    overrides: OverrideOption = None,
) -> None:
    """Validate the preprocess or feature output and exit 1 when any expectation fails."""
    from clrec.validation import (
        SuiteFileError,
        ValidationInputError,
        validate_features,
        validate_preprocessed,
    )

    settings = load_cli_config(config, overrides)
    target_dir = report_dir if report_dir is not None else DEFAULT_REPORT_ROOT / stage.value
    try:
        if stage is Stage.preprocessed:
            if features is not None:
                logger.info("--features is ignored with --stage preprocessed")
            result = validate_preprocessed(settings, sequences, target_dir)
        else:
            if features is None:
                fail("--stage features needs --features DIR, the feature output directory", code=2)
                return
            result = validate_features(settings, sequences, features, target_dir)
    except (ValidationInputError, SuiteFileError) as error:
        fail(str(error), code=2)
        return

    if not result.success:
        fail(
            f"{len(result.failures)} of {result.evaluated} expectations failed on the "
            f"{stage.value} data (each is logged above); report: {result.report_html}"
        )
    typer.echo(result.summary())
