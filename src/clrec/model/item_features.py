"""Encoders of item features, each holding its per-item index table.

Every encoder stores the feature's indices for all items `0..N` as a buffer
(`table`), so encoding an item needs only its id. Index 0 is padding (item 0,
and the unused slots of a list) and embeds to zeros.
"""

from __future__ import annotations

import torch
from torch import nn

from clrec.model.spec import FeatureSpec
from clrec.model.text import FIRST_TOKEN_INDEX


def masked_mean(embedded: torch.Tensor, indices: torch.Tensor) -> torch.Tensor:
    """Average [..., K, f] over the K non-padding slots; all-padding rows give zeros."""
    present = (indices != 0).unsqueeze(-1).to(embedded.dtype)
    total = (embedded * present).sum(dim=-2)
    return total / present.sum(dim=-2).clamp(min=1.0)


class CategoricalEncoder(nn.Module):
    """Embedding of a single-valued categorical feature."""

    def __init__(self, spec: FeatureSpec, table: torch.Tensor, feature_dim: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(len(spec.vocabulary) + FIRST_TOKEN_INDEX, feature_dim, padding_idx=0)
        self.register_buffer("table", table.reshape(-1).long())

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.embedding(self.table[ids])


class MultiCategoricalEncoder(nn.Module):
    """Mean of the embeddings of a multi-valued categorical feature (genres, tags)."""

    def __init__(self, spec: FeatureSpec, table: torch.Tensor, feature_dim: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(len(spec.vocabulary) + FIRST_TOKEN_INDEX, feature_dim, padding_idx=0)
        self.register_buffer("table", table.long())

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        indices = self.table[ids]  # [..., width]
        return masked_mean(self.embedding(indices), indices)


class TextEncoder(nn.Module):
    """Token embeddings of a text feature, optionally mixed by self-attention blocks, then averaged.

    This is the expensive kind of feature whose encoding the cached queue
    saves for negatives. With `kind="transformer"`, `layers` blocks run one
    after the other, each built (and initialised) on its own.
    """

    def __init__(
        self, spec: FeatureSpec, table: torch.Tensor, feature_dim: int, kind: str, dropout: float, layers: int = 1
    ) -> None:
        super().__init__()
        if layers < 1:
            raise ValueError(f"text encoder layers={layers} is invalid; use 1 or more")
        self.embedding = nn.Embedding(len(spec.vocabulary) + FIRST_TOKEN_INDEX, feature_dim, padding_idx=0)
        self.register_buffer("table", table.long())
        # The first block keeps the name `mixer` so that weights saved by a
        # one-block model load unchanged; further blocks go to `extra_mixers`.
        self.mixer: nn.TransformerEncoderLayer | None = None
        self.extra_mixers = nn.ModuleList()
        if kind == "transformer":
            num_heads = 2 if feature_dim % 2 == 0 else 1
            blocks = [
                nn.TransformerEncoderLayer(
                    feature_dim, num_heads, dim_feedforward=2 * feature_dim, dropout=dropout, batch_first=True
                )
                for _ in range(layers)
            ]
            self.mixer = blocks[0]
            self.extra_mixers.extend(blocks[1:])

    @property
    def num_blocks(self) -> int:
        """Number of self-attention blocks, 0 for the `mean` encoder."""
        return 0 if self.mixer is None else 1 + len(self.extra_mixers)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        indices = self.table[ids]  # [..., tokens]
        embedded = self.embedding(indices)
        if self.mixer is not None:
            flat_indices = indices.reshape(-1, indices.shape[-1])
            flat = embedded.reshape(-1, *embedded.shape[-2:])
            # An all-padding row would have no key to attend; let it see its first slot.
            padding = flat_indices == 0
            padding[:, 0] = False
            for block in [self.mixer, *self.extra_mixers]:
                flat = block(flat, src_key_padding_mask=padding)
            embedded = flat.reshape(embedded.shape)
        return masked_mean(embedded, indices)


def build_feature_encoder(
    spec: FeatureSpec, table: torch.Tensor, feature_dim: int, text_encoder: str, dropout: float, text_layers: int = 1
) -> nn.Module:
    """Return the encoder of one feature according to its kind.

    `text_layers` is the number of self-attention blocks of a `transformer` text encoder.
    """
    if spec.kind == "categorical":
        return CategoricalEncoder(spec, table, feature_dim)
    if spec.kind == "multi_categorical":
        return MultiCategoricalEncoder(spec, table, feature_dim)
    return TextEncoder(spec, table, feature_dim, text_encoder, dropout, text_layers)
