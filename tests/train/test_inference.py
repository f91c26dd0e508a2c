"""Loading a trained model, encoding users and items, exporting the user tower."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from clrec.model.user_tower import UserTower
from clrec.train import train_model
from clrec.train.inference import encode_histories, encode_items, export_user_tower, load_model, load_user_tower
from tests.train.fixtures import cyclic_sequences, tiny_config, write_features, write_sequences


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("inference")
    write_sequences(root / "sequences", cyclic_sequences(8, 20, 12, seed=2), num_items=20)
    write_features(root / "features", num_items=20)
    config = tiny_config("train.max_steps=3", "train.model.share_item_embedding=true")
    train_model(config, root / "sequences", root / "features", root / "model")
    return root


def test_load_model_eval_mode(trained):
    model = load_model(trained / "model")
    assert not model.training
    assert model.num_items == 20


def test_encode_items_matches_saved_table(trained):
    model = load_model(trained / "model")
    saved = np.load(trained / "model" / "item_embeddings.npy")
    assert saved.shape == (21, 16)
    assert saved.dtype == np.float32
    assert np.all(saved[0] == 0)
    np.testing.assert_allclose(np.linalg.norm(saved[1:], axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(encode_items(model), saved, atol=1e-6)
    np.testing.assert_allclose(encode_items(model, trained / "features"), saved, atol=1e-6)


def test_encode_histories_matches_training_path(trained):
    model = load_model(trained / "model")
    encoded = encode_histories(model, [[1, 2, 3], [5]])
    with torch.no_grad():
        expected = model.encode_users(torch.tensor([[1, 2, 3], [0, 0, 5]])).numpy()
    assert encoded.shape == (2, 16)
    assert encoded.dtype == np.float32
    np.testing.assert_allclose(encoded, expected, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(encoded, axis=1), 1.0, atol=1e-5)


def test_encode_histories_keeps_most_recent(trained):
    # max_length is 8: a 12-item history encodes like its last 8 items.
    model = load_model(trained / "model")
    long = list(range(1, 13))
    np.testing.assert_allclose(
        encode_histories(model, [long]), encode_histories(model, [long[-8:]]), atol=1e-6
    )


def test_encode_histories_batches_agree(trained):
    model = load_model(trained / "model")
    histories = [[item, item % 20 + 1] for item in range(1, 11)]
    np.testing.assert_allclose(
        encode_histories(model, histories, batch_size=3), encode_histories(model, histories), atol=1e-5
    )


def test_encode_histories_rejects_bad_ids(trained):
    model = load_model(trained / "model")
    with pytest.raises(ValueError, match=r"history 1 has item ids outside 1..20"):
        encode_histories(model, [[1], [21]])
    with pytest.raises(ValueError, match="history 0 is empty"):
        encode_histories(model, [[]])


def test_exported_user_tower_encodes_alike(trained, tmp_path):
    export_user_tower(trained / "model", tmp_path / "export")
    assert (tmp_path / "export" / "user_tower.safetensors").is_file()
    assert (tmp_path / "export" / "model_config.json").is_file()
    tower = load_user_tower(tmp_path / "export")
    assert isinstance(tower, UserTower)
    assert tower.spec.num_items == 20
    histories = [[3, 4, 5], [7]]
    np.testing.assert_allclose(
        encode_histories(tower, histories), encode_histories(load_model(trained / "model"), histories), atol=1e-6
    )


def test_load_model_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="model configuration not found"):
        load_model(tmp_path)


def test_encode_histories_rejects_other_modules():
    with pytest.raises(TypeError, match="expected a TwoTowerModel or a UserTower"):
        encode_histories(torch.nn.Linear(2, 2), [[1]])
