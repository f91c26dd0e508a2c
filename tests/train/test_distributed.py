"""Data-parallel training with torchrun: two CPU workers on the gloo backend."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from clrec.train.distributed import read_launch_environment
from clrec.train.inference import load_model
from tests.train.fixtures import TINY_TRAIN, cyclic_sequences, write_features, write_sequences

TORCHRUN = Path(sys.executable).with_name("torchrun")


def test_launch_environment_defaults():
    assert read_launch_environment({}) == (0, 1, 0)
    assert read_launch_environment({"RANK": "1", "WORLD_SIZE": "2", "LOCAL_RANK": "1"}) == (1, 2, 1)


def test_launch_environment_rejects_bad_rank():
    with pytest.raises(ValueError, match="RANK=2, WORLD_SIZE=2"):
        read_launch_environment({"RANK": "2", "WORLD_SIZE": "2"})


@pytest.mark.skipif(not TORCHRUN.is_file(), reason="torchrun is not installed next to this Python")
def test_two_gloo_workers_train_one_model(tmp_path):
    # 12 users x 2 windows = 24 windows; each of 2 workers gets 12, i.e. 3
    # steps of 4 per epoch, so 2 epochs are 6 steps.
    write_sequences(tmp_path / "sequences", cyclic_sequences(12, 30, 14, seed=5), num_items=30)
    write_features(tmp_path / "features", num_items=30)
    overrides = [*TINY_TRAIN, "train.epochs=2", "train.early_stopping_patience=0", "train.device=cpu"]
    command = [
        str(TORCHRUN), "--standalone", "--nproc-per-node=2", "-m", "clrec.cli.main", "train",
        "--sequences", str(tmp_path / "sequences"), "--features", str(tmp_path / "features"),
        "--output", str(tmp_path / "model"),
    ]
    for override in overrides:
        command += ["--set", override]
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(command, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]

    metrics = json.loads((tmp_path / "model" / "train_metrics.json").read_text())
    assert metrics["world_size"] == 2
    assert metrics["steps"] == 6
    assert load_model(tmp_path / "model").num_items == 30
    # One queue per worker: each rank saved its own, filled from its own shard.
    folder = next((tmp_path / "model" / "checkpoints").glob("step-*"))
    queues = [
        torch.load(folder / f"rank-{rank}.pt", weights_only=True)["objective"]["_extra_state"]["queue"]
        for rank in range(2)
    ]
    assert queues[0]["size"] == queues[1]["size"] > 0
    assert not torch.equal(queues[0]["ids"], queues[1]["ids"])
