"""Position and bookkeeping of the training loop, saved in every checkpoint."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class LoopState:
    """Position of the loop and what it has measured so far.

    Attributes:
        epoch: current epoch, 0-based.
        step_in_epoch: steps of `epoch` already done; the next batch is this one.
        global_step: optimizer steps done in total.
        epoch_loss_sum: sum over this epoch's positives of their loss (all workers).
        epoch_positives: positives of this epoch so far (all workers).
        history: one dict per finished epoch (loss, validation HR@k, steps).
        best_metric: best validation HR@k so far, -1 before the first validation.
        best_epoch: 1-based epoch of `best_metric`, 0 before the first validation.
        epochs_without_improvement: finished epochs since `best_metric` last rose.
        finished: True once the loop has ended (epochs done, max_steps or early stop).
        stop_reason: why the loop ended.
        training_seconds: wall time spent in training steps, resumed runs included.
        positives_seen: positives processed by all workers, resumed runs included.
    """

    epoch: int = 0
    step_in_epoch: int = 0
    global_step: int = 0
    epoch_loss_sum: float = 0.0
    epoch_positives: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    best_metric: float = -1.0
    best_epoch: int = 0
    epochs_without_improvement: int = 0
    finished: bool = False
    stop_reason: str = ""
    training_seconds: float = 0.0
    positives_seen: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> LoopState:
        return cls(**values)
