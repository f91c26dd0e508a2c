"""Tests of submitting and scheduling the compiled pipeline, against a fake KFP API server."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import yaml

from pipelines.submit import (
    HOST_ENV,
    PipelineParameter,
    SubmitError,
    parse_parameters,
    read_pipeline_parameters,
    resolve_host,
    schedule_run,
    submit_run,
    validate_cron,
)
from tests.pipelines.fake_kfp import FakeKfpServer


def _closed_port_url() -> str:
    """Return a 127.0.0.1 URL on which nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_host_missing_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(HOST_ENV, raising=False)
    with pytest.raises(SubmitError) as raised:
        resolve_host(None)
    message = str(raised.value)
    assert "no Kubeflow Pipelines endpoint" in message
    assert "--host" in message
    assert "KFP_HOST" in message


def test_host_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(HOST_ENV, "http://kfp.example:8888/")
    assert resolve_host(None) == "http://kfp.example:8888"
    assert resolve_host("https://other.example") == "https://other.example"


def test_host_without_scheme_fails() -> None:
    with pytest.raises(SubmitError, match="expected an http:// or https:// URL"):
        resolve_host("localhost:8080")


@pytest.mark.parametrize(
    "expression",
    ["0 0 3 * * *", "0 */30 * * * ?", "0 0 9 ? * MON-FRI", "@daily", "@every 6h", "@every 1h30m"],
)
def test_cron_accepts_kfp_forms(expression: str) -> None:
    assert validate_cron(expression) == expression


def test_cron_five_fields_fails() -> None:
    with pytest.raises(SubmitError) as raised:
        validate_cron("0 3 * * *")
    message = str(raised.value)
    assert "has 5 fields, but KFP reads 6 with seconds first" in message
    assert "'0 0 3 * * *'" in message


@pytest.mark.parametrize("expression", ["", "0 0 3 * * * 2030", "0 0 3 * * %", "@sometimes", "@every soon"])
def test_cron_invalid_fails(expression: str) -> None:
    with pytest.raises(SubmitError, match="invalid cron"):
        validate_cron(expression)


def test_package_parameters_read(tiny_package: Path) -> None:
    declared = read_pipeline_parameters(tiny_package)
    assert sorted(declared) == ["config_yaml", "data_dir", "feast_data", "registry"]
    assert declared["data_dir"].default == "/data/datasets"
    assert declared["registry"].type == "STRING"


def test_package_missing_fails(tmp_path: Path) -> None:
    with pytest.raises(SubmitError, match="run `make compile` first"):
        read_pipeline_parameters(tmp_path / "clrec_pipeline.yaml")


def test_package_not_pipeline_fails(tmp_path: Path) -> None:
    path = tmp_path / "other.yaml"
    path.write_text("a: 1\n")
    with pytest.raises(SubmitError, match="is not a compiled kfp pipeline"):
        read_pipeline_parameters(path)


DECLARED = {
    "registry": PipelineParameter("registry", "STRING", "artifacts/registry"),
    "epochs": PipelineParameter("epochs", "NUMBER_INTEGER", 3),
    "rate": PipelineParameter("rate", "NUMBER_DOUBLE", 0.1),
    "strict": PipelineParameter("strict", "BOOLEAN", False),
    "cutoffs": PipelineParameter("cutoffs", "LIST", [10]),
}


def test_params_convert_types() -> None:
    values = parse_parameters(
        ["registry=s3://bucket/a=b", "epochs=5", "rate=0.5", "strict=True", "cutoffs=[10, 50]"], DECLARED
    )
    # Only the first '=' splits, so values may contain '='.
    assert values["registry"] == "s3://bucket/a=b"
    assert values["epochs"] == 5
    assert values["rate"] == 0.5
    assert values["strict"] is True
    assert values["cutoffs"] == [10, 50]


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        (["registry"], "expected KEY=VALUE"),
        (["=x"], "expected KEY=VALUE"),
        (["region=eu"], "unknown pipeline parameter 'region'"),
        (["epochs=five"], "invalid value 'five' for parameter epochs of type NUMBER_INTEGER"),
        (["strict=yes"], "invalid value 'yes' for parameter strict of type BOOLEAN"),
        (["registry=a", "registry=b"], "is given twice"),
    ],
)
def test_params_invalid_fail(pairs: list[str], expected: str) -> None:
    with pytest.raises(SubmitError, match=expected):
        parse_parameters(pairs, DECLARED)


