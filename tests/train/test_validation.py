"""Choice of the validation users that early stopping ranks."""

from __future__ import annotations

import numpy as np

from clrec.train import train_model
from clrec.train.validation import validation_users
from tests.train.fixtures import cyclic_sequences, tiny_config, write_sequences


def test_validation_users_all_by_default():
    assert validation_users(5, 0, seed=1).tolist() == [0, 1, 2, 3, 4]


def test_validation_users_limit_above_count():
    assert validation_users(3, 10, seed=1).tolist() == [0, 1, 2]


def test_validation_users_subsample_seeded():
    first = validation_users(1000, 50, seed=7)
    assert len(first) == 50
    assert len(np.unique(first)) == 50
    assert np.all(np.diff(first) > 0)
    assert np.array_equal(first, validation_users(1000, 50, seed=7))
    assert not np.array_equal(first, validation_users(1000, 50, seed=8))


def test_train_validates_subsample(tmp_path, monkeypatch):
    # Eight users have a validation target; only three of them are ranked.
    from clrec.train import loop

    ranked = []

    def recording_count_hits(model, histories, targets, k, exclude_history):
        ranked.append(len(targets))
        return 0

    monkeypatch.setattr(loop, "count_hits", recording_count_hits)
    write_sequences(tmp_path / "sequences", cyclic_sequences(8, 20, 12, seed=3), num_items=20)
    config = tiny_config("train.max_steps=2", "train.valid_max_users=3")
    metrics = train_model(config, tmp_path / "sequences", None, tmp_path / "model")
    assert ranked
    assert set(ranked) == {3}
    assert metrics["valid_users"] == 3
