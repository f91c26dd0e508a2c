"""Send the compiled pipeline to a Kubeflow Pipelines endpoint, as one run or as a recurring run.

Both calls go through `kfp.Client`, which talks to the KFP API server over
REST (`/apis/v2beta1/...`): it finds or creates the experiment by name, then
posts the compiled pipeline spec with the run's parameters. The endpoint
comes from the caller or from `$KFP_HOST`; a bearer token for clusters that
require one comes from `$KFP_TOKEN`.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import logging
import os
import re
import urllib.parse
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

logger = logging.getLogger(__name__)

HOST_ENV = "KFP_HOST"
TOKEN_ENV = "KFP_TOKEN"
DEFAULT_EXPERIMENT = "clrec"
DEFAULT_PACKAGE = Path(__file__).resolve().parent / "clrec_pipeline.yaml"
# kfp.Client's own default namespace; multi-user clusters need the profile's.
KFP_DEFAULT_NAMESPACE = "kubeflow"

# KFP's scheduler parses cron with six fields, seconds first (robfig/cron v1),
# or a descriptor such as "@daily" or "@every 6h".
CRON_FIELD = re.compile(r"^[0-9A-Za-z*?/,#-]+$")
CRON_DESCRIPTORS = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}
GO_DURATION = re.compile(r"^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$")


class SubmitError(RuntimeError):
    """The pipeline could not be sent; the message names the fix."""


@dataclass(frozen=True)
class PipelineParameter:
    """One input parameter of the compiled pipeline."""

    name: str
    # KFP parameter type: STRING, NUMBER_INTEGER, NUMBER_DOUBLE, BOOLEAN, LIST or STRUCT.
    type: str
    default: Any


@dataclass(frozen=True)
class SubmittedRun:
    """A run created on the KFP endpoint."""

    run_id: str
    experiment_id: str
    url: str


@dataclass(frozen=True)
class ScheduledRun:
    """A recurring run created on the KFP endpoint."""

    recurring_run_id: str
    experiment_id: str
    cron: str
    url: str


def resolve_host(host: str | None) -> str:
    """Return the KFP endpoint from the argument, else `$KFP_HOST`, as an http(s) URL."""
    value = (host or os.environ.get(HOST_ENV) or "").strip()
    if not value:
        raise SubmitError(
            f"no Kubeflow Pipelines endpoint: pass --host URL or set {HOST_ENV}, for example "
            "http://localhost:8080 after `kubectl port-forward -n kubeflow svc/ml-pipeline-ui 8080:80`"
        )
    parsed = urllib.parse.urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SubmitError(
            f"invalid KFP endpoint {value!r}: expected an http:// or https:// URL, "
            "for example http://localhost:8080"
        )
    return value.rstrip("/")


def _read_spec(package: Path) -> dict:
    if not package.is_file():
        raise SubmitError(f"compiled pipeline not found: {package}; run `make compile` first")
    try:
        documents = list(yaml.safe_load_all(package.read_text(encoding="utf-8")))
    except yaml.YAMLError as error:
        raise SubmitError(f"{package} is not valid YAML ({error}); run `make compile` again") from error
    spec = documents[0] if documents else None
    if not isinstance(spec, dict) or "root" not in spec or "pipelineInfo" not in spec:
        raise SubmitError(f"{package} is not a compiled kfp pipeline; run `make compile` to write one")
    return spec


def read_pipeline_name(package: Path) -> str:
    """Return the pipeline name recorded in a compiled package."""
    return str(_read_spec(package)["pipelineInfo"]["name"])


def read_pipeline_parameters(package: Path) -> dict[str, PipelineParameter]:
    """Return the input parameters of a compiled pipeline, with their types and defaults."""
    declared = _read_spec(package)["root"].get("inputDefinitions", {}).get("parameters", {})
    return {
        name: PipelineParameter(name, str(spec.get("parameterType", "STRING")), spec.get("defaultValue"))
        for name, spec in declared.items()
    }


def _convert(parameter: PipelineParameter, text: str) -> Any:
    """Turn a command-line value into the parameter's KFP type."""
    try:
        if parameter.type == "NUMBER_INTEGER":
            return int(text)
        if parameter.type == "NUMBER_DOUBLE":
            return float(text)
        if parameter.type == "BOOLEAN":
            lowered = text.strip().lower()
            if lowered not in ("true", "false"):
                raise ValueError("expected true or false")
            return lowered == "true"
        if parameter.type in ("LIST", "STRUCT"):
            return json.loads(text)
    except (ValueError, json.JSONDecodeError) as error:
        raise SubmitError(
            f"invalid value {text!r} for parameter {parameter.name} of type {parameter.type}: {error}"
        ) from error
    return text


