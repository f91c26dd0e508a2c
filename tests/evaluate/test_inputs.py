"""Reading the preprocess output and the model directory, and the errors on bad input."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from clrec.evaluate.inputs import EvaluationInputError, read_evaluation_data, read_model_files
from tests.evaluate.builders import write_model, write_preprocess_output

USERS = [
    {"train": [1, 2], "valid": 3, "test": 1},
    {"train": [2], "valid": 1},
    {"train": [3]},
]


def test_splits_built_from_sequences(tmp_path):
    directory = write_preprocess_output(tmp_path, ["a", "b", "c"], [3, 2, 1], USERS)
    data = read_evaluation_data(directory)
    assert data.num_items == 3
    assert data.popularity.tolist() == [0, 3, 2, 1]
    assert data.valid.histories == [[1, 2], [2]]
    assert data.valid.targets.tolist() == [3, 1]
    # The test input is the training items followed by the validation item.
    assert data.test.histories == [[1, 2, 3]]
    assert data.test.targets.tolist() == [1]
    assert data.test.whole_sequences[0].tolist() == [1, 2, 3, 1]
    assert data.counts["test_skipped_no_target"] == 2
    assert data.counts["valid_skipped_no_target"] == 1


def test_missing_items_file(tmp_path):
    with pytest.raises(EvaluationInputError, match="items.parquet; run the preprocess step first"):
        read_evaluation_data(tmp_path)


def test_missing_column_named(tmp_path):
    directory = write_preprocess_output(tmp_path, ["a", "b", "c"], [3, 2, 1], USERS)
    pq.write_table(pa.table({"item_idx": pa.array([1, 2, 3], pa.int32())}), directory / "items.parquet")
    with pytest.raises(EvaluationInputError, match=r"lacks the columns \['item_id', 'popularity'\]"):
        read_evaluation_data(directory)


def test_item_outside_catalog(tmp_path):
    directory = write_preprocess_output(tmp_path, ["a", "b"], [3, 2], [{"train": [1, 7], "valid": 2}])
    with pytest.raises(EvaluationInputError, match="invalid item_idx 7, outside 1..2"):
        read_evaluation_data(directory)


def test_embedding_rows_checked(tmp_path):
    model = write_model(tmp_path, np.zeros((3, 2)), "dot")
    with pytest.raises(EvaluationInputError, match=r"shape \(3, 2\); expected \[5, d\]"):
        read_model_files(model, num_items=4)


def test_unknown_score_rejected(tmp_path):
    model = write_model(tmp_path, np.zeros((3, 2)), "dot")
    (model / "model_config.json").write_text(json.dumps({"score": "l2"}))
    with pytest.raises(EvaluationInputError, match="score is 'l2'; expected one of"):
        read_model_files(model, num_items=2)


def test_missing_model_file(tmp_path):
    with pytest.raises(EvaluationInputError, match="run the train step first"):
        read_model_files(tmp_path, num_items=2)
