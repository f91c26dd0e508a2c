"""Popularity proposal q(y) of sampled softmax and the sampler that draws from it."""

from __future__ import annotations

import numpy as np
import torch


def proposal_distribution(counts: np.ndarray, power: float, smoothing: float) -> torch.Tensor:
    """Return q over ids 0..N: q(0) = 0 and q(y) proportional to (counts[y] + smoothing) ** power.

    Args:
        counts: [N + 1] training count of each item; entry 0 (padding) is ignored.
        power: exponent applied to the smoothed counts; 0 gives the uniform distribution.
        smoothing: pseudo-count added to every item, > 0 so that no item has q = 0.
    """
    if smoothing <= 0:
        raise ValueError(f"count smoothing must be > 0 so that no item has q = 0, got {smoothing}")
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or counts.shape[0] < 2:
        raise ValueError(f"counts must have shape [N + 1] with N >= 1, got {counts.shape}")
    if (counts < 0).any():
        raise ValueError("item counts must not be negative")
    weights = (counts + smoothing) ** power
    weights[0] = 0.0
    return torch.from_numpy(weights / weights.sum())


class PopularitySampler:
    """Draw negatives with replacement from q, with its own seeded generator.

    The generator is separate from torch's global one so that its state is
    saved with the checkpoint and a resumed run draws the same negatives.
    """

    def __init__(self, q: torch.Tensor, seed: int, device: str | torch.device = "cpu") -> None:
        self.q_cpu = q.float().cpu()
        self.device = torch.device(device)
        self.log_q = torch.log(q).float().to(device)  # log(0) = -inf only at padding
        self.generator = torch.Generator(device="cpu")
        self.generator.manual_seed(seed)

    def sample(self, count: int) -> torch.Tensor:
        """Return `count` item ids drawn independently from q."""
        ids = torch.multinomial(self.q_cpu, count, replacement=True, generator=self.generator)
        return ids.to(self.device)

    def state_dict(self) -> dict[str, torch.Tensor]:
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        self.generator.set_state(state["generator"])
