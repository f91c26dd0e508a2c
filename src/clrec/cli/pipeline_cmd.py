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


# --- submit and schedule: send the compiled pipeline to a KFP endpoint --------

PackageOption = Annotated[
    Path,
    typer.Option(
        "--package", help="Compiled pipeline YAML to send (written by `clrec pipeline compile`)."
    ),
]
HostOption = Annotated[
    Optional[str],
    typer.Option(
        "--host",
        envvar="KFP_HOST",
        help="Kubeflow Pipelines endpoint URL, for example http://localhost:8080. "
        "Default: $KFP_HOST. $KFP_TOKEN supplies a bearer token where the cluster needs one.",
    ),
]
ExperimentOption = Annotated[
    str, typer.Option("--experiment", help="KFP experiment name; created when it does not exist.")
]
ParamOption = Annotated[
    Optional[list[str]],
    typer.Option(
        "--param",
        help="Pipeline parameter as KEY=VALUE, replacing the compiled default "
        "(config_yaml, data_dir, registry, feast_data). Repeatable.",
    ),
]
RunConfigOption = Annotated[
    Optional[Path],
    typer.Option(
        "--config",
        "-c",
        help="Send this YAML configuration as the config_yaml parameter, validated here first. "
        "Default: the configuration compiled into the package.",
    ),
]
RunOverrideOption = Annotated[
    Optional[list[str]],
    typer.Option(
        "--set",
        help="Override one value of the configuration that is sent (the --config file, else the "
        "compiled one), as KEY=VALUE with a dotted key. Repeatable.",
    ),
]
NamespaceOption = Annotated[
    Optional[str],
    typer.Option(
        "--namespace",
        help="Kubernetes namespace (Kubeflow profile) of a multi-user cluster. "
        "Default: the KFP client's own (kubeflow).",
    ),
]
ServiceAccountOption = Annotated[
    Optional[str],
    typer.Option(
        "--service-account",
        help="Kubernetes service account of the run's pods, for example one bound to the bucket "
        "that holds the registry. Default: the namespace's pipeline runner.",
    ),
]


def _run_parameters(
    package: Path,
    pairs: Optional[list[str]],
    config: Optional[Path],
    overrides: Optional[list[str]],
) -> dict:
    """Collect the run's parameters: --param values, and config_yaml from --config/--set."""
    from clrec.config import ConfigError, dump_config, load_config, load_config_text
    from pipelines.submit import parse_parameters, read_pipeline_parameters

    declared = read_pipeline_parameters(package)
    values = parse_parameters(pairs or [], declared)
    if config is None and not overrides:
        return values
    if "config_yaml" in values:
        fail("--param config_yaml=... and --config/--set both set the configuration; use one of them", code=2)
    try:
        if config is not None:
            settings = load_config(config, overrides or [])
        else:
            compiled = declared.get("config_yaml")
            settings = load_config_text(str(compiled.default if compiled else ""), overrides or [])
    except ConfigError as error:
        fail(str(error), code=2)
    values["config_yaml"] = dump_config(settings)
    return values


@app.command("submit")
def submit_command(
    package: PackageOption = DEFAULT_COMPILED,
    host: HostOption = None,
    experiment: ExperimentOption = "clrec",
    run_name: Annotated[
        Optional[str],
        typer.Option("--run-name", help="Display name of the run. Default: clrec-<UTC timestamp>."),
    ] = None,
    params: ParamOption = None,
    config: RunConfigOption = None,
    overrides: RunOverrideOption = None,
    namespace: NamespaceOption = None,
    service_account: ServiceAccountOption = None,
) -> None:
    """Start one run of the compiled pipeline on a Kubeflow Pipelines endpoint."""
    from pipelines.submit import SubmitError, submit_run

    try:
        values = _run_parameters(package, params, config, overrides)
        run = submit_run(
            package=package,
            host=host,
            experiment=experiment,
            run_name=run_name,
            parameters=values,
            namespace=namespace,
            service_account=service_account,
        )
    except SubmitError as error:
        fail(str(error))
    typer.echo(f"run {run.run_id} created in experiment {experiment}: {run.url}")


@app.command("schedule")
def schedule_command(
    cron: Annotated[
        str,
        typer.Option(
            "--cron",
            help="When to run: 6 cron fields with seconds first, for example '0 0 3 * * *' "
            "(every day at 03:00 in the KFP server's time zone), or '@daily', '@every 6h'.",
        ),
    ],
    package: PackageOption = DEFAULT_COMPILED,
    host: HostOption = None,
    experiment: ExperimentOption = "clrec",
    run_name: Annotated[
        Optional[str],
        typer.Option("--run-name", help="Display name of the recurring run. Default: clrec-recurring."),
    ] = None,
    params: ParamOption = None,
    config: RunConfigOption = None,
    overrides: RunOverrideOption = None,
    max_concurrency: Annotated[
        int, typer.Option("--max-concurrency", min=1, help="Runs of this schedule allowed at the same time.")
    ] = 1,
    catchup: Annotated[
        bool,
        typer.Option(
            "--catchup/--no-catchup",
            help="After a pause, start one run per missed slot (--catchup) or only the latest.",
        ),
    ] = False,
    namespace: NamespaceOption = None,
    service_account: ServiceAccountOption = None,
) -> None:
    """Create a recurring run of the compiled pipeline on a Kubeflow Pipelines endpoint."""
    from pipelines.submit import SubmitError, schedule_run

    try:
        values = _run_parameters(package, params, config, overrides)
        scheduled = schedule_run(
            cron=cron,
            package=package,
            host=host,
            experiment=experiment,
            name=run_name,
            parameters=values,
            max_concurrency=max_concurrency,
            catchup=catchup,
            namespace=namespace,
            service_account=service_account,
        )
    except SubmitError as error:
        fail(str(error))
    typer.echo(
        f"recurring run {scheduled.recurring_run_id} created in experiment {experiment} "
        f"({scheduled.cron}): {scheduled.url}"
    )
