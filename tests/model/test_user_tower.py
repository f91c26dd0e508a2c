"""Causality, padding and trimming of the SASRec-style user tower."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from clrec.model.user_tower import UserTower, causal_attention_mask


def _tower(normalize: bool = False) -> UserTower:
    torch.manual_seed(0)
    tower = UserTower(nn.Embedding(11, 8, padding_idx=0), max_length=6, num_layers=2, num_heads=2,
                      dropout=0.0, normalize_output=normalize)
    return tower.eval()


def test_mask_allows_past_and_self_only():
    # One row [pad, 5, 6]: query 0 (padding) attends only to itself, query 2 to keys 1 and 2.
    allowed = causal_attention_mask(torch.tensor([[False, True, True]]))[0, 0]
    assert allowed.tolist() == [[True, False, False], [False, True, False], [False, True, True]]


def test_tower_output_ignores_future_items():
    tower = _tower()
    first = tower(torch.tensor([[1, 2, 3, 4, 5, 6]]))
    second = tower(torch.tensor([[1, 2, 3, 9, 9, 9]]))
    # Positions 0..2 see only items 1, 2, 3 in both rows.
    assert torch.allclose(first[0, :3], second[0, :3], atol=1e-6)
    assert not torch.allclose(first[0, 3], second[0, 3], atol=1e-3)


def test_tower_zeroes_padding_positions():
    output = _tower()(torch.tensor([[0, 0, 3, 4, 5, 6]]))
    assert torch.all(output[0, :2] == 0)
    assert torch.all(torch.isfinite(output))


def test_tower_left_trim_keeps_outputs():
    # Cutting leading padding columns must not change the outputs, because
    # slots keep their position embeddings counted from the right.
    tower = _tower()
    full = tower(torch.tensor([[0, 0, 0, 7, 8, 9]]))
    trimmed = tower(torch.tensor([[7, 8, 9]]))
    assert torch.allclose(full[0, 3:], trimmed[0], atol=1e-5)


def test_tower_batch_rows_independent():
    tower = _tower()
    alone = tower.encode(torch.tensor([[0, 0, 0, 1, 2, 3]]))
    together = tower.encode(torch.tensor([[0, 0, 0, 1, 2, 3], [4, 5, 6, 7, 8, 9]]))
    assert torch.allclose(alone[0], together[0], atol=1e-5)


def test_tower_encode_normalises_for_cosine():
    encoded = _tower(normalize=True).encode(torch.tensor([[1, 2, 3]]))
    assert encoded.norm(dim=-1).item() == pytest.approx(1.0, abs=1e-5)


def test_tower_rejects_too_long_history():
    with pytest.raises(ValueError, match="history length 7 exceeds max_length 6"):
        _tower()(torch.ones(1, 7, dtype=torch.long))
