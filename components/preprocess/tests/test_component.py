"""The preprocess component, called directly and run by kfp's local runner, on a small log."""

# No `from __future__ import annotations` here: kfp reads the pipeline's
# parameter annotations as types, not as strings.

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from kfp import dsl

from clrec.config import dump_config
from components.preprocess.component import preprocess
from tests.preprocess.helpers import HEADERLESS_TSV, make_config, write_rows

# User 1 has 3 events (train a, valid b, test c); user 2 has 1 (train only).
ROWS = ["1\ta\t5\t10", "1\tb\t4\t20", "1\tc\t3\t30", "2\ta\t5\t15"]


def _inputs(root: Path) -> tuple[str, Path]:
    data_dir = root / "datasets"
    write_rows(data_dir / "ml-100k" / "log.tsv", ROWS)
    return dump_config(make_config(HEADERLESS_TSV)), data_dir


def test_component_function_writes_outputs(tmp_path: Path):
    config_yaml, data_dir = _inputs(tmp_path)
    sequences = dsl.Dataset(uri=str(tmp_path / "sequences"), name="sequences")
    metrics = dsl.Metrics(uri=str(tmp_path / "metrics"), name="metrics")

    preprocess.python_func(sequences=sequences, metrics=metrics, config_yaml=config_yaml, data_dir=str(data_dir))

    table = pq.read_table(tmp_path / "sequences" / "sequences.parquet")
    assert table.column("user_id").to_pylist() == ["1", "2"]
    assert table.column("test_item").to_pylist() == [3, None]
    manifest = json.loads((tmp_path / "sequences" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["events"] == 4
    assert sequences.metadata["users"] == 2
    assert sequences.metadata["users_train_only"] == 1
    assert metrics.metadata["events"] == 4.0


@pytest.mark.slow
def test_component_local_runner(tmp_path: Path):
    from kfp import local

    config_yaml, data_dir = _inputs(tmp_path)
    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(tmp_path / "runs"))

    task = preprocess(config_yaml=config_yaml, data_dir=str(data_dir))

    output = Path(task.outputs["sequences"].path)
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["events_by_split"] == {"train": 2, "valid": 1, "test": 1}
    assert task.outputs["sequences"].metadata["items"] == 3
