"""`clrec features`: write the Feast sources, apply, materialise and export the item table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from clrec.cli.common import ConfigOption, OverrideOption, fail, load_cli_config

DEFAULT_INPUT = Path("artifacts/preprocess")
DEFAULT_OUTPUT = Path("artifacts/features")


def features(
    config: ConfigOption = None,
    overrides: OverrideOption = None,
    input_dir: Annotated[
        Path,
        typer.Option(
            "--input",
            help="Folder of the preprocessing output (items.parquet, sequences.parquet).",
            show_default=True,
        ),
    ] = DEFAULT_INPUT,
    output_dir: Annotated[
        Path,
        typer.Option(
            "--output",
            help="Folder for item_features.parquet, feature_schema.json and feature_report.json.",
            show_default=True,
        ),
    ] = DEFAULT_OUTPUT,
    data_dir: Annotated[
        Optional[Path],
        typer.Option(
            "--data-dir",
            help="Dataset cache directory (one folder per dataset) that contains the raw item "
            "metadata. Default: data.cache_dir, else $CLREC_CACHE_DIR, else ~/.cache/clrec/datasets.",
        ),
    ] = None,
    feast_data: Annotated[
        Optional[str],
        typer.Option(
            "--feast-data",
            help="Feast data directory, a folder or object storage URL; each dataset gets a "
            "subfolder. Default: paths.feast_data (artifacts/feast).",
        ),
    ] = None,
) -> None:
    """Build the item features through Feast and fill the online store for serving."""
    from clrec.data import default_cache_dir
    from clrec.features import FeatureStepError, build_features

    settings = load_cli_config(config, overrides)
    if feast_data:
        settings.paths.feast_data = feast_data
    cache = data_dir or (Path(settings.data.cache_dir) if settings.data.cache_dir else default_cache_dir())
    raw_dir = cache / settings.data.dataset
    try:
        report = build_features(settings, input_dir, raw_dir, output_dir)
    except (FeatureStepError, OSError) as error:
        fail(str(error))
    summary = {
        key: report[key]
        for key in ("rows_requested", "rows_returned", "rows_missing_from_feast", "items_filled_with_unknown")
    }
    typer.echo(json.dumps({"output": str(output_dir), **summary}))
