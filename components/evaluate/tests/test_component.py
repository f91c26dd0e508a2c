"""The evaluate component: its Python function directly, and a run with kfp's local runner."""

import json
from pathlib import Path

import pytest
from kfp import dsl

from clrec.config import dump_config, load_config
from components.evaluate.component import evaluate
from tests.evaluate.builders import write_model, write_preprocess_output
from tests.evaluate.fixtures import standin  # noqa: F401
from tests.evaluate.test_run import EMBEDDINGS, ITEM_IDS, OVERRIDES, POPULARITY, USERS


def _artifact(kind, path: Path):
    artifact = kind(name=path.name, uri=str(path))
    return artifact


def test_component_function(standin, tmp_path):
    sequences = write_preprocess_output(tmp_path / "sequences", ITEM_IDS, POPULARITY, USERS)
    model = write_model(tmp_path / "model", EMBEDDINGS, "dot")
    registry = tmp_path / "registry"
    registry.mkdir()
    outputs = {
        "report": _artifact(dsl.HTML, tmp_path / "report.html"),
        "plot": _artifact(dsl.HTML, tmp_path / "plot.html"),
        "evaluation": _artifact(dsl.Artifact, tmp_path / "evaluation"),
        "metrics": _artifact(dsl.Metrics, tmp_path / "metrics"),
    }

    promote = evaluate.python_func(
        **outputs,
        sequences=_artifact(dsl.Dataset, sequences),
        model=_artifact(dsl.Model, model),
        config_yaml=dump_config(load_config(None, OVERRIDES)),
        registry=str(registry),
    )

    assert promote is True
    assert json.loads((tmp_path / "evaluation" / "gate.json").read_text())["promote"] is True
    assert "Promotion gate" in (tmp_path / "report.html").read_text()
    assert "data:image/png;base64," in (tmp_path / "plot.html").read_text()
    # Test HR@2 is 1/2 on this catalog (worked out in tests/evaluate/test_run.py).
    assert outputs["metrics"].metadata["test_hr@2"] == 0.5
    assert outputs["metrics"].metadata["promote"] == 1.0
    assert outputs["evaluation"].metadata["failed_checks"] == []


@pytest.fixture
def trained_model_inputs(tmp_path):
    from clrec.train.artifacts import write_model_dir
    from clrec.train.model_builder import build_model

    config = load_config(
        None,
        [
            *OVERRIDES,
            "train.model.dim=8",
            "train.model.max_length=4",
            "train.model.num_layers=1",
            "train.model.num_heads=2",
            "train.model.dropout=0.0",
            "evaluate.gate.hr_floor=0.0",
            "evaluate.gate.popularity_index_ceiling=1.0",
        ],
    )
    sequences = write_preprocess_output(tmp_path / "sequences", ITEM_IDS, POPULARITY, USERS)
    model_dir = tmp_path / "model"
    write_model_dir(build_model(config.train.model, len(ITEM_IDS), None), model_dir, {})
    return config, sequences, model_dir


def test_component_local_runner(trained_model_inputs, tmp_path):
    from kfp import local

    config, sequences, model_dir = trained_model_inputs
    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(tmp_path / "runs"))

    @dsl.pipeline
    def evaluate_only(config_yaml: str, registry: str) -> bool:
        imported_sequences = dsl.importer(artifact_uri=str(sequences), artifact_class=dsl.Dataset)
        imported_model = dsl.importer(artifact_uri=str(model_dir), artifact_class=dsl.Model)
        task = evaluate(
            sequences=imported_sequences.output,
            model=imported_model.output,
            config_yaml=config_yaml,
            registry=registry,
        )
        return task.outputs["Output"]

    registry = tmp_path / "registry"
    registry.mkdir()
    run = evaluate_only(config_yaml=dump_config(config), registry=str(registry))
    assert run.output is True
    gates = list((tmp_path / "runs").rglob("gate.json"))
    assert len(gates) == 1
    assert json.loads(gates[0].read_text())["first_run"] is True
