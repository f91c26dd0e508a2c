"""The validate and stop_run components: their Python functions, and a kfp local run."""

from pathlib import Path

import pytest
from kfp import dsl

from clrec.config import load_config_text
from components.validate.component import stop_run, validate
from tests.validation.fixtures import (
    NUM_ITEMS,
    USER_LENGTHS,
    clean_feature_table,
    events_from_lengths,
    tables_from_events,
    write_features_output,
    write_preprocess_output,
)

CONFIG_YAML = (
    "validation:\n  known_values:\n    decade: ['1980s', '1990s']\n"
    "    genres: ['Action', 'Comedy', 'Drama']\n"
)


def _artifact(kind, path: Path):
    return kind(name=path.name, uri=str(path))


def _preprocess_output(directory: Path, negative_item: bool = False) -> Path:
    tables = tables_from_events(events_from_lengths(USER_LENGTHS), NUM_ITEMS)
    if negative_item:
        tables["events"].loc[0, "item_idx"] = -3
    return write_preprocess_output(tables, directory)


def test_config_text_is_valid():
    assert load_config_text(CONFIG_YAML).validation.known_values["decade"] == ["1980s", "1990s"]


def test_function_passes_clean_data(tmp_path):
    sequences = _preprocess_output(tmp_path / "sequences")
    report = _artifact(dsl.HTML, tmp_path / "report.html")
    passed = validate.python_func(
        report=report,
        data=_artifact(dsl.Dataset, sequences),
        config_yaml=CONFIG_YAML,
        stage="preprocessed",
    )
    assert passed is True
    assert "<style>" in (tmp_path / "report.html").read_text(encoding="utf-8")
    assert report.metadata["passed"] is True
    assert report.metadata["failed"] == 0


def test_function_reports_bad_data(tmp_path, caplog):
    sequences = _preprocess_output(tmp_path / "sequences", negative_item=True)
    report = _artifact(dsl.HTML, tmp_path / "report.html")
    with caplog.at_level("ERROR"):
        passed = validate.python_func(
            report=report,
            data=_artifact(dsl.Dataset, sequences),
            config_yaml=CONFIG_YAML,
            stage="preprocessed",
        )
    assert passed is False
    # The report is saved even though the data failed.
    assert "failed" in (tmp_path / "report.html").read_text(encoding="utf-8")
    assert report.metadata["failed"] > 0
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "expect_column_values_to_be_between on item_idx failed: observed 1 of 20 rows" in logged
    assert "threshold min_value=1" in logged


def test_function_validates_features(tmp_path):
    sequences = _preprocess_output(tmp_path / "sequences")
    features = write_features_output(clean_feature_table(), tmp_path / "features")
    passed = validate.python_func(
        report=_artifact(dsl.HTML, tmp_path / "report.html"),
        data=_artifact(dsl.Dataset, features),
        config_yaml=CONFIG_YAML,
        stage="features",
        sequences=_artifact(dsl.Dataset, sequences),
    )
    assert passed is True


def test_features_stage_needs_sequences(tmp_path):
    features = write_features_output(clean_feature_table(), tmp_path / "features")
    with pytest.raises(ValueError, match="stage features needs the sequences input"):
        validate.python_func(
            report=_artifact(dsl.HTML, tmp_path / "report.html"),
            data=_artifact(dsl.Dataset, features),
            config_yaml=CONFIG_YAML,
            stage="features",
        )


def test_unknown_stage_rejected(tmp_path):
    with pytest.raises(ValueError, match="invalid stage 'trained'"):
        validate.python_func(
            report=_artifact(dsl.HTML, tmp_path / "report.html"),
            data=_artifact(dsl.Dataset, tmp_path),
            config_yaml=CONFIG_YAML,
            stage="trained",
        )


def test_stop_run_raises():
    with pytest.raises(RuntimeError, match="the features data failed validation, so the run stops"):
        stop_run.python_func(stage="features")


@pytest.mark.slow
def test_local_runner_saves_failed_report(tmp_path):
    # One task in a subprocess: it imports Great Expectations afresh (seconds).
    from kfp import local

    bad = _preprocess_output(tmp_path / "bad", negative_item=True)
    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(tmp_path / "runs"))

    @dsl.pipeline
    def validate_only(config_yaml: str, sequences_uri: str) -> bool:
        imported = dsl.importer(artifact_uri=sequences_uri, artifact_class=dsl.Dataset)
        task = validate(data=imported.output, config_yaml=config_yaml, stage="preprocessed")
        return task.outputs["Output"]

    run = validate_only(config_yaml=CONFIG_YAML, sequences_uri=str(bad))
    assert run.output is False
    # The task did not raise, so kfp kept its report artifact.
    reports = list((tmp_path / "runs").rglob("report"))
    assert len(reports) == 1
    assert "failed" in reports[0].read_text(encoding="utf-8")
