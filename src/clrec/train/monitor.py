"""Progress reporting of the loop: tqdm bar, log lines and TensorBoard scalars, on the first worker."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from clrec.config.train import TrainConfig
from clrec.train.distributed import DistributedContext
from clrec.train.state import LoopState

logger = logging.getLogger(__name__)

TENSORBOARD_FOLDER = "tensorboard"


class TrainingMonitor:
    """Report steps and epochs; silent on workers other than the first."""

    def __init__(
        self, output_dir: Path, config: TrainConfig, context: DistributedContext, total_steps: int, state: LoopState
    ) -> None:
        self.config = config
        self.active = context.is_main
        self.bar: Any = None
        self.writer: Any = None
        if not self.active:
            return
        if config.progress_bar:
            self.bar = tqdm(total=total_steps, initial=state.global_step, desc="train", unit="step", dynamic_ncols=True)
        if config.tensorboard:
            # Imported here: tensorboard is slow to import and only the first worker writes.
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(log_dir=str(output_dir / TENSORBOARD_FOLDER), purge_step=state.global_step + 1)

    def after_step(self, state: LoopState, loss: float, positives: int, seconds: float, learning_rate: float) -> None:
        if not self.active:
            return
        speed = positives / seconds if seconds > 0 else 0.0
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(loss=f"{loss:.4f}", examples_per_s=f"{speed:.0f}", refresh=False)
        if state.global_step % self.config.log_every_steps == 0:
            logger.info(
                "step %d (epoch %d): loss %.4f, %.0f examples/s, lr %.2e",
                state.global_step, state.epoch + 1, loss, speed, learning_rate,
            )
            if self.writer is not None:
                self.writer.add_scalar("train/loss", loss, state.global_step)
                self.writer.add_scalar("train/examples_per_second", speed, state.global_step)
                self.writer.add_scalar("train/learning_rate", learning_rate, state.global_step)

    def after_epoch(self, state: LoopState) -> None:
        if not self.active or self.writer is None:
            return
        record = state.history[-1]
        self.writer.add_scalar("epoch/loss", record["loss"], record["epoch"])
        self.writer.add_scalar(f"epoch/valid_hr@{self.config.valid_k}", record[f"valid_hr@{self.config.valid_k}"], record["epoch"])
        self.writer.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        if self.writer is not None:
            self.writer.close()
