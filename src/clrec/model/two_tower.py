"""The two-tower model: user tower f(x), item tower g(y) and their score."""

from __future__ import annotations

import torch
from torch import nn

from clrec.model.item_tower import ItemTower
from clrec.model.score import paired_logits, prepare_embeddings, scaled_users, score_logits
from clrec.model.spec import ModelSpec
from clrec.model.user_tower import UserTower


class TwoTowerModel(nn.Module):
    """User and item towers whose score divided by the temperature is the logit.

    Args:
        spec: the architecture; its feature list must match `tables`.
        tables: per-item index table of each feature in `spec.features`. When
            the model is loaded from disk, zero tables of the right shape are
            passed and the saved buffers overwrite them.
    """

    def __init__(self, spec: ModelSpec, tables: list[torch.Tensor]) -> None:
        super().__init__()
        self.spec = spec
        self.item_tower = ItemTower(
            num_items=spec.num_items,
            dim=spec.dim,
            feature_dim=spec.feature_dim,
            dropout=spec.dropout,
            text_encoder=spec.text_encoder,
            features=spec.features,
            tables=tables,
            text_layers=spec.text_layers,
        )
        if spec.share_item_embedding:
            input_embedding = self.item_tower.id_embedding
        else:
            input_embedding = nn.Embedding(spec.num_items + 1, spec.dim, padding_idx=0)
        self.user_tower = UserTower(
            item_embedding=input_embedding,
            max_length=spec.max_length,
            num_layers=spec.num_layers,
            num_heads=spec.num_heads,
            dropout=spec.dropout,
            normalize_output=spec.score == "cosine",
        )
        self._init_embeddings()

    def _init_embeddings(self) -> None:
        # The user tower scales its input by sqrt(d), so std d^-1/2 gives
        # unit-scale inputs; padding rows stay zero.
        embeddings = [self.item_tower.id_embedding]
        if self.user_tower.item_embedding is not self.item_tower.id_embedding:
            embeddings.append(self.user_tower.item_embedding)
        # A list, not a set: the order in which they draw from the RNG must
        # not depend on object ids, or a fixed seed would give two inits.
        for embedding in embeddings:
            nn.init.normal_(embedding.weight, std=self.spec.dim**-0.5)
            with torch.no_grad():
                embedding.weight[0].zero_()
        nn.init.normal_(self.user_tower.position_embedding.weight, std=0.02)

    @property
    def num_items(self) -> int:
        return self.spec.num_items

    def user_states(self, items: torch.Tensor) -> torch.Tensor:
        """Return f(x) at every position: items [B, T] -> [B, T, d]."""
        return self.user_tower(items)

    def encode_users(self, items: torch.Tensor) -> torch.Tensor:
        """Return f(x) of whole left-padded histories: [B, T] -> [B, d], normalised for cosine."""
        return self.user_tower.encode(items)

    def encode_items(self, ids: torch.Tensor, use_features: bool = True) -> torch.Tensor:
        """Return g(y): ids [...] -> [..., d] (not normalised)."""
        return self.item_tower(ids, use_features=use_features)

    def logits(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Return phi(x, y) / temperature for users [P, d] against items [C, d] -> [P, C]."""
        return score_logits(users, items, self.spec.score, self.spec.temperature)

    def scaled_users(self, users: torch.Tensor) -> torch.Tensor:
        """Return users [P, d] as the left factor of the logits: prepared for the score, over the temperature."""
        return scaled_users(users, self.spec.score, self.spec.temperature)

    def prepared_items(self, items: torch.Tensor) -> torch.Tensor:
        """Return items [C, d] as the right factor of the logits: L2-normalised for the cosine score."""
        return prepare_embeddings(items, self.spec.score)

    def paired_logits(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Return phi(x_p, y_p) / temperature for matching rows of two [P, d] tensors -> [P]."""
        return paired_logits(users, items, self.spec.score, self.spec.temperature)

    @torch.no_grad()
    def item_embedding_table(self, batch_size: int = 4096) -> torch.Tensor:
        """Return g(y) of every item as float32 [N + 1, d], row 0 zero, normalised for cosine."""
        device = self.item_tower.id_embedding.weight.device
        rows = [torch.zeros(1, self.spec.dim, device=device)]
        for start in range(1, self.num_items + 1, batch_size):
            ids = torch.arange(start, min(start + batch_size, self.num_items + 1), device=device)
            rows.append(prepare_embeddings(self.encode_items(ids).float(), self.spec.score))
        return torch.cat(rows)
