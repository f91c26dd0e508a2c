"""Learning-rate schedule: linear warm-up, then cosine or linear decay."""

from __future__ import annotations

import math
from collections.abc import Callable


def learning_rate_factor(
    total_steps: int, warmup_steps: int, decay: str, min_ratio: float
) -> Callable[[int], float]:
    """Return step -> multiplier of the peak learning rate, for torch's LambdaLR.

    Steps 0..warmup-1 rise linearly to 1 (step s gives (s + 1) / warmup).
    After warm-up the factor falls from 1 to `min_ratio` at `total_steps`
    following `decay` (`cosine`, `linear` or `constant`) and stays there.
    """
    if decay not in ("cosine", "linear", "constant"):
        raise ValueError(f"unknown decay {decay!r}; use cosine, linear or constant")

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        if decay == "constant":
            return 1.0
        span = max(1, total_steps - warmup_steps)
        progress = min(1.0, (step - warmup_steps) / span)
        if decay == "linear":
            shape = 1.0 - progress
        else:
            shape = 0.5 * (1.0 + math.cos(math.pi * progress))
        return min_ratio + (1.0 - min_ratio) * shape

    return factor
