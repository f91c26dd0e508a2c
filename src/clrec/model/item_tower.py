"""Item tower g(y): the item-id embedding plus the item's feature embeddings projected to d."""

from __future__ import annotations

import torch
from torch import nn

from clrec.model.item_features import build_feature_encoder
from clrec.model.spec import FeatureSpec


class ItemTower(nn.Module):
    """Encode item ids into the shared space.

    g(y) = e(y) + W [f_1(y); ...; f_k(y)]: the id embedding e(y) [d] plus
    the concatenated feature embeddings [k * feature_dim] projected to d.
    W starts at zero, so training starts from the id-only model and the
    features add what they explain. Without features, g(y) = e(y).

    Args:
        num_items: N; ids run over 1..N and 0 is padding.
        features: specs of the features to encode, in table order.
        tables: per-item index table of each feature, [N + 1] or [N + 1, width].
    """

    def __init__(
        self,
        num_items: int,
        dim: int,
        feature_dim: int,
        dropout: float,
        text_encoder: str,
        features: list[FeatureSpec],
        tables: list[torch.Tensor],
    ) -> None:
        super().__init__()
        if len(features) != len(tables):
            raise ValueError(f"{len(features)} feature specs but {len(tables)} tables")
        self.id_embedding = nn.Embedding(num_items + 1, dim, padding_idx=0)
        self.feature_names = [spec.name for spec in features]
        self.feature_encoders = nn.ModuleList(
            build_feature_encoder(spec, table, feature_dim, text_encoder, dropout)
            for spec, table in zip(features, tables)
        )
        self.feature_dim = feature_dim
        self.feature_dropout = nn.Dropout(dropout)
        self.projection = nn.Linear(len(features) * feature_dim, dim) if features else None
        if self.projection is not None:
            nn.init.zeros_(self.projection.weight)
            nn.init.zeros_(self.projection.bias)

    @property
    def num_items(self) -> int:
        return self.id_embedding.num_embeddings - 1

    @property
    def has_features(self) -> bool:
        return self.projection is not None

    def forward(self, ids: torch.Tensor, use_features: bool = True) -> torch.Tensor:
        """Return g(y) for ids of any shape: [...] -> [..., d].

        With `use_features=False` the item is encoded by its id alone, e(y),
        as sampled softmax does for negatives without features.
        """
        id_part = self.id_embedding(ids)
        if self.projection is None or not use_features:
            return id_part
        features = torch.cat([encoder(ids) for encoder in self.feature_encoders], dim=-1)  # [..., k * f]
        return id_part + self.projection(self.feature_dropout(features))
