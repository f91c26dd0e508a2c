"""A run killed mid-epoch and resumed ends exactly like an uninterrupted run (CPU, fixed seed)."""

from __future__ import annotations

import json

import pytest
from safetensors.torch import load_file

from clrec.train.loop import TrainingError, run_training
from tests.train.fixtures import cyclic_sequences, tiny_config, write_features, write_sequences


class SimulatedKill(Exception):
    """Raised from the step callback to stop a run as a kill would."""


def _inputs(tmp_path):
    sequences = cyclic_sequences(num_users=12, num_items=30, length=14, seed=4)
    write_sequences(tmp_path / "sequences", sequences, num_items=30)
    write_features(tmp_path / "features", num_items=30)
    return tmp_path / "sequences", tmp_path / "features"


def _config(kind: str):
    # 24 windows / batch 4 = 6 steps per epoch; a checkpoint every 4 steps
    # falls inside epochs (steps 4, 8, 16) as well as at their ends.
    return tiny_config(
        "train.epochs=3",
        "train.early_stopping_patience=0",
        "train.checkpoint_every_steps=4",
        "train.model.dropout=0.2",
        "train.loss.num_negatives=16",
        f"train.loss.kind={kind}",
    )


@pytest.mark.parametrize("kind", ["cached_queue", "sampled_softmax"])
def test_resume_after_kill_matches_uninterrupted(tmp_path, kind):
    sequences_dir, features_dir = _inputs(tmp_path)
    config = _config(kind)
    straight = run_training(config, sequences_dir, features_dir, tmp_path / "straight")

    def kill_at_step_ten(step: int) -> None:
        # Step 10 is in epoch 2, two steps after the checkpoint of step 8.
        if step == 10:
            raise SimulatedKill

    with pytest.raises(SimulatedKill):
        run_training(config, sequences_dir, features_dir, tmp_path / "resumed", step_callback=kill_at_step_ten)
    latest = json.loads((tmp_path / "resumed" / "checkpoints" / "latest.json").read_text())
    resumed = run_training(config, sequences_dir, features_dir, tmp_path / "resumed")

    assert latest["global_step"] == 8
    assert resumed["steps"] == straight["steps"] == 18
    assert resumed["epochs"] == straight["epochs"]
    first = load_file(tmp_path / "straight" / "model.safetensors")
    second = load_file(tmp_path / "resumed" / "model.safetensors")
    assert first.keys() == second.keys()
    for name in first:
        assert (first[name] == second[name]).all(), name


def test_resume_rejects_changed_settings(tmp_path):
    sequences_dir, features_dir = _inputs(tmp_path)
    run_training(_config("cached_queue"), sequences_dir, features_dir, tmp_path / "model")
    changed = tiny_config("train.epochs=3", "train.model.dim=8")
    with pytest.raises(TrainingError, match=r"different settings or data \(.*model"):
        run_training(changed, sequences_dir, features_dir, tmp_path / "model")


def test_no_resume_starts_over(tmp_path):
    sequences_dir, features_dir = _inputs(tmp_path)
    run_training(_config("cached_queue"), sequences_dir, features_dir, tmp_path / "model")
    changed = tiny_config("train.epochs=1", "train.model.dim=8")
    metrics = run_training(changed, sequences_dir, features_dir, tmp_path / "model", resume=False)
    assert metrics["steps"] == 6
