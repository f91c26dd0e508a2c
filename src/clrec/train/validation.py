"""Validation hit rate HR@k over the full catalog, used for early stopping.

Every item 1..N is ranked for each validation user; a hit is the user's
validation item among the top k. Padding (item 0) is never ranked and,
optionally, the user's training items are removed from the ranking (except
the target itself, so a repeated item can still be a hit).
"""

from __future__ import annotations

import numpy as np
import torch

from clrec.model.two_tower import TwoTowerModel
from clrec.train.data import pad_histories


def validation_users(num_users: int, max_users: int, seed: int) -> np.ndarray:
    """Return the sorted indices of the validation users to rank: all of them, or a seeded subsample.

    The subsample is the same at every epoch, so the hit rates of epochs compare.
    """
    if not max_users or max_users >= num_users:
        return np.arange(num_users)
    return np.sort(np.random.default_rng(seed).choice(num_users, size=max_users, replace=False))


@torch.no_grad()
def count_hits(
    model: TwoTowerModel,
    histories: list[np.ndarray],
    targets: np.ndarray,
    k: int,
    exclude_history: bool,
    batch_size: int = 512,
) -> int:
    """Return how many users have their target in the top k of all N items.

    The caller puts the model in eval mode.
    """
    device = model.item_tower.id_embedding.weight.device
    items = model.item_embedding_table().to(device)  # [N + 1, d], prepared for the score
    k = min(k, model.num_items)
    hits = 0
    for start in range(0, len(targets), batch_size):
        chunk = histories[start : start + batch_size]
        target = torch.as_tensor(targets[start : start + batch_size], device=device)
        users = model.encode_users(pad_histories(chunk, model.spec.max_length).to(device)).float()
        scores = users @ items.T  # [B, N + 1]
        rows = torch.arange(len(target), device=device)
        target_scores = scores[rows, target].clone()
        scores[:, 0] = float("-inf")
        if exclude_history:
            seen = pad_histories(chunk, max(len(history) for history in chunk)).to(device)
            scores.scatter_(1, seen, float("-inf"))
            scores[rows, target] = target_scores
        top = scores.topk(k, dim=1).indices  # [B, k]
        hits += int((top == target[:, None]).any(dim=1).sum())
    return hits
