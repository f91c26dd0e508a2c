"""Item tower with and without features, and the two-tower model around it."""

from __future__ import annotations

import pytest
import torch

from clrec.model.item_features import masked_mean
from clrec.model.spec import FeatureSpec, ModelSpec
from clrec.model.text import build_vocabulary, encode_text, tokenize
from clrec.model.two_tower import TwoTowerModel
from clrec.train.artifacts import write_model_dir
from clrec.train.inference import load_model


def _spec(features: list[FeatureSpec], **changes) -> ModelSpec:
    values = dict(
        num_items=3, dim=4, max_length=5, num_layers=1, num_heads=2, dropout=0.0, feature_dim=2,
        share_item_embedding=False, text_encoder="mean", score="cosine", temperature=0.1, features=features,
    )
    values.update(changes)
    return ModelSpec(**values)


GENRES = FeatureSpec(name="genres", kind="multi_categorical", vocabulary=["a", "b"], width=2)
DECADE = FeatureSpec(name="decade", kind="categorical", vocabulary=["1990s"], width=1)
TITLE = FeatureSpec(name="title", kind="text", vocabulary=["movie", "one"], width=3)
TABLES = [
    torch.tensor([[0, 0], [2, 3], [3, 0], [1, 0]]),  # item 3 has an out-of-vocabulary genre
    torch.tensor([0, 2, 2, 1]),
    torch.tensor([[0, 0, 0], [2, 3, 0], [2, 0, 0], [0, 0, 0]]),  # item 3 has no title
]


def test_masked_mean_skips_padding():
    # Row [e1, e2, pad] averages e1 and e2 only: ([1, 1] + [3, 5]) / 2 = [2, 3].
    embedded = torch.tensor([[[1.0, 1.0], [3.0, 5.0], [9.0, 9.0]]])
    assert masked_mean(embedded, torch.tensor([[4, 5, 0]])).tolist() == [[2.0, 3.0]]
    assert masked_mean(embedded, torch.tensor([[0, 0, 0]])).tolist() == [[0.0, 0.0]]


def test_item_tower_with_features_shapes():
    model = TwoTowerModel(_spec([GENRES, DECADE, TITLE]), TABLES)
    encoded = model.encode_items(torch.tensor([[1, 2], [3, 1]]))
    assert encoded.shape == (2, 2, 4)
    assert model.item_tower.projection.in_features == 4 + 3 * 2


def test_item_tower_id_only_negatives_zero_features():
    # With use_features=False the projection gets [e(y); 0], so only the
    # id columns of W and the bias contribute.
    model = TwoTowerModel(_spec([GENRES, DECADE, TITLE]), TABLES)
    ids = torch.tensor([1])
    projection = model.item_tower.projection
    expected = model.item_tower.id_embedding(ids) @ projection.weight[:, :4].T + projection.bias
    id_only = model.encode_items(ids, use_features=False)
    assert torch.allclose(id_only, expected, atol=1e-6)
    assert not torch.allclose(model.encode_items(ids), id_only)


def test_item_tower_without_features_is_id_embedding():
    model = TwoTowerModel(_spec([]), [])
    ids = torch.tensor([1, 3])
    assert model.item_tower.projection is None
    assert torch.equal(model.encode_items(ids), model.item_tower.id_embedding(ids))


def test_shared_embedding_is_one_module():
    model = TwoTowerModel(_spec([], share_item_embedding=True), [])
    assert model.user_tower.item_embedding is model.item_tower.id_embedding


def test_transformer_text_encoder_handles_empty_title():
    model = TwoTowerModel(_spec([TITLE], text_encoder="transformer"), [TABLES[2]]).eval()
    encoded = model.encode_items(torch.tensor([1, 2, 3]))
    assert torch.all(torch.isfinite(encoded))


def test_text_layers_builds_blocks():
    model = TwoTowerModel(_spec([GENRES, TITLE], text_encoder="transformer", text_layers=3), [TABLES[0], TABLES[2]])
    title = model.item_tower.feature_encoders[1]
    assert title.num_blocks == 3
    assert len(title.extra_mixers) == 2
    blocks = [title.mixer, *title.extra_mixers]
    # Each block is built on its own, so the first two do not start with the same weights.
    assert not torch.equal(blocks[0].linear1.weight, blocks[1].linear1.weight)
    encoded = model.eval().encode_items(torch.tensor([[1, 2, 3], [3, 2, 1]]))
    assert encoded.shape == (2, 3, 4)
    assert torch.all(torch.isfinite(encoded))


def test_text_layers_default_keeps_one_block_weights():
    # One block keeps the weight names of models saved before `text_layers`
    # existed, and a saved spec without the field reads as one block.
    model = TwoTowerModel(_spec([TITLE], text_encoder="transformer"), [TABLES[2]])
    title = model.item_tower.feature_encoders[0]
    assert title.num_blocks == 1
    keys = [key for key in model.state_dict() if "mixer" in key]
    assert keys
    assert all(key.startswith("item_tower.feature_encoders.0.mixer.") for key in keys)
    saved = _spec([TITLE], text_encoder="transformer").model_dump(mode="json")
    del saved["text_layers"]
    assert ModelSpec.model_validate(saved).text_layers == 1


def test_text_layers_survive_save_and_load(tmp_path):
    model = TwoTowerModel(_spec([GENRES, TITLE], text_encoder="transformer", text_layers=3), [TABLES[0], TABLES[2]])
    write_model_dir(model, tmp_path, metrics={})
    loaded = load_model(tmp_path)
    assert loaded.spec.text_layers == 3
    assert loaded.item_tower.feature_encoders[1].num_blocks == 3
    ids = torch.tensor([1, 2, 3])
    assert torch.equal(loaded.encode_items(ids), model.eval().encode_items(ids))


def test_text_layers_ignored_by_mean_encoder():
    model = TwoTowerModel(_spec([TITLE], text_layers=3), [TABLES[2]])
    assert model.item_tower.feature_encoders[0].num_blocks == 0


def test_item_embedding_table_padding_row_zero_and_normalised():
    model = TwoTowerModel(_spec([GENRES, DECADE, TITLE]), TABLES).eval()
    table = model.item_embedding_table()
    assert table.shape == (4, 4)
    assert torch.all(table[0] == 0)
    assert table[1:].norm(dim=1).tolist() == pytest.approx([1.0, 1.0, 1.0], abs=1e-5)


def test_tokenize_and_encode_text():
    assert tokenize("Toy Story (1995)") == ["toy", "story", "1995"]
    vocabulary = build_vocabulary(["b a", "a c", "a"], max_size=2)
    # Counts: a=3, b=1, c=1; ties broken alphabetically, so [a, b].
    assert vocabulary == ["a", "b"]
    index = {token: position + 2 for position, token in enumerate(vocabulary)}
    # "c" is out of vocabulary (1); padding to 4 tokens with 0.
    assert encode_text("A c b", index, 4) == [2, 1, 3, 0]
    assert encode_text("a a a a a", index, 3) == [2, 2, 2]


def test_model_init_repeatable_with_seed():
    # Separate models built after the same seed must be equal, whatever the
    # memory addresses of their modules.
    states = []
    for _ in range(4):
        torch.manual_seed(7)
        states.append(TwoTowerModel(_spec([GENRES]), [TABLES[0]]).state_dict())
    for state in states[1:]:
        for name, value in state.items():
            assert torch.equal(value, states[0][name]), name