def test_submit_creates_run(fake_kfp: FakeKfpServer, tiny_package: Path) -> None:
    run = submit_run(
        package=tiny_package,
        host=fake_kfp.url,
        experiment="nightly",
        run_name="clrec-test",
        parameters={"registry": "s3://bucket/registry"},
    )
    assert run.run_id == "run-1"
    assert run.experiment_id == "exp-1"
    assert run.url == f"{fake_kfp.url}/#/runs/details/run-1"

    # The experiment did not exist, so the client looked it up by name, then created it.
    lookups = [r for r in fake_kfp.state.requests if r.method == "GET" and r.path.endswith("/experiments")]
    assert len(lookups) == 1
    assert '"stringValue": "nightly"' in lookups[0].query["filter"]
    assert [r.body["display_name"] for r in fake_kfp.posts("/experiments")] == ["nightly"]

    [posted] = fake_kfp.posts("/runs")
    assert posted.body["display_name"] == "clrec-test"
    assert posted.body["experiment_id"] == "exp-1"
    assert posted.body["runtime_config"]["parameters"] == {"registry": "s3://bucket/registry"}
    # The whole compiled spec travels with the run.
    compiled = yaml.safe_load(tiny_package.read_text())
    assert posted.body["pipeline_spec"]["pipelineInfo"]["name"] == "clrec"
    assert posted.body["pipeline_spec"]["root"] == compiled["root"]


def test_submit_reuses_experiment(fake_kfp: FakeKfpServer, tiny_package: Path) -> None:
    fake_kfp.state.experiments["clrec"] = "exp-existing"
    run = submit_run(package=tiny_package, host=fake_kfp.url)
    assert run.experiment_id == "exp-existing"
    assert fake_kfp.posts("/experiments") == []
    [posted] = fake_kfp.posts("/runs")
    # Default run name: the pipeline name and a UTC timestamp.
    assert posted.body["display_name"].startswith("clrec-")
    assert posted.body["runtime_config"].get("parameters") in (None, {})


def test_submit_rejected_reports_status(fake_kfp: FakeKfpServer, tiny_package: Path) -> None:
    fake_kfp.state.reject_status = 400
    with pytest.raises(SubmitError) as raised:
        submit_run(package=tiny_package, host=fake_kfp.url)
    message = str(raised.value)
    assert "rejected the request: HTTP 400" in message
    assert "pipeline spec is invalid" in message


def test_submit_unreachable_fails(tiny_package: Path) -> None:
    url = _closed_port_url()
    with pytest.raises(SubmitError) as raised:
        submit_run(package=tiny_package, host=url)
    message = str(raised.value)
    assert f"could not reach the KFP API at {url}" in message


def test_submit_unknown_parameter_fails(fake_kfp: FakeKfpServer, tiny_package: Path) -> None:
    with pytest.raises(SubmitError, match="unknown pipeline parameters"):
        submit_run(package=tiny_package, host=fake_kfp.url, parameters={"region": "eu"})
    assert fake_kfp.state.requests == []


def test_schedule_creates_recurring_run(fake_kfp: FakeKfpServer, tiny_package: Path) -> None:
    scheduled = schedule_run(
        cron="0 0 3 * * *",
        package=tiny_package,
        host=fake_kfp.url,
        experiment="nightly",
        parameters={"data_dir": "/mnt/datasets"},
        max_concurrency=2,
    )
    assert scheduled.recurring_run_id == "recurring-1"
    assert scheduled.cron == "0 0 3 * * *"
    assert scheduled.url == f"{fake_kfp.url}/#/recurringrun/details/recurring-1"

    [posted] = fake_kfp.posts("/recurringruns")
    body = posted.body
    assert body["trigger"]["cron_schedule"]["cron"] == "0 0 3 * * *"
    assert body["experiment_id"] == "exp-1"
    assert body["display_name"] == "clrec-recurring"
    assert body["mode"] == "ENABLE"
    assert body["max_concurrency"] == 2
    assert body["no_catchup"] is True
    assert body["runtime_config"]["parameters"] == {"data_dir": "/mnt/datasets"}
    assert body["pipeline_spec"]["pipelineInfo"]["name"] == "clrec"


def test_schedule_bad_cron_sends_nothing(fake_kfp: FakeKfpServer, tiny_package: Path) -> None:
    with pytest.raises(SubmitError, match="has 5 fields"):
        schedule_run(cron="0 3 * * *", package=tiny_package, host=fake_kfp.url)
    assert fake_kfp.state.requests == []


def test_schedule_zero_concurrency_fails(fake_kfp: FakeKfpServer, tiny_package: Path) -> None:
    with pytest.raises(SubmitError, match="invalid max concurrency 0"):
        schedule_run(cron="@daily", package=tiny_package, host=fake_kfp.url, max_concurrency=0)
