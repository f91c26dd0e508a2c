"""Runner choice, the time-cutoff split end to end, and a run with parallel worker processes."""

from __future__ import annotations

import pytest
from apache_beam.options.pipeline_options import DirectOptions, StandardOptions

from clrec.preprocess import PreprocessError, run_preprocess
from clrec.preprocess.run import make_pipeline_options
from tests.preprocess.helpers import HEADERLESS_TSV, make_config, read_table, with_preprocess, write_rows
from tests.preprocess.test_golden import GOLDEN_CONFIG, ROWS


def test_options_default_runner():
    assert make_pipeline_options([]).view_as(StandardOptions).runner == "FnApiRunner"


def test_options_keep_runner():
    options = make_pipeline_options(["--runner=DataflowRunner", "--project=p"])
    assert options.view_as(StandardOptions).runner == "DataflowRunner"


def test_options_multi_processing():
    options = make_pipeline_options(["--direct_running_mode=multi_processing", "--direct_num_workers=2"])
    assert options.view_as(DirectOptions).direct_running_mode == "multi_processing"


@pytest.mark.parametrize("args", [["--direct_running_mode=multi_threading"], ["--direct_running_mode", "multi_threading"]])
def test_options_reject_multi_threading(args):
    with pytest.raises(PreprocessError, match=r"multi_threading is not supported.*999,123 of 1,000,000"):
        make_pipeline_options(args)


def test_multi_threading_rejected_from_config(tmp_path):
    config = make_config(with_preprocess(HEADERLESS_TSV, beam_args=["--direct_running_mode=multi_threading"]))
    with pytest.raises(PreprocessError, match="multi_threading"):
        run_preprocess(config, tmp_path, tmp_path / "output")


def test_multi_processing_matches_in_memory(tmp_path):
    write_rows(tmp_path / "input" / "log.tsv", ROWS)
    config = make_config(GOLDEN_CONFIG)
    single = run_preprocess(config, tmp_path / "input", tmp_path / "single")
    multi = run_preprocess(
        config,
        tmp_path / "input",
        tmp_path / "multi",
        beam_args=["--direct_running_mode=multi_processing", "--direct_num_workers=2"],
    )
    assert multi == single
    for name in ("events.parquet", "sequences.parquet", "items.parquet", "users.parquet"):
        assert read_table(tmp_path / "multi", name).equals(read_table(tmp_path / "single", name)), name


def test_time_cutoff_split(run_on_rows):
    # Cutoff 300. User 1: 100, 200 before; 300, 400 after -> train [a], valid b, test c; d removed.
    # User 2: 350 only, nothing before -> removed. User 3: 150 before, 310 after -> train [a], test b.
    rows = [
        "1\ta\t5\t100", "1\tb\t5\t200", "1\tc\t5\t300", "1\td\t5\t400",
        "2\ta\t5\t350",
        "3\ta\t5\t150", "3\tb\t5\t310",
    ]
    preprocess = with_preprocess(HEADERLESS_TSV, split={"strategy": "time_cutoff", "time_cutoff": 300})
    manifest, output = run_on_rows(rows, preprocess)
    sequences = read_table(output, "sequences.parquet").to_pydict()
    # Items a -> 1, b -> 2, c -> 3 (d is gone); users 1 -> 1, 3 -> 2.
    assert sequences["user_id"] == ["1", "3"]
    assert sequences["train_items"] == [[1], [1]]
    assert sequences["valid_item"] == [2, None]
    assert sequences["test_item"] == [3, 2]
    assert manifest["removed_by_reason"]["after_test_target"] == 1
    assert manifest["removed_by_reason"]["no_events_before_cutoff"] == 1
    assert manifest["items"] == 3
