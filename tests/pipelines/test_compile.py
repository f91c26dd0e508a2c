"""Tests of the compiled pipeline: images, resources, caching, parameters and the promotion gate."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from clrec.config import load_config, load_config_text
from pipelines.lock import REPO_ROOT, STEPS

COMPILED = REPO_ROOT / "pipelines" / "clrec_pipeline.yaml"
# Display name of every task in the pipeline -> the step whose image runs it.
TASK_STEPS = {
    "preprocess": "preprocess",
    "validate-preprocessed": "validate",
    "stop-on-invalid-data": "validate",
    "features": "features",
    "validate-features": "validate",
    "stop-on-invalid-features": "validate",
    "train": "train",
    "evaluate": "evaluate",
    "publish": "publish",
}
# Tasks whose result depends on state outside their inputs (the production
# model, the Feast store) or must rerun on every run: caching is off.
UNCACHED_TASKS = {"validate-preprocessed", "features", "validate-features", "evaluate", "publish"}
CACHED_TASKS = {"preprocess", "train"}
# The spec's top-level keys; the compiler writes a comment header above them.
TOP_LEVEL_KEY = re.compile(r"^(components|deploymentSpec|pipelineInfo|root|schemaVersion|sdkVersion):")

pytestmark = pytest.mark.skipif(
    any(not (REPO_ROOT / "components" / step / "component.py").is_file() for step in STEPS),
    reason="not every component is written yet: "
    + ", ".join(step for step in STEPS if not (REPO_ROOT / "components" / step / "component.py").is_file()),
)


def _load_spec(path: Path) -> dict:
    """Parse a compiled pipeline, skipping kfp's comment header before the first top-level key.

    The header is skipped so that the other checks still run while kfp
    writes an invalid header; `test_compiled_yaml_loads` checks the whole file.
    """
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(index for index, line in enumerate(lines) if TOP_LEVEL_KEY.match(line))
    return yaml.safe_load("".join(lines[start:]))


@pytest.fixture(scope="module")
def config():
    return load_config(REPO_ROOT / "configs" / "ml-100k.yaml")


@pytest.fixture(scope="module")
def compiled_path(config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipelines.compile import compile_pipeline

    output = tmp_path_factory.mktemp("compiled") / "clrec_pipeline.yaml"
    return compile_pipeline(
        config,
        output,
        data_dir="/mnt/datasets",
        registry="s3://models/clrec/registry",
        feast_data="/mnt/feast",
    )


@pytest.fixture(scope="module")
def spec(compiled_path: Path) -> dict:
    return _load_spec(compiled_path)


def _tasks(spec: dict) -> dict[str, dict]:
    """Return every task of every DAG by display name, with the component it belongs to."""
    dags = {"root": spec["root"]["dag"]}
    dags.update({name: body["dag"] for name, body in spec["components"].items() if "dag" in body})
    found: dict[str, dict] = {}
    for dag_name, dag in dags.items():
        for task in dag["tasks"].values():
            if spec["components"].get(task["componentRef"]["name"], {}).get("dag"):
                continue
            found[task["taskInfo"]["name"]] = {**task, "_dag": dag_name}
    return found


def _executor(spec: dict, task: dict) -> dict:
    label = spec["components"][task["componentRef"]["name"]]["executorLabel"]
    return spec["deploymentSpec"]["executors"][label]["container"]


def _condition_task(spec: dict, dag_component: str) -> dict:
    """Return the condition task whose component is the given sub-DAG."""
    for dag in [spec["root"]["dag"], *(c["dag"] for c in spec["components"].values() if "dag" in c)]:
        for task in dag["tasks"].values():
            if task["componentRef"]["name"] == dag_component:
                return task
    raise AssertionError(f"no task runs {dag_component}")


def test_compiled_yaml_loads(compiled_path: Path) -> None:
    # Kubeflow and kfp.Client parse the whole file, header comment included.
    # NOTE: kfp 2.17.3 copies string defaults unescaped into that header, so a
    # multi-line config_yaml default breaks the file; compile a one-line default.
    documents = list(yaml.safe_load_all(compiled_path.read_text(encoding="utf-8")))
    assert documents[0]["pipelineInfo"]["name"] == "clrec"


def test_every_task_uses_step_image(spec: dict) -> None:
    from components import DEFAULT_IMAGE_PREFIX, component_version

    prefix = os.environ.get("CLREC_IMAGE_PREFIX", DEFAULT_IMAGE_PREFIX).rstrip("/")
    tasks = _tasks(spec)
    assert set(tasks) == set(TASK_STEPS)
    for name, task in tasks.items():
        step = TASK_STEPS[name]
        expected = f"{prefix}/clrec-{step}:{component_version(step)}"
        assert _executor(spec, task)["image"] == expected, name


def test_image_prefix_configurable(tmp_path: Path) -> None:
    output = tmp_path / "prefixed.yaml"
    script = (
        "import sys\n"
        "from clrec.config import load_config\n"
        "from pipelines.compile import compile_pipeline\n"
        "compile_pipeline(load_config('configs/ml-100k.yaml'), sys.argv[1])\n"
    )
    environment = {**os.environ, "CLREC_IMAGE_PREFIX": "registry.example.com/ml/"}
    result = subprocess.run(
        [sys.executable, "-c", script, str(output)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=REPO_ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    images = {executor["container"]["image"] for executor in _load_spec(output)["deploymentSpec"]["executors"].values()}
    assert len(images) == len(STEPS)
    for image in images:
        assert re.fullmatch(r"registry\.example\.com/ml/clrec-[a-z]+:\d+\.\d+\.\d+", image), image


def _gigabytes(quantity: str) -> float:
    """Convert a Kubernetes memory quantity such as '32G' or '32Gi' to gigabytes (10^9 bytes)."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?", quantity)
    assert match, f"unexpected memory quantity {quantity!r}"
    factors = {
        None: 1e-9, "K": 1e-6, "M": 1e-3, "G": 1.0, "T": 1e3,
        "Ki": 1024 / 1e9, "Mi": 1024**2 / 1e9, "Gi": 1024**3 / 1e9, "Ti": 1024**4 / 1e9,
    }  # fmt: skip
    return float(match.group(1)) * factors[match.group(2)]


