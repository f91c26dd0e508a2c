"""`clrec pipeline`: run the whole pipeline locally, compile it, submit or schedule it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from clrec.cli.common import ConfigOption, OverrideOption, fail, load_cli_config

app = typer.Typer(
    help="Run the whole pipeline locally, or compile it for Kubeflow.", no_args_is_help=True
)

DEFAULT_COMPILED = Path("pipelines/clrec_pipeline.yaml")


@app.command("run-local")
def run_local_command(
    config: ConfigOption = None,
    overrides: OverrideOption = None,
    data_dir: Annotated[
        Optional[Path],
        typer.Option(
            help="Dataset cache directory (one folder per dataset). "
            "Default: data.cache_dir, else $CLREC_CACHE_DIR, else ~/.cache/clrec/datasets."
        ),
    ] = None,
    mirror: Annotated[
        Optional[Path],
        typer.Option(
            help="Copy the dataset from this local mirror instead of downloading it. "
            "Default: $CLREC_DATA_MIRROR when set."
        ),
    ] = None,
    summary_json: Annotated[
        Optional[Path], typer.Option(help="Also write the run summary to this JSON file.")
    ] = None,
) -> None:
    """Run every step with kfp's local runner (SubprocessRunner, no containers)."""
    from clrec.data import DataFetchError
    from pipelines.run_local import PipelineRunError, run_local

    settings = load_cli_config(config, overrides)
    try:
        summary = run_local(settings, data_dir=data_dir, mirror=mirror)
    except (DataFetchError, PipelineRunError) as error:
        fail(str(error))
    if summary_json is not None:
        summary_json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


@app.command("compile")
def compile_command(
    config: ConfigOption = None,
    overrides: OverrideOption = None,
    output: Annotated[Path, typer.Option(help="Path of the compiled pipeline YAML.")] = DEFAULT_COMPILED,
    data_dir: Annotated[
        str, typer.Option(help="Dataset directory as the cluster's pods see it (parameter default).")
    ] = "/data/datasets",
    registry: Annotated[
        Optional[str],
        typer.Option(help="Registry URL the cluster run uses (parameter default). Default: paths.registry."),
    ] = None,
    feast_data: Annotated[
        Optional[str],
        typer.Option(help="Feast data directory in the cluster (parameter default). Default: paths.feast_data."),
    ] = None,
) -> None:
    """Compile the pipeline to YAML for Kubeflow Pipelines."""
    from pipelines.compile import compile_pipeline

    settings = load_cli_config(config, overrides)
    path = compile_pipeline(settings, output, data_dir=data_dir, registry=registry, feast_data=feast_data)
    typer.echo(str(path))
