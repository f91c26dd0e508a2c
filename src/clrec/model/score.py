"""Score between user and item embeddings, divided by the temperature."""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F

ScoreKind = Literal["cosine", "inner_product"]


def prepare_embeddings(embeddings: torch.Tensor, score: ScoreKind) -> torch.Tensor:
    """Return the embeddings as they enter the dot product: L2-normalised for cosine."""
    if score == "cosine":
        return F.normalize(embeddings, dim=-1)
    return embeddings


def scaled_users(users: torch.Tensor, score: ScoreKind, temperature: float) -> torch.Tensor:
    """Return the users [P, d] prepared for the score and divided by the temperature."""
    # Dividing the [P, d] users before the product saves a pass over the [P, C] logits.
    return prepare_embeddings(users, score) / temperature


def score_logits(
    users: torch.Tensor, items: torch.Tensor, score: ScoreKind, temperature: float
) -> torch.Tensor:
    """Return logits[p, c] = phi(user p, item c) / temperature for users [P, d], items [C, d]."""
    return scaled_users(users, score, temperature) @ prepare_embeddings(items, score).T


def paired_logits(
    users: torch.Tensor, items: torch.Tensor, score: ScoreKind, temperature: float
) -> torch.Tensor:
    """Return logits[p] = phi(user p, item p) / temperature for two [P, d] tensors."""
    products = prepare_embeddings(users, score) * prepare_embeddings(items, score)
    return products.sum(dim=-1) / temperature
