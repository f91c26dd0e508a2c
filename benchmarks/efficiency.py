"""Measure training examples per second of the cached queue against its baselines, at three item-tower costs.

It repeats the efficiency comparison of the CLRec paper (Zhou et al.,
"Contrastive Learning for Debiased Candidate Generation at Scale") on
MovieLens-100K windows. Each loss is timed
with the same model, batches, machine and process:

- `in_batch`: the other positives of the batch are the negatives.
- `in_batch_equal_negatives`: in-batch negatives from a batch with about
  `--negatives` positives, so each positive meets as many negatives as in
  the queue rows.
- `cached_queue` (CLRec): a queue of `--negatives` cached item embeddings.
- `raw_queue`: a queue of `--negatives` item ids, encoded again at every step.
- `sampled_softmax_features`: `--negatives` sampled items encoded with their features.
- `sampled_softmax_id_only`: the same negatives encoded by item id alone.

Item-tower costs: `categorical` (genres and release decade), `title` (plus
the title through one self-attention block) and `large_title` (the title
through `--large-text-layers` blocks over `--large-text-tokens` slots).

    .venv/bin/python benchmarks/efficiency.py [--mirror /path/to/datasets]

Steps run round-robin: each of the `--rounds` rounds makes `--steps`
passes, and each pass runs one step of every configuration in a new
shuffled order, so changes in machine load reach all of them.
All configurations train on the same batches, and untimed warm-up steps
fill the queues first. Writes benchmarks/results/efficiency.{json,md}.

Run it on an otherwise idle machine. On a 2-core machine shared with a
one-thread training job, `--threads 2` made single steps take 10 to 30
times as long as when it was idle, because torch's threads wait for each
other when a core is taken. `--threads 1` kept the steps steady there.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

import record
from clrec.config import ConfigError, load_config
from clrec.config.base import apply_overrides
from clrec.config.train import ModelConfig
from clrec.data import fetch_dataset
from clrec.train.data import epoch_order, make_batch, steps_per_epoch
from clrec.train.device import resolve_device
from clrec.train.distributed import DistributedContext
from clrec.train.loop import Trainer
from train_ml100k import build_inputs

logger = logging.getLogger("efficiency")

# Loss settings: (name, overrides). `{negatives}` is the queue size or the
# number of sampled negatives, `{equal_batch}` the batch size in windows
# with about that many positives.
LOSSES = [
    ("in_batch", ["train.loss.kind=in_batch"]),
    ("in_batch_equal_negatives", ["train.loss.kind=in_batch", "train.batch_size={equal_batch}"]),
    ("cached_queue", ["train.loss.kind=cached_queue", "train.loss.queue_size={negatives}"]),
    ("raw_queue", ["train.loss.kind=raw_queue", "train.loss.queue_size={negatives}"]),
    (
        "sampled_softmax_features",
        [
            "train.loss.kind=sampled_softmax",
            "train.loss.num_negatives={negatives}",
            "train.loss.encode_negative_features=true",
        ],
    ),
    (
        "sampled_softmax_id_only",
        [
            "train.loss.kind=sampled_softmax",
            "train.loss.num_negatives={negatives}",
            "train.loss.encode_negative_features=false",
        ],
    ),
]
LOSS_ROWS = {
    "in_batch": "in-batch negatives: encodes the P positives of the step only",
    "in_batch_equal_negatives": (
        "in-batch negatives from a larger batch, about as many positives per step as queue entries: "
        "its own batches, so its positives per step differ from the other rows"
    ),
    "cached_queue": "CLRec, cached queue: encodes the P positives and reuses the stored embeddings of older entries",
    "raw_queue": "queue of raw items: encodes the P positives and every older queued id again",
    "sampled_softmax_features": "sampled softmax: encodes the P positives and the sampled negatives with features",
    "sampled_softmax_id_only": "sampled softmax: encodes the P positives with features, the sampled negatives by id",
}
TOWERS = ["categorical", "title", "large_title"]
# Settings of every row, which a `--set` may replace (for example train.device=cuda).
FIXED_OVERRIDES = ["train.device=cpu", "train.tensorboard=false", "train.progress_bar=false"]
# Keys that `tower_overrides` and LOSSES set for every row, so a `--set` of them would be replaced.
ROW_KEY_PATHS = [("train", "loss"), ("train", "model", "text_encoder"), ("train", "model", "text_layers")]

# Targets of this benchmark: the cached queue costs at most 10% more time
# per example than in-batch negatives, and sampled softmax with encoded
# negative features costs at least 2.15 times the cached queue once the
# item tower encodes titles.
CACHED_OVER_IN_BATCH_MAX = 1.10
SAMPLED_OVER_CACHED_MIN = 2.15


def tower_overrides(tower: str, large_layers: int, large_tokens: int) -> list[str]:
    """Return the config overrides of one item-tower cost."""
    if tower == "categorical":
        return ["train.model.text_encoder=none"]
    if tower == "title":
        return ["train.model.text_encoder=transformer", "train.model.text_layers=1"]
    if tower == "large_title":
        return [
            "train.model.text_encoder=transformer",
            f"train.model.text_layers={large_layers}",
            f"train.model.text_max_tokens={large_tokens}",
        ]
    raise ValueError(f"unknown item-tower cost {tower!r}; use one of {TOWERS}")


class BatchStream:
    """Training windows of consecutive steps, epoch after epoch, in the order the training loop uses."""

    def __init__(self, windows: np.ndarray, seed: int, batch_size: int) -> None:
        self.windows = windows
        self.seed = seed
        self.batch_size = batch_size
        self.steps_per_epoch = steps_per_epoch(len(windows), batch_size, 1)
        self.epoch = 0
        self.step_in_epoch = 0
        self.order = epoch_order(len(windows), seed, 0, 0, 1)

    def next(self) -> torch.Tensor:
        """Return the windows [B, T + 1] of the next step."""
        if self.step_in_epoch == self.steps_per_epoch:
            self.epoch += 1
            self.step_in_epoch = 0
            self.order = epoch_order(len(self.windows), self.seed, self.epoch, 0, 1)
        start = self.step_in_epoch * self.batch_size
        self.step_in_epoch += 1
        return make_batch(self.windows, self.order[start : start + self.batch_size])


def count_positives(windows: torch.Tensor) -> int:
    """Return the positives of a batch as TrainStep counts them (input and target both non-padding)."""
    return int(((windows[:, :-1] != 0) & (windows[:, 1:] != 0)).sum())


@dataclass
class Runner:
    """One configuration's trainer, its batches and its timed steps."""

    tower: str
    loss: str
    trainer: Trainer
    stream: BatchStream
    seconds: list[float] = field(default_factory=list)
    positives: list[int] = field(default_factory=list)

    def step(self, timed: bool) -> None:
        """Run one optimizer step of the training loop; record its time when `timed`."""
        windows = self.stream.next().to(self.trainer.device)
        synchronize(self.trainer.device)
        began = time.perf_counter()
        _, positives = self.trainer.train_step(windows)
        synchronize(self.trainer.device)
        elapsed = time.perf_counter() - began
        if timed:
            self.seconds.append(elapsed)
            self.positives.append(positives)


