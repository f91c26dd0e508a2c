"""The training loop: AdamW, warm-up and decay, clipping, early stopping, checkpoints.

`train_model` is the step's entry point. It checks its inputs, builds the
model and the objective of `train.loss.kind`, then runs epochs over the
training windows. After each epoch it measures the validation HR@k over the
full catalog, keeps the best weights, and writes a checkpoint. It stops at
`train.epochs`, at `train.max_steps`, or after `early_stopping_patience`
epochs without improvement, and writes the model directory from the best
weights. Launched by torchrun with several workers, it trains data-parallel.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch.nn.parallel import DistributedDataParallel

from clrec.config import ClrecConfig
from clrec.model.objectives import build_objective
from clrec.model.two_tower import TwoTowerModel
from clrec.train import checkpoint as checkpoints
from clrec.train.artifacts import write_model_dir
from clrec.train.data import TrainingData, epoch_order, load_training_data, make_batch, steps_per_epoch
from clrec.train.device import autocast_context, resolve_device
from clrec.train.distributed import (
    DistributedContext,
    all_reduce_sum,
    barrier,
    init_distributed,
    read_launch_environment,
    shutdown,
)
from clrec.train.model_builder import build_model, training_fingerprint
from clrec.train.monitor import TrainingMonitor
from clrec.train.schedule import learning_rate_factor
from clrec.train.state import LoopState
from clrec.train.step import TrainStep
from clrec.train.validation import count_hits, validation_users

logger = logging.getLogger(__name__)

StepCallback = Callable[[int], None]


class TrainingError(RuntimeError):
    """Training cannot go on: a non-finite loss or gradient, or unusable inputs."""


def check_inputs(sequences_dir: Path, features_dir: Path | None) -> None:
    """Reject missing input folders before any work starts."""
    if not sequences_dir.is_dir():
        raise FileNotFoundError(f"sequences directory not found: {sequences_dir}; pass the preprocess output")
    if features_dir is not None and not features_dir.is_dir():
        raise FileNotFoundError(
            f"features directory not found: {features_dir}; pass the features output, or none for an id-only model"
        )


def _optimizer(model: TwoTowerModel, config: ClrecConfig) -> torch.optim.AdamW:
    # Weight decay applies to the weight matrices of linear layers only;
    # embeddings, biases and LayerNorm gains are left alone.
    decayed, plain = [], []
    for module in model.modules():
        for name, parameter in module.named_parameters(recurse=False):
            if not parameter.requires_grad:
                continue
            is_matrix = isinstance(module, torch.nn.Linear) and name == "weight"
            (decayed if is_matrix else plain).append(parameter)
    optim = config.train.optim
    groups = [
        {"params": decayed, "weight_decay": optim.weight_decay},
        {"params": plain, "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=optim.learning_rate)


class Trainer:
    """Everything one worker needs for a run; `run()` trains and writes the outputs."""

    def __init__(
        self,
        config: ClrecConfig,
        sequences_dir: Path,
        features_dir: Path | None,
        output_dir: Path,
        context: DistributedContext,
        device: torch.device,
        autocast_dtype: torch.dtype | None,
    ) -> None:
        self.config = config
        self.train_config = config.train
        self.output_dir = output_dir
        self.context = context
        self.device = device
        self.autocast_dtype = autocast_dtype
        self.checkpoint_dir = (
            Path(config.train.checkpoint_dir) if config.train.checkpoint_dir else output_dir / "checkpoints"
        )

        # Every worker builds the same initial weights (DDP also broadcasts
        # rank 0's); dropout and sampled negatives then differ per worker.
        torch.manual_seed(config.seed)
        self.data: TrainingData = load_training_data(sequences_dir, config.train.model.max_length)
        self.model = build_model(config.train.model, self.data.num_items, features_dir).to(device)
        self.objective = build_objective(
            config.train.loss, self.model, self.data.item_counts, seed=config.seed + 7919 * context.rank, device=device
        ).to(device)
        torch.manual_seed(config.seed + context.rank)
        step = TrainStep(self.model, self.objective)
        self.step_module: torch.nn.Module = (
            DistributedDataParallel(step, device_ids=[device.index] if device.type == "cuda" else None)
            if context.enabled
            else step
        )
        self.optimizer = _optimizer(self.model, config)
        self.steps_per_epoch = steps_per_epoch(len(self.data.windows), config.train.batch_size, context.world_size)
        planned = config.train.epochs * self.steps_per_epoch
        self.total_steps = min(planned, config.train.max_steps) if config.train.max_steps else planned
        schedule = learning_rate_factor(
            self.total_steps,
            config.train.optim.warmup_steps,
            config.train.optim.decay,
            config.train.optim.min_lr_ratio,
        )
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, schedule)
        self.fingerprint = training_fingerprint(config, self.data, self.model, context.world_size)
        self.valid_users = validation_users(len(self.data.valid_targets), config.train.valid_max_users, config.seed)
        if len(self.valid_users) < len(self.data.valid_targets):
            logger.info(
                "validating on a seeded subsample of %d of %d users (train.valid_max_users)",
                len(self.valid_users), len(self.data.valid_targets),
            )
        self.state = LoopState()
        self.best_weights: dict[str, torch.Tensor] | None = None

    # -- checkpoints -------------------------------------------------------

    def save_checkpoint(self) -> None:
        rank_payload = {
            "objective": self.objective.state_dict(),
            "rng": checkpoints.capture_rng_state(),
        }
        checkpoints.save_rank_state(self.checkpoint_dir, self.state.global_step, self.context.rank, rank_payload)
        barrier(self.context)
        if self.context.is_main:
            shared = {
                "fingerprint": self.fingerprint,
                "model": self.model.state_dict(),
                "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(),
                "loop": self.state.to_dict(),
                "best_weights": self.best_weights,
            }
            checkpoints.save_shared_state(
                self.checkpoint_dir, self.state.global_step, shared, self.context.world_size
            )
        barrier(self.context)

    def restore_checkpoint(self) -> bool:
        """Load the latest checkpoint if there is one; return whether one was loaded."""
        folder = checkpoints.latest_checkpoint(self.checkpoint_dir)
        if folder is None:
            return False
        shared = checkpoints.load_checkpoint_file(folder / checkpoints.SHARED_FILE)
        if shared["fingerprint"] != self.fingerprint:
            changed = sorted(
                key
                for key in set(shared["fingerprint"]) | set(self.fingerprint)
                if shared["fingerprint"].get(key) != self.fingerprint.get(key)
            )
            raise TrainingError(
                f"checkpoint {folder} was written for different settings or data ({', '.join(changed)} differ); "
                f"delete {self.checkpoint_dir} or train without resuming"
            )
        rank_state = checkpoints.load_checkpoint_file(folder / checkpoints.rank_file(self.context.rank))
        self.model.load_state_dict(shared["model"])
        self.optimizer.load_state_dict(shared["optimizer"])
        self.scheduler.load_state_dict(shared["scheduler"])
        self.state = LoopState.from_dict(shared["loop"])
        self.best_weights = shared["best_weights"]
        self.objective.load_state_dict(rank_state["objective"])
        checkpoints.restore_rng_state(rank_state["rng"])
        logger.info(
            "resumed from %s: epoch %d, step %d of the epoch, global step %d",
            folder, self.state.epoch + 1, self.state.step_in_epoch, self.state.global_step,
        )
        return True

    # -- steps and epochs --------------------------------------------------

    def train_step(self, windows: torch.Tensor) -> tuple[float, int]:
        """Run one optimizer step; return (mean loss, positives) summed over workers."""
        self.step_module.train()
        with autocast_context(self.device, self.autocast_dtype):
            loss, positives = self.step_module(windows)
        local_loss = float(loss.detach())
        # One all-reduce gives the logged loss and lets every worker see a
        # non-finite loss on any other, so all stop together.
        loss_sum, positive_count, non_finite = all_reduce_sum(
            [local_loss * positives, float(positives), float(not torch.isfinite(loss.detach()))],
            self.context,
            self.device,
        )
        step = self.state.global_step + 1
        if non_finite:
            raise TrainingError(
                f"loss is {local_loss} at step {step} (epoch {self.state.epoch + 1}, "
                f"batch {self.state.step_in_epoch + 1}); lower train.optim.learning_rate or raise "
                "train.model.temperature"
            )

        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        clip = self.train_config.optim.grad_clip_norm
        parameters = [p for p in self.model.parameters() if p.grad is not None]
        norm = torch.nn.utils.clip_grad_norm_(parameters, clip if clip > 0 else float("inf"))
        if not torch.isfinite(norm):
            raise TrainingError(
                f"gradient norm is {float(norm)} at step {step} (epoch {self.state.epoch + 1}); "
                "lower train.optim.learning_rate or raise train.model.temperature"
            )

        self.optimizer.step()
        self.scheduler.step()
        self.objective.after_optimizer_step(self.model)
        return loss_sum / max(positive_count, 1.0), int(positive_count)

    def validate(self) -> float:
        """Return the validation HR@k over the full catalog, computed across all workers."""
        self.model.eval()
        rank, world = self.context.rank, self.context.world_size
        users = self.valid_users[rank::world]
        histories = [self.data.valid_histories[user] for user in users]
        targets = self.data.valid_targets[users]
        hits = count_hits(
            self.model, histories, targets, self.train_config.valid_k, self.train_config.valid_exclude_history
        ) if len(targets) else 0
        total_hits, total = all_reduce_sum([float(hits), float(len(targets))], self.context, self.device)
        return total_hits / total if total else 0.0

    def end_epoch(self, epoch_steps: int, partial: bool) -> None:
        """Validate, update early stopping and record the epoch."""
        metric = self.validate()
        state = self.state
        loss = state.epoch_loss_sum / max(state.epoch_positives, 1)

        improved = metric > state.best_metric
        if improved:
            state.best_metric = metric
            state.best_epoch = state.epoch + 1
            state.epochs_without_improvement = 0
            self.best_weights = {key: value.detach().cpu().clone() for key, value in self.model.state_dict().items()}
        else:
            state.epochs_without_improvement += 1

        k = self.train_config.valid_k
        record = {
            "epoch": state.epoch + 1,
            "loss": loss,
            f"valid_hr@{k}": metric,
            "steps": epoch_steps,
            "positives": state.epoch_positives,
            "learning_rate": self.scheduler.get_last_lr()[0],
            "partial": partial,
        }
        state.history.append(record)
        logger.info(
            "epoch %d: loss %.4f, valid HR@%d %.4f (best %.4f at epoch %d)",
            state.epoch + 1, loss, k, metric, state.best_metric, state.best_epoch,
        )

        state.epoch += 1
        state.step_in_epoch = 0
        state.epoch_loss_sum = 0.0
        state.epoch_positives = 0

    def run_epoch(self, monitor: TrainingMonitor, step_callback: StepCallback | None) -> None:
        """Train from the saved position to the end of the epoch, or until max_steps."""
        config, state = self.train_config, self.state
        order = epoch_order(
            len(self.data.windows), self.config.seed, state.epoch, self.context.rank, self.context.world_size
        )
        while state.step_in_epoch < self.steps_per_epoch:
            start = state.step_in_epoch * config.batch_size
            windows = make_batch(self.data.windows, order[start : start + config.batch_size]).to(self.device)
            began = time.perf_counter()
            loss, positives = self.train_step(windows)
            elapsed = time.perf_counter() - began

            state.global_step += 1
            state.step_in_epoch += 1
            state.epoch_loss_sum += loss * positives
            state.epoch_positives += positives
            state.positives_seen += positives
            state.training_seconds += elapsed
            monitor.after_step(state, loss, positives, elapsed, self.scheduler.get_last_lr()[0])
            if step_callback is not None:
                step_callback(state.global_step)

            if config.max_steps and state.global_step >= config.max_steps:
                return
            every = config.checkpoint_every_steps
            if every and state.global_step % every == 0 and state.step_in_epoch < self.steps_per_epoch:
                self.save_checkpoint()

    def run(self, resume: bool, step_callback: StepCallback | None = None) -> dict[str, Any]:
        """Train until a stop condition, write the model directory, return the metrics."""
        if resume:
            self.restore_checkpoint()
        monitor = TrainingMonitor(self.output_dir, self.train_config, self.context, self.total_steps, self.state)
        try:
            while not self.state.finished:
                self.run_epoch(monitor, step_callback)
                self.end_epoch(self.state.step_in_epoch, partial=self.state.step_in_epoch < self.steps_per_epoch)
                monitor.after_epoch(self.state)
                self._update_stop_reason()
                self.save_checkpoint()
        finally:
            monitor.close()

        metrics = self.metrics()
        if self.best_weights is not None:
            self.model.load_state_dict(self.best_weights)
        if self.context.is_main:
            write_model_dir(self.model, self.output_dir, metrics)
            logger.info("model written to %s (%s)", self.output_dir, self.state.stop_reason)
        barrier(self.context)
        return metrics

    def _update_stop_reason(self) -> None:
        state, config = self.state, self.train_config
        if config.max_steps and state.global_step >= config.max_steps:
            state.finished, state.stop_reason = True, f"reached max_steps={config.max_steps}"
        elif config.early_stopping_patience and state.epochs_without_improvement >= config.early_stopping_patience:
            state.finished = True
            state.stop_reason = (
                f"early stopping: no better valid HR@{config.valid_k} for {state.epochs_without_improvement} epochs"
            )
        elif state.epoch >= config.epochs:
            state.finished, state.stop_reason = True, f"completed {config.epochs} epochs"

    def metrics(self) -> dict[str, Any]:
        """Return the train metrics written to `train_metrics.json`."""
        state = self.state
        k = self.train_config.valid_k
        return {
            "loss_kind": self.train_config.loss.kind,
            "epochs": state.history,
            "epochs_run": len(state.history),
            "steps": state.global_step,
            "final_loss": state.history[-1]["loss"] if state.history else None,
            f"best_valid_hr@{k}": state.best_metric,
            "best_epoch": state.best_epoch,
            "stop_reason": state.stop_reason,
            "training_seconds": state.training_seconds,
            "examples_per_second": state.positives_seen / state.training_seconds if state.training_seconds else 0.0,
            "positives_seen": state.positives_seen,
            "num_items": self.data.num_items,
            "num_windows": int(len(self.data.windows)),
            "valid_users": int(len(self.valid_users)),
            # Users with fewer than 2 training items give no training pair.
            "users_without_transitions": self.data.users_without_transitions,
            "device": str(self.device),
            "precision": "bf16" if self.autocast_dtype is torch.bfloat16 else "fp32",
            "world_size": self.context.world_size,
        }


def run_training(
    config: ClrecConfig,
    sequences_dir: Path,
    features_dir: Path | None,
    output_dir: Path,
    resume: bool = True,
    step_callback: StepCallback | None = None,
) -> dict[str, Any]:
    """Train as `train_model` does; `step_callback(global_step)` runs after every step (tests use it)."""
    sequences_dir, output_dir = Path(sequences_dir), Path(output_dir)
    features_dir = Path(features_dir) if features_dir is not None else None
    check_inputs(sequences_dir, features_dir)
    if config.train.num_threads:
        torch.set_num_threads(config.train.num_threads)
    _, _, local_rank = read_launch_environment()
    device, autocast_dtype = resolve_device(config.train.device, config.train.precision, local_rank)
    if device.type == "cuda":
        # NCCL and the default CUDA stream must use this worker's own GPU.
        torch.cuda.set_device(device)
    context = init_distributed(use_cuda=device.type == "cuda")
    try:
        logger.info(
            "training %s on %s (%s), worker %d of %d",
            config.train.loss.kind, device, "bf16" if autocast_dtype else "fp32", context.rank + 1, context.world_size,
        )
        trainer = Trainer(config, sequences_dir, features_dir, output_dir, context, device, autocast_dtype)
        return trainer.run(resume=resume, step_callback=step_callback)
    finally:
        shutdown(context)


def train_model(
    config: ClrecConfig,
    sequences_dir: Path,
    features_dir: Path | None,
    output_dir: Path,
    resume: bool = True,
) -> dict:
    """Train the two-tower model and write the model directory to `output_dir`.

    Args:
        sequences_dir: the preprocess output (`sequences.parquet`, `items.parquet`).
        features_dir: the features output, or None for an id-only model.
        resume: continue from the latest checkpoint under the checkpoint directory, if any.

    Returns:
        The train metrics, as written to `train_metrics.json`.
    """
    return run_training(config, sequences_dir, features_dir, output_dir, resume=resume)
