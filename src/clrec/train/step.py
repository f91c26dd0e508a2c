"""One training step's forward pass as a module, so DistributedDataParallel can wrap it."""

from __future__ import annotations

import torch
from torch import nn

from clrec.model.losses import history_table
from clrec.model.objectives import Objective, PositiveBatch
from clrec.model.two_tower import TwoTowerModel


class TrainStep(nn.Module):
    """Model plus objective: windows [B, T + 1] -> (mean loss over positives, number of positives).

    Position t of a window is an input whose positive is the item at t + 1;
    positions whose input or target is padding are left out.
    """

    def __init__(self, model: TwoTowerModel, objective: Objective) -> None:
        super().__init__()
        self.model = model
        self.objective = objective

    def forward(self, windows: torch.Tensor) -> tuple[torch.Tensor, int]:
        inputs, targets = windows[:, :-1], windows[:, 1:]  # [B, T] each
        valid = (inputs != 0) & (targets != 0)
        states = self.model.user_states(inputs)  # [B, T, d]
        rows = torch.arange(windows.shape[0], device=windows.device)[:, None].expand_as(valid)
        history = None
        if self.objective.accidental_hits == "history":
            history = history_table(windows, self.model.num_items)  # [B, N + 1]
        batch = PositiveBatch(
            users=states[valid],  # [P, d]
            positive_ids=targets[valid],  # [P]
            row_windows=rows[valid],  # [P]
            history=history,
        )
        return self.objective(self.model, batch), int(batch.positive_ids.numel())