def synchronize(device: torch.device) -> None:
    """Wait for queued GPU work, so that a step's time includes it."""
    # NOTE: only the CPU path has been run. `--set train.device=cuda` is untested.
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def row_overrides(
    args: argparse.Namespace, tower: str, loss_overrides: list[str], equal_batch: int | None = None
) -> list[str]:
    """Return the config overrides of one row: fixed settings, the user's `--set` values, then the row's own.

    `equal_batch` is the batch size of the in_batch_equal_negatives row; None
    keeps the configured batch size (for checking the configurations only).
    """
    if equal_batch is None and any("{equal_batch}" in override for override in loss_overrides):
        equal_batch = load_config(args.config, [*FIXED_OVERRIDES, *args.overrides]).train.batch_size
    values = {"negatives": args.negatives, "equal_batch": equal_batch}
    return [
        *FIXED_OVERRIDES,
        *args.overrides,
        *tower_overrides(tower, args.large_text_layers, args.large_text_tokens),
        *(override.format(**values) for override in loss_overrides),
    ]


def equal_negatives_batch(windows: np.ndarray, seed: int, batch_size: int, negatives: int) -> int:
    """Return the batch size in windows whose steps hold about `negatives` positives on average.

    It counts the positives of one epoch of `batch_size`-window batches in
    the training loop's order, the shorter last batch left out, and scales
    the batch size by `negatives` over the mean positives per step. Raises
    ValueError when the training windows cannot fill such a batch.
    """
    stream = BatchStream(windows, seed, batch_size)
    full_steps = max(1, len(windows) // batch_size)
    counts = [count_positives(stream.next()) for _ in range(min(full_steps, stream.steps_per_epoch))]
    equal_batch = max(1, round(batch_size * negatives / statistics.mean(counts)))
    if equal_batch > len(windows):
        raise ValueError(
            f"--negatives {negatives} needs batches of about {equal_batch} windows for the "
            f"in_batch_equal_negatives row, but the training data has {len(windows)} windows; "
            "lower --negatives"
        )
    return equal_batch


def build_runners(args: argparse.Namespace, sequences_dir: Path, features_dir: Path, scratch: Path) -> list[Runner]:
    """Return one runner per (item-tower cost, loss), all built from the same seed."""
    runners: list[Runner] = []
    equal_batch = None
    for tower in TOWERS:
        for loss, loss_overrides in LOSSES:
            config = load_config(args.config, row_overrides(args, tower, loss_overrides, equal_batch))
            device, autocast_dtype = resolve_device(config.train.device, config.train.precision)
            trainer = Trainer(
                config, sequences_dir, features_dir, scratch / f"{tower}-{loss}", DistributedContext(), device,
                autocast_dtype,
            )
            stream = BatchStream(trainer.data.windows, config.seed, config.train.batch_size)
            runners.append(Runner(tower, loss, trainer, stream))
            if equal_batch is None:
                # The first row (in_batch) has the configured batch size and fixes the larger one for all towers.
                equal_batch = equal_negatives_batch(
                    trainer.data.windows, config.seed, config.train.batch_size, args.negatives
                )
                logger.info("in_batch_equal_negatives rows use batches of %d windows", equal_batch)
    return runners


def warmup_steps(runner: Runner, queue_size: int, extra: int) -> int:
    """Return the steps that fill a queue of `queue_size` entries, plus `extra` steps."""
    stream = BatchStream(runner.stream.windows, runner.stream.seed, runner.stream.batch_size)
    steps, seen = 0, 0
    while seen < queue_size:
        seen += count_positives(stream.next())
        steps += 1
    return steps + extra


def measure(runners: list[Runner], warmup: int, steps: int, rounds: int, seed: int) -> None:
    """Warm every runner up, then time `steps` steps of each per round.

    A round is `steps` passes, and each pass runs one step of every runner
    in a new shuffled order. A burst of load on the machine thus slows
    single steps of many configurations rather than all steps of one.
    """
    for runner in runners:
        began = time.perf_counter()
        for _ in range(warmup):
            runner.step(timed=False)
        seconds = (time.perf_counter() - began) / max(warmup, 1)
        logger.info("warm-up of %s / %s: %.2f s per step", runner.tower, runner.loss, seconds)
    rng = np.random.default_rng(seed)
    for round_index in range(rounds):
        began = time.perf_counter()
        for _ in range(steps):
            for position in rng.permutation(len(runners)):
                runners[position].step(timed=True)
        logger.info("round %d of %d took %.1f s", round_index + 1, rounds, time.perf_counter() - began)


def summarise(runner: Runner) -> dict:
    """Return the median ms per step and per example, and examples per second, of a runner's timed steps."""
    per_example = [seconds / count for seconds, count in zip(runner.seconds, runner.positives)]
    milliseconds = [seconds * 1000 for seconds in runner.seconds]
    quartiles = statistics.quantiles(milliseconds, n=4) if len(milliseconds) > 1 else [milliseconds[0]] * 3
    return {
        "ms_per_step": statistics.median(milliseconds),
        "ms_per_step_min": min(milliseconds),
        "ms_per_step_p25": quartiles[0],
        "ms_per_step_p75": quartiles[2],
        "positives_per_step": statistics.mean(runner.positives),
        "us_per_example": statistics.median(per_example) * 1e6,
        "examples_per_second": 1.0 / statistics.median(per_example),
        "timed_steps": len(runner.seconds),
    }


def add_ratios(results: dict[str, dict[str, dict]]) -> None:
    """Add each loss's time per example relative to in-batch, and sampled softmax over the cached queue."""
    for losses in results.values():
        base = losses["in_batch"]["us_per_example"]
        for figures in losses.values():
            figures["time_per_example_vs_in_batch"] = figures["us_per_example"] / base
        cached = losses["cached_queue"]["us_per_example"]
        for loss in ("sampled_softmax_features", "sampled_softmax_id_only", "raw_queue"):
            losses[loss]["time_per_example_vs_cached_queue"] = losses[loss]["us_per_example"] / cached
        losses["cached_queue"]["time_per_example_vs_in_batch_equal_negatives"] = (
            cached / losses["in_batch_equal_negatives"]["us_per_example"]
        )


def check_targets(results: dict[str, dict[str, dict]]) -> list[dict]:
    """Return one verdict per target and item-tower cost."""
    verdicts = []
    for tower, losses in results.items():
        ratio = losses["cached_queue"]["time_per_example_vs_in_batch"]
        verdicts.append(
            {
                "tower": tower,
                "target": f"cached queue time per example <= {CACHED_OVER_IN_BATCH_MAX:.2f}x in-batch",
                "value": ratio,
                "met": ratio <= CACHED_OVER_IN_BATCH_MAX,
            }
        )
    for tower in ("title", "large_title"):
        ratio = results[tower]["sampled_softmax_features"]["time_per_example_vs_cached_queue"]
        verdicts.append(
            {
                "tower": tower,
                "target": (
                    f"sampled softmax with features time per example >= {SAMPLED_OVER_CACHED_MIN:.2f}x cached queue"
                ),
                "value": ratio,
                "met": ratio >= SAMPLED_OVER_CACHED_MIN,
            }
        )
    return verdicts


def verdict_line(verdict: dict) -> str:
    """Return a verdict as one line: met or not met, with the measured ratio."""
    state = "met" if verdict["met"] else "NOT met"
    return f"{state}: {verdict['target']} ({verdict['tower']} item tower): measured {verdict['value']:.2f}x"


def tower_description(model: ModelConfig) -> str:
    """Return what the item tower of `model` encodes."""
    if model.text_encoder == "none":
        return "the item id, genres and release decade; no title (text_encoder=none)"
    blocks = "block" if model.text_layers == 1 else "blocks"
    return (
        f"the item id, genres, release decade and the title through {model.text_layers} self-attention {blocks} "
        f"over {model.text_max_tokens} token slots (text_encoder={model.text_encoder}, "
        f"text_layers={model.text_layers}, text_max_tokens={model.text_max_tokens})"
    )


def markdown(
    results: dict, verdicts: list[dict], args: argparse.Namespace, warmup: int, batch_size: int,
    equal_batch: int, towers: dict[str, ModelConfig],
) -> str:
    """Return the Markdown section of the result."""
    lines = [
        "# Training efficiency: cached queue against its baselines",
        "",
        record.provenance_lines(),
        "",
        f"MovieLens-100K windows, batch size {batch_size} windows (P positives per step, the same batches for "
        f"every row but in_batch_equal_negatives, which takes {equal_batch} windows per step), "
        f"{args.negatives} queue entries or sampled negatives, torch threads: {args.threads}. "
        f"Each row is the median of {args.steps * args.rounds} timed steps (rounds: {args.rounds}, passes "
        f"per round: {args.steps}, each pass one step of every configuration in a shuffled order) after {warmup} "
        "untimed steps that fill the queues. A step is the training loop's whole optimizer step: forward, "
        "backward, gradient clipping and AdamW. Examples are positives. The ratios divide the median time per "
        "example. A wide p25-p75 range means other work on the machine slowed some steps. The fastest step "
        "(min) is the least disturbed.",
        "",
        "Rows:",
        "",
        *(f"- `{loss}`: {description}." for loss, description in LOSS_ROWS.items()),
        "",
        "Why the gap grows with the item tower's cost: every loss encodes the P positives, but only the raw "
        f"queue and sampled softmax encode more items. The raw queue encodes all {args.negatives} queued ids "
        f"(the P positives among them), and sampled softmax the P positives plus {args.negatives} negatives. "
        "The cached queue reuses the embeddings computed when its entries were positives, so its extra cost "
        f"is the wider logit matrix alone (P x {args.negatives} against P x P for in-batch): the product of "
        "the users with the older entries, forward and for the users' gradient (the entries get none), and "
        "the softmax over the extra columns. That cost does not depend on the item tower, so it is the "
        "largest share of the step with the cheapest tower, and the cached queue's ratio to in-batch shrinks "
        "as the item tower grows. Per positive, in-batch negatives from a batch of about "
        f"{args.negatives} positives score as many logits as the cached queue, and they also compute the "
        "gradient of every candidate column, which the cached queue skips for its older entries. Sampled "
        "softmax with features pays "
        "the item tower for every negative, so a costlier item tower (titles, more blocks) widens its distance "
        "from the cached queue. Encoding negatives by id only avoids that cost, but those negatives then carry "
        "no feature information.",
        "",
        "MovieLens-100K titles have at most 16 tokens (4 on average), so token slots beyond 16 are padding. "
        "Padding slots are hidden from attention but still pass through every block, so the `large_title` "
        "tower stands in for an item tower with longer text, such as descriptions.",
        "",
    ]
    for tower, losses in results.items():
        lines += [
            f"## Item tower: {tower}",
            "",
            f"Encodes {tower_description(towers[tower])}.",
            "",
            "| loss | ms per step (median) | ms per step (p25-p75) | ms per step (min) | positives per step "
            "| examples per second | time per example vs in-batch |",
            "|---|---|---|---|---|---|---|",
        ]
        for loss, figures in losses.items():
            lines.append(
                f"| {loss} | {figures['ms_per_step']:.1f} | {figures['ms_per_step_p25']:.1f}-"
                f"{figures['ms_per_step_p75']:.1f} | {figures['ms_per_step_min']:.1f} "
                f"| {figures['positives_per_step']:.0f} "
                f"| {figures['examples_per_second']:.0f} | {figures['time_per_example_vs_in_batch']:.2f}x |"
            )
        ratio = losses["sampled_softmax_features"]["time_per_example_vs_cached_queue"]
        bound = losses["sampled_softmax_features"]["time_per_example_vs_in_batch"]
        equal = losses["cached_queue"]["time_per_example_vs_in_batch_equal_negatives"]
        lines += [
            "",
            f"Sampled softmax with features over cached queue, time per example: {ratio:.2f}x. A queue costs "
            "at least what in-batch negatives cost, since it scores the same batch and more, so with this item "
            f"tower and batch no queue can reach more than {bound:.2f}x (sampled softmax with features over "
            "in-batch).",
            "",
            f"Cached queue over in-batch negatives with as many negatives per positive, time per example: "
            f"{equal:.2f}x.",
            "",
        ]
    lines += ["## Targets", "", *(f"- {verdict_line(verdict)}" for verdict in verdicts)]
    return "\n".join(lines)


def parse_args() -> argparse.Namespace:
    """Parse the command line and reject counts below their minimum and invalid `--set` values."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--mirror",
        type=Path,
        default=None,
        help="Dataset mirror folder to copy ml-100k from; default $CLREC_DATA_MIRROR, else the official download.",
    )
    parser.add_argument("--config", type=Path, default=Path("configs/ml-100k.yaml"), help="Base configuration.")
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[],
        help=(
            "KEY=VALUE override for every configuration, for example train.device=cuda. Keys that the rows set "
            "(train.loss.*, train.model.text_encoder, train.model.text_layers) are rejected, and "
            "--large-text-tokens replaces train.model.text_max_tokens in the large_title rows."
        ),
    )

    parser.add_argument(
        "--negatives", type=int, default=2560, help="Queue size and sampled negatives per step (default 2560)."
    )
    parser.add_argument("--steps", type=int, default=10, help="Timed steps per configuration and round (default 10).")
    parser.add_argument("--rounds", type=int, default=5, help="Round-robin rounds over the configurations (default 5).")
    parser.add_argument(
        "--warmup", type=int, default=3, help="Untimed steps after the queues are full (default 3)."
    )
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2).")

    parser.add_argument(
        "--large-text-layers", type=int, default=4,
        help="Self-attention blocks of the title encoder in the large_title item tower (default 4).",
    )
    parser.add_argument(
        "--large-text-tokens", type=int, default=32,
        help="Token slots per title in the large_title item tower (default 32).",
    )
    parser.add_argument("--seed", type=int, default=0, help="Seed of the round-robin order (default 0).")

    args = parser.parse_args()
    for name in ("negatives", "steps", "rounds", "threads", "large_text_layers", "large_text_tokens"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    if args.warmup < 0:
        parser.error(f"--warmup must be 0 or more, got {args.warmup}")
    check_overrides(parser, args)
    return args


def find_row_key(text: str) -> str | None:
    """Return the per-row key that the `--set` override `text` sets, or None when it sets none.

    Reading the keys back from a mapping also catches a whole section, such
    as train.model={text_layers: 2}. Raises ConfigError on a malformed override.
    """
    keys = apply_overrides({}, [text])
    for path in ROW_KEY_PATHS:
        node = keys
        for part in path:
            if not isinstance(node, dict) or part not in node:
                break
            node = node[part]
        else:
            return ".".join(path)
    return None


def check_overrides(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Exit through `parser` on a `--set` key that each row sets, or on a configuration that does not validate."""
    for text in args.overrides:
        try:
            row_key = find_row_key(text)
        except ConfigError as error:
            parser.error(f"argument --set: {error}")
        if row_key is not None:
            parser.error(
                f"argument --set: {text!r} sets {row_key}, which this script sets per row "
                "(train.loss.*, train.model.text_encoder, train.model.text_layers), so the row would replace it; "
                "remove it, and use --negatives, --large-text-layers or --large-text-tokens to change the rows"
            )

    # Loading the configurations here makes an invalid value fail before the dataset is fetched.
    try:
        load_config(args.config, [*FIXED_OVERRIDES, *args.overrides])
    except ConfigError as error:
        parser.error(f"--config or --set: {error}")
    for tower in TOWERS:
        for loss, loss_overrides in LOSSES:
            try:
                load_config(args.config, row_overrides(args, tower, loss_overrides))
            except ConfigError as error:
                parser.error(f"--config or --set, in the row {tower} / {loss}: {error}")


def main() -> None:
    args = parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Each trainer logs its set-up at INFO, which would repeat for all 18 configurations, so clrec shows warnings only.
    logging.getLogger("clrec").setLevel(logging.WARNING)
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as scratch:
        # fetch_dataset verifies the checksums and returns <cache>/ml-100k; build_inputs reads from <cache>.
        dataset_dir = fetch_dataset("ml-100k", mirror=args.mirror)
        sequences_dir, features_dir = build_inputs(dataset_dir.parent, Path(scratch))
        try:
            runners = build_runners(args, sequences_dir, features_dir, Path(scratch))
        except ValueError as error:
            raise SystemExit(f"efficiency.py: {error}") from error
        warmup = warmup_steps(runners[0], args.negatives, args.warmup)
        logger.info("%d configurations, %d warm-up steps each", len(runners), warmup)
        measure(runners, warmup, args.steps, args.rounds, args.seed)

    results: dict[str, dict[str, dict]] = {}
    for runner in runners:
        results.setdefault(runner.tower, {})[runner.loss] = summarise(runner)
    add_ratios(results)
    verdicts = check_targets(results)
    batch_size = runners[0].trainer.train_config.batch_size
    towers = {runner.tower: runner.trainer.train_config.model for runner in runners}
    equal_batch = next(
        runner.trainer.train_config.batch_size for runner in runners if runner.loss == "in_batch_equal_negatives"
    )
    section = markdown(results, verdicts, args, warmup, batch_size, equal_batch, towers)
    # The section ends with one met / not met line per target.
    print(section)
    figures = {
        "settings": {
            "negatives": args.negatives, "steps": args.steps, "rounds": args.rounds, "warmup_steps": warmup,
            "threads": args.threads, "batch_size": batch_size, "equal_negatives_batch_size": equal_batch,
            "device": str(runners[0].trainer.device),
            "large_text_layers": args.large_text_layers, "large_text_tokens": args.large_text_tokens,
            "overrides": args.overrides,
        },
        "results": results,
        "targets": verdicts,
    }
    record.write_result("efficiency", figures, section)


if __name__ == "__main__":
    main()