def test_train_requests_one_gpu(spec: dict) -> None:
    resources = _executor(spec, _tasks(spec)["train"])["resources"]
    assert resources["accelerator"]["resourceType"] == "nvidia.com/gpu"
    assert resources["accelerator"]["resourceCount"] == "1"
    # Kubernetes sets a container's requests to its limits when only limits are
    # given, so these limits are also what the scheduler reserves.
    cpu = float(resources["resourceCpuLimit"])
    assert 2 <= cpu <= 64
    memory = _gigabytes(resources["resourceMemoryLimit"])
    assert 8 <= memory <= 512


def test_only_train_uses_gpu(spec: dict) -> None:
    for name, task in _tasks(spec).items():
        if name == "train":
            continue
        assert "accelerator" not in _executor(spec, task).get("resources", {}), name


def test_caching_settings(spec: dict) -> None:
    tasks = _tasks(spec)
    for name in CACHED_TASKS:
        assert tasks[name]["cachingOptions"].get("enableCache") is True, name
    # kfp writes `cachingOptions: {}` for a task with caching turned off.
    for name in UNCACHED_TASKS:
        assert tasks[name]["cachingOptions"].get("enableCache", False) is False, name


def test_parameters_and_defaults(spec: dict, config) -> None:
    parameters = spec["root"]["inputDefinitions"]["parameters"]
    assert set(parameters) == {"config_yaml", "data_dir", "registry", "feast_data"}
    for name, parameter in parameters.items():
        assert parameter["parameterType"] == "STRING", name
        assert parameter["isOptional"] is True, name
    assert parameters["data_dir"]["defaultValue"] == "/mnt/datasets"
    assert parameters["registry"]["defaultValue"] == "s3://models/clrec/registry"
    assert parameters["feast_data"]["defaultValue"] == "/mnt/feast"
    # The configuration default round-trips to the configuration it was compiled from.
    assert load_config_text(parameters["config_yaml"]["defaultValue"]) == config


def test_gate_guards_publish(spec: dict) -> None:
    tasks = _tasks(spec)
    publish = tasks["publish"]
    # publish sits in the sub-DAG of a dsl.If, run only when its condition holds.
    gate = _condition_task(spec, publish["_dag"])
    assert gate["taskInfo"]["name"] == "gate-passed"
    condition = gate["triggerPolicy"]["condition"]
    channel = re.fullmatch(r"inputs\.parameter_values\['([^']+)'\] == true", condition)
    assert channel, condition
    source = gate["inputs"]["parameters"][channel.group(1)]["taskOutputParameter"]
    assert source["producerTask"] == "evaluate"
    assert source["outputParameterKey"] == "Output"
    assert "evaluate" in gate["dependentTasks"]
    # evaluate's Output is the gate decision, a boolean.
    evaluate_component = spec["components"][tasks["evaluate"]["componentRef"]["name"]]
    assert evaluate_component["outputDefinitions"]["parameters"]["Output"]["parameterType"] == "BOOLEAN"


def test_committed_yaml_current(config, tmp_path: Path) -> None:
    if not COMPILED.is_file():
        pytest.skip("pipelines/clrec_pipeline.yaml is not written; `make compile` writes it")
    from pipelines.compile import compile_pipeline

    fresh = compile_pipeline(config, tmp_path / "fresh.yaml")
    assert _load_spec(COMPILED) == _load_spec(fresh), "pipelines/clrec_pipeline.yaml is stale; run `make compile`"


def test_compile_command_writes_yaml(tmp_path: Path) -> None:
    # The command behind `make compile`, with an explicit output path.
    from typer.testing import CliRunner

    from clrec.cli.main import app

    output = tmp_path / "clrec_pipeline.yaml"
    result = CliRunner().invoke(
        app, ["pipeline", "compile", "--config", str(REPO_ROOT / "configs/ml-100k.yaml"), "--output", str(output)]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == str(output)
    assert _load_spec(output)["pipelineInfo"]["name"] == "clrec"