def parse_parameters(pairs: list[str], declared: dict[str, PipelineParameter]) -> dict[str, Any]:
    """Turn `KEY=VALUE` strings into run parameters, checked against the pipeline's inputs."""
    values: dict[str, Any] = {}
    for pair in pairs:
        key, separator, text = pair.partition("=")
        key = key.strip()
        if not separator or not key:
            raise SubmitError(f"invalid --param {pair!r}: expected KEY=VALUE, for example registry=s3://bucket/registry")
        if key not in declared:
            raise SubmitError(
                f"unknown pipeline parameter {key!r} in --param {pair!r}; "
                f"the pipeline takes: {', '.join(sorted(declared))}"
            )
        if key in values:
            raise SubmitError(f"pipeline parameter {key!r} is given twice; pass each --param once")
        values[key] = _convert(declared[key], text)
    return values


def validate_cron(expression: str) -> str:
    """Return the expression when KFP's scheduler accepts it, else raise `SubmitError`.

    KFP reads six fields, seconds first. A five-field crontab line would be
    read with its minute as seconds, so it is rejected with the six-field form.
    """
    text = " ".join(expression.split())
    if text.startswith("@"):
        if text in CRON_DESCRIPTORS:
            return text
        name, _, duration = text.partition(" ")
        if name == "@every" and GO_DURATION.match(duration):
            return text
        raise SubmitError(
            f"invalid cron descriptor {expression!r}: use one of {', '.join(sorted(CRON_DESCRIPTORS))} "
            "or '@every <duration>' such as '@every 6h'"
        )
    fields = text.split(" ")
    if len(fields) == 5:
        raise SubmitError(
            f"cron expression {expression!r} has 5 fields, but KFP reads 6 with seconds first; "
            f"for the same schedule write '0 {text}'"
        )
    if len(fields) != 6 or not all(CRON_FIELD.match(field) for field in fields):
        raise SubmitError(
            f"invalid cron expression {expression!r}: expected 6 fields 'second minute hour "
            "day-of-month month day-of-week', for example '0 0 3 * * *' (every day at 03:00)"
        )
    return text


@contextlib.contextmanager
def _kfp_errors(host: str):
    """Turn the KFP client's transport and API errors into `SubmitError`."""
    import kfp_server_api
    import urllib3

    try:
        yield
    except kfp_server_api.ApiException as error:
        body = error.body or ""
        if isinstance(body, bytes):
            body = body.decode("utf-8", errors="replace")
        body = body.strip()
        raise SubmitError(
            f"the KFP API at {host} rejected the request: HTTP {error.status} {error.reason}: {body[:500]}"
        ) from error
    except (urllib3.exceptions.HTTPError, TimeoutError, ConnectionError) as error:
        raise SubmitError(
            f"could not reach the KFP API at {host} ({error}); check --host or {HOST_ENV} "
            "and that the port-forward or ingress is up"
        ) from error


@contextlib.contextmanager
def _quiet_kfp():
    """Route the links kfp.Client prints to stdout into the debug log, and drop its version warning."""
    captured = io.StringIO()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="This client only works with Kubeflow Pipeline", category=FutureWarning)
        with contextlib.redirect_stdout(captured):
            yield
    for line in captured.getvalue().splitlines():
        logger.debug("kfp: %s", line)


def connect(host: str, namespace: str | None = None):
    """Return a `kfp.Client` for the endpoint, with the bearer token from `$KFP_TOKEN` if set."""
    import kfp

    with _kfp_errors(host), _quiet_kfp():
        return kfp.Client(
            host=host,
            namespace=namespace or KFP_DEFAULT_NAMESPACE,
            existing_token=os.environ.get(TOKEN_ENV) or None,
        )


def _default_run_name(package: Path) -> str:
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d-%H%M%S")
    return f"{read_pipeline_name(package)}-{stamp}"


