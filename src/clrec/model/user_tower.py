"""User tower: a SASRec-style causal Transformer over the item history.

Histories are left-padded with item 0, so the most recent item always sits
in the last slot and gets the same position embedding in training and in
serving. Position `t` of the output summarises items up to `t` and is
trained to score the item at `t + 1`.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def causal_attention_mask(valid: torch.Tensor) -> torch.Tensor:
    """Return allowed[b, 1, i, j]: query i may attend key j.

    A query attends to itself and to the earlier non-padding keys. Letting
    every query attend to itself gives padding rows at least one key, so the
    softmax has no NaN; their outputs are zeroed afterwards.
    """
    length = valid.shape[1]
    causal = torch.ones(length, length, dtype=torch.bool, device=valid.device).tril()
    diagonal = torch.eye(length, dtype=torch.bool, device=valid.device)
    allowed = causal & (valid[:, None, :] | diagonal)  # [B, T, T]
    return allowed[:, None, :, :]


class SelfAttentionBlock(nn.Module):
    """Pre-norm Transformer block: multi-head self-attention, then a feed-forward layer."""

    def __init__(self, dim: int, num_heads: int, dropout: float) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.dropout = dropout
        self.attention_norm = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.attention_out = nn.Linear(dim, dim)
        self.feed_forward_norm = nn.LayerNorm(dim)
        self.feed_forward = nn.Sequential(
            nn.Linear(dim, 2 * dim), nn.GELU(), nn.Dropout(dropout), nn.Linear(2 * dim, dim)
        )
        self.residual_dropout = nn.Dropout(dropout)

    def forward(self, hidden: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
        batch, length, dim = hidden.shape
        qkv = self.qkv(self.attention_norm(hidden))
        # [B, T, 3d] -> three tensors of [B, heads, T, d / heads]
        query, key, value = (
            qkv.view(batch, length, 3, self.num_heads, dim // self.num_heads).permute(2, 0, 3, 1, 4).unbind(0)
        )
        attended = F.scaled_dot_product_attention(
            query, key, value, attn_mask=allowed, dropout_p=self.dropout if self.training else 0.0
        )
        attended = attended.transpose(1, 2).reshape(batch, length, dim)
        hidden = hidden + self.residual_dropout(self.attention_out(attended))
        return hidden + self.residual_dropout(self.feed_forward(self.feed_forward_norm(hidden)))


class UserTower(nn.Module):
    """Causal Transformer f(x) over item ids.

    Args:
        item_embedding: input embedding of the items; pass the item tower's id
            embedding to share it.
        max_length: number of position embeddings, the longest history seen.
        normalize_output: L2-normalise `encode` outputs (cosine score).
    """

    def __init__(
        self,
        item_embedding: nn.Embedding,
        max_length: int,
        num_layers: int,
        num_heads: int,
        dropout: float,
        normalize_output: bool,
    ) -> None:
        super().__init__()
        dim = item_embedding.embedding_dim
        self.item_embedding = item_embedding
        self.position_embedding = nn.Embedding(max_length, dim)
        self.input_dropout = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(SelfAttentionBlock(dim, num_heads, dropout) for _ in range(num_layers))
        self.output_norm = nn.LayerNorm(dim)
        self.max_length = max_length
        self.normalize_output = normalize_output

    @property
    def num_items(self) -> int:
        return self.item_embedding.num_embeddings - 1

    def forward(self, items: torch.Tensor) -> torch.Tensor:
        """Return the hidden state of every position: items [B, T] -> [B, T, d], zero at padding.

        T may be shorter than `max_length` (left-trimmed padding); the slots
        then take the last T position embeddings.
        """
        batch, length = items.shape
        if length > self.max_length:
            raise ValueError(f"history length {length} exceeds max_length {self.max_length}")
        valid = items != 0
        positions = torch.arange(self.max_length - length, self.max_length, device=items.device)
        dim = self.item_embedding.embedding_dim
        hidden = self.item_embedding(items) * math.sqrt(dim) + self.position_embedding(positions)[None]
        hidden = self.input_dropout(hidden) * valid[..., None]
        allowed = causal_attention_mask(valid)
        for block in self.blocks:
            hidden = block(hidden, allowed) * valid[..., None]
        return self.output_norm(hidden) * valid[..., None]

    def encode(self, items: torch.Tensor) -> torch.Tensor:
        """Return one embedding per history: items [B, T] left-padded -> [B, d] at the last slot."""
        last = self(items)[:, -1]
        return F.normalize(last, dim=-1) if self.normalize_output else last
