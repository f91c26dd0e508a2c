"""A tiny dataset is learned to HR@10 = 1 by the real training loop."""

from __future__ import annotations

import torch

from clrec.train import train_model
from clrec.train.data import load_training_data
from clrec.train.model_builder import build_model
from clrec.train.validation import count_hits
from tests.train.fixtures import cyclic_sequences, tiny_config, write_features, write_sequences


def test_overfit_tiny_dataset_hr10(tmp_path):
    # 20 users walk a cycle of 50 items, where each item is followed by the
    # next id. They start 5 items apart, so every validation transition (the
    # step after the 12 training items) is also a training transition of
    # the user who started 5 or 10 items earlier. History items stay in the
    # ranking: 50 items compete for 10 slots, and a random ranking hits 20%.
    sequences = cyclic_sequences(num_users=20, num_items=50, length=14, stride=5)
    write_sequences(tmp_path / "sequences", sequences, num_items=50)
    write_features(tmp_path / "features", num_items=50)
    config = tiny_config(
        "train.epochs=30",
        "train.early_stopping_patience=2",
        "train.valid_exclude_history=false",
        "train.optim.learning_rate=0.01",
        "train.model.dim=32",
    )
    torch.manual_seed(0)
    data = load_training_data(tmp_path / "sequences", config.train.model.max_length)
    untrained = build_model(config.train.model, 50, tmp_path / "features").eval()
    untrained_hits = count_hits(untrained, data.valid_histories, data.valid_targets, 10, exclude_history=False)

    metrics = train_model(config, tmp_path / "sequences", tmp_path / "features", tmp_path / "model")
    assert untrained_hits < 20
    assert metrics["best_valid_hr@10"] == 1.0
    assert metrics["epochs"][-1]["loss"] < metrics["epochs"][0]["loss"]