def submit_run(
    package: Path = DEFAULT_PACKAGE,
    host: str | None = None,
    experiment: str = DEFAULT_EXPERIMENT,
    run_name: str | None = None,
    parameters: dict[str, Any] | None = None,
    namespace: str | None = None,
    service_account: str | None = None,
) -> SubmittedRun:
    """Start one run of the compiled pipeline on the KFP endpoint.

    Args:
        package: the compiled pipeline YAML.
        host: KFP endpoint URL; `$KFP_HOST` when None.
        experiment: experiment name, created when it does not exist.
        run_name: display name of the run; the pipeline name and a UTC timestamp when None.
        parameters: pipeline parameters that replace the compiled defaults.
        namespace: Kubernetes namespace (profile) on multi-user clusters.
        service_account: Kubernetes service account the run's pods use.
    """
    endpoint = resolve_host(host)
    package = Path(package)
    declared = read_pipeline_parameters(package)
    _reject_unknown(parameters or {}, declared)
    name = run_name or _default_run_name(package)
    logger.info(
        "submitting %s to %s: experiment=%s run=%s parameters=%s",
        package,
        endpoint,
        experiment,
        name,
        sorted(parameters or {}),
    )
    client = connect(endpoint, namespace)
    with _kfp_errors(endpoint), _quiet_kfp():
        result = client.create_run_from_pipeline_package(
            pipeline_file=str(package),
            arguments=parameters or {},
            run_name=name,
            experiment_name=experiment,
            namespace=namespace,
            service_account=service_account,
        )
    run = result.run_info
    submitted = SubmittedRun(
        run_id=str(run.run_id),
        experiment_id=str(run.experiment_id),
        url=f"{endpoint}/#/runs/details/{run.run_id}",
    )
    logger.info("run %s created in experiment %s: %s", submitted.run_id, experiment, submitted.url)
    return submitted


def schedule_run(
    cron: str,
    package: Path = DEFAULT_PACKAGE,
    host: str | None = None,
    experiment: str = DEFAULT_EXPERIMENT,
    name: str | None = None,
    parameters: dict[str, Any] | None = None,
    max_concurrency: int = 1,
    catchup: bool = False,
    namespace: str | None = None,
    service_account: str | None = None,
) -> ScheduledRun:
    """Create a recurring run of the compiled pipeline on the KFP endpoint.

    Args:
        cron: six-field cron expression, seconds first, or a descriptor such as "@daily".
        package: the compiled pipeline YAML; its spec is stored in the recurring run.
        host: KFP endpoint URL; `$KFP_HOST` when None.
        experiment: experiment name, created when it does not exist.
        name: display name of the recurring run; "<pipeline>-recurring" when None.
        parameters: pipeline parameters that replace the compiled defaults in every run.
        max_concurrency: how many of its runs may run at the same time (at least 1).
        catchup: start the runs missed while the schedule was paused, one per missed slot.
        namespace: Kubernetes namespace (profile) on multi-user clusters.
        service_account: Kubernetes service account the runs' pods use.
    """
    expression = validate_cron(cron)
    if max_concurrency < 1:
        raise SubmitError(f"invalid max concurrency {max_concurrency}: it must be at least 1")
    endpoint = resolve_host(host)
    package = Path(package)
    declared = read_pipeline_parameters(package)
    _reject_unknown(parameters or {}, declared)
    display_name = name or f"{read_pipeline_name(package)}-recurring"
    logger.info(
        "scheduling %s on %s: cron=%r experiment=%s name=%s parameters=%s",
        package,
        endpoint,
        expression,
        experiment,
        display_name,
        sorted(parameters or {}),
    )
    client = connect(endpoint, namespace)
    with _kfp_errors(endpoint), _quiet_kfp():
        found = client.create_experiment(name=experiment, namespace=namespace)
        recurring = client.create_recurring_run(
            experiment_id=found.experiment_id,
            job_name=display_name,
            cron_expression=expression,
            max_concurrency=max_concurrency,
            no_catchup=not catchup,
            params=parameters or {},
            pipeline_package_path=str(package),
            enabled=True,
            service_account=service_account,
        )
    scheduled = ScheduledRun(
        recurring_run_id=str(recurring.recurring_run_id),
        experiment_id=str(found.experiment_id),
        cron=expression,
        url=f"{endpoint}/#/recurringrun/details/{recurring.recurring_run_id}",
    )
    logger.info("recurring run %s created (%s): %s", scheduled.recurring_run_id, expression, scheduled.url)
    return scheduled


def _reject_unknown(parameters: dict[str, Any], declared: dict[str, PipelineParameter]) -> None:
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise SubmitError(
            f"unknown pipeline parameters {unknown}; the pipeline takes: {', '.join(sorted(declared))}"
        )
