"""The features component, called directly and run by kfp's local runner, on Amazon Beauty-style data."""

# No `from __future__ import annotations` here: kfp reads the pipeline's
# parameter annotations as types, not as strings.

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from kfp import dsl

from clrec.config import dump_config
from components.features.component import features
from tests.features.conftest import copy_feature_repo, make_config
from tests.features.fixtures import write_preprocess_output

# Amazon Beauty has no timestamps and no item metadata, so each event's
# position is used as its time. Item indices: "11" -> 1, "12" -> 2, "13" -> 3.
HISTORIES = {
    "7": [("11", 1), ("12", 2), ("13", 3)],
    "8": [("12", 1), ("11", 2)],
}


def _inputs(root: Path) -> tuple[str, Path]:
    write_preprocess_output(root / "preprocess", HISTORIES)
    config = make_config("amazon-beauty", copy_feature_repo(root / "feature_repo"), root / "unused")
    return dump_config(config), root / "preprocess"


def test_component_function_writes_outputs(tmp_path: Path):
    config_yaml, sequences_dir = _inputs(tmp_path)
    output = dsl.Dataset(uri=str(tmp_path / "item_features"), name="item_features")
    sequences = dsl.Dataset(uri=str(sequences_dir), name="sequences")

    features.python_func(
        item_features=output,
        sequences=sequences,
        config_yaml=config_yaml,
        data_dir=str(tmp_path / "datasets"),
        feast_data=str(tmp_path / "feast"),
    )

    table = pq.read_table(tmp_path / "item_features" / "item_features.parquet")
    assert table.column_names == ["item_idx"]
    assert table.column("item_idx").to_pylist() == [1, 2, 3]
    schema = json.loads((tmp_path / "item_features" / "feature_schema.json").read_text(encoding="utf-8"))
    assert schema == {"categorical": [], "multi_categorical": [], "text": [], "unknown_token": "__unknown__"}
    report = json.loads((tmp_path / "item_features" / "feature_report.json").read_text(encoding="utf-8"))
    assert report["rows_requested"] == 3
    assert report["items_without_statistics"] == 0
    # feast_data replaces paths.feast_data, and each dataset gets its own folder.
    assert report["feast"]["data_dir"] == str(tmp_path / "feast" / "amazon-beauty")
    assert output.metadata["items"] == 3


@pytest.mark.slow
def test_component_local_runner(tmp_path: Path):
    from kfp import local

    config_yaml, sequences_dir = _inputs(tmp_path)
    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(tmp_path / "runs"))

    @dsl.pipeline(name="features-only")
    def features_only(config_yaml: str, sequences_uri: str, data_dir: str, feast_data: str):
        sequences = dsl.importer(artifact_uri=sequences_uri, artifact_class=dsl.Dataset, reimport=False)
        features(
            sequences=sequences.output,
            config_yaml=config_yaml,
            data_dir=data_dir,
            feast_data=feast_data,
        )

    features_only(
        config_yaml=config_yaml,
        sequences_uri=str(sequences_dir),
        data_dir=str(tmp_path / "datasets"),
        feast_data=str(tmp_path / "feast"),
    )
    outputs = list((tmp_path / "runs").rglob("item_features.parquet"))
    assert len(outputs) == 1
    assert pq.read_table(outputs[0]).column("item_idx").to_pylist() == [1, 2, 3]
