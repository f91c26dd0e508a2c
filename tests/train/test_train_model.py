"""The train step end to end on tiny inputs: outputs, stop conditions and rejected inputs."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from clrec.model.spec import ModelSpec
from clrec.train import TrainingError, train_model
from tests.train.fixtures import (
    cyclic_sequences,
    tiny_config,
    write_empty_features,
    write_features,
    write_sequences,
)


@pytest.fixture()
def inputs(tmp_path):
    write_sequences(tmp_path / "sequences", cyclic_sequences(8, 20, 12, seed=3), num_items=20)
    write_features(tmp_path / "features", num_items=20)
    return tmp_path


def test_train_writes_model_directory(inputs):
    config = tiny_config("train.epochs=2", "train.tensorboard=true")
    metrics = train_model(config, inputs / "sequences", inputs / "features", inputs / "model")
    model_dir = inputs / "model"
    for name in ("model.safetensors", "model_config.json", "item_embeddings.npy", "train_metrics.json"):
        assert (model_dir / name).is_file(), name
    assert json.loads((model_dir / "train_metrics.json").read_text()) == json.loads(json.dumps(metrics))
    assert [record["epoch"] for record in metrics["epochs"]] == [1, 2]
    assert metrics["steps"] == 8  # 16 windows / batch 4 = 4 steps per epoch
    assert metrics["examples_per_second"] > 0
    assert metrics["device"] == "cpu"
    assert metrics["precision"] == "fp32"
    assert any((model_dir / "tensorboard").iterdir())
    spec = ModelSpec.read(model_dir / "model_config.json")
    assert [feature.name for feature in spec.features] == ["decade", "genres", "title"]
    assert spec.temperature == 0.1


def test_train_id_only_without_features(inputs):
    metrics = train_model(tiny_config("train.max_steps=2"), inputs / "sequences", None, inputs / "model")
    assert ModelSpec.read(inputs / "model" / "model_config.json").features == []
    assert np.load(inputs / "model" / "item_embeddings.npy").shape == (21, 16)
    assert metrics["steps"] == 2


def test_train_use_features_false_is_id_only(inputs):
    config = tiny_config("train.max_steps=1", "train.model.use_features=false")
    train_model(config, inputs / "sequences", inputs / "features", inputs / "model")
    assert ModelSpec.read(inputs / "model" / "model_config.json").features == []


def test_train_empty_feature_schema_is_id_only(inputs):
    write_empty_features(inputs / "empty", num_items=20)
    train_model(tiny_config("train.max_steps=1"), inputs / "sequences", inputs / "empty", inputs / "model")
    assert ModelSpec.read(inputs / "model" / "model_config.json").features == []


def test_train_max_steps_stops_mid_epoch(inputs):
    metrics = train_model(tiny_config("train.max_steps=3"), inputs / "sequences", inputs / "features", inputs / "m")
    assert metrics["steps"] == 3
    assert metrics["epochs"][-1]["partial"] is True
    assert metrics["stop_reason"] == "reached max_steps=3"


def test_train_early_stopping(inputs):
    # The data is learned to HR@10 = 1 at once, so no later epoch improves
    # and patience 1 stops after epoch 2.
    config = tiny_config("train.epochs=10", "train.early_stopping_patience=1")
    metrics = train_model(config, inputs / "sequences", inputs / "features", inputs / "model")
    assert metrics["epochs_run"] < 10
    assert metrics["stop_reason"].startswith("early stopping")


def test_train_non_finite_loss_names_step(inputs):
    # 1 / 1e-45 overflows float32, so cosine scores become +-inf and the loss NaN.
    config = tiny_config("train.model.temperature=1e-45")
    with pytest.raises(TrainingError, match=r"loss is nan at step 1 \(epoch 1, batch 1\)"):
        train_model(config, inputs / "sequences", inputs / "features", inputs / "model")


@pytest.mark.parametrize("kind", ["in_batch", "raw_queue", "momentum_queue", "sampled_softmax", "full_softmax"])
def test_train_every_loss_kind_runs(inputs, kind):
    config = tiny_config("train.max_steps=2", f"train.loss.kind={kind}", "train.loss.num_negatives=8",
                         "train.loss.accidental_hits=history")
    metrics = train_model(config, inputs / "sequences", inputs / "features", inputs / "model")
    assert metrics["loss_kind"] == kind
    assert np.isfinite(metrics["final_loss"])


def test_train_missing_sequences_rejected(tmp_path):
    with pytest.raises(FileNotFoundError, match="sequences directory not found"):
        train_model(tiny_config(), tmp_path / "absent", None, tmp_path / "model")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without CUDA")
def test_train_cuda_without_gpu_rejected_before_work(inputs):
    config = tiny_config("train.device=cuda")
    with pytest.raises(ValueError, match="CUDA is not available"):
        train_model(config, inputs / "sequences", inputs / "features", inputs / "model")
    assert not (inputs / "model").exists()
