"""Time one training step of each loss kind on MovieLens-100K windows.

The cached queue encodes only the present batch's positives. The raw queue
encodes every queued item again, and sampled softmax encodes its drawn
negatives. With an expensive item feature (titles through a Transformer
layer), the difference shows in the time per step.

    .venv/bin/python benchmarks/train_step_speed.py --mirror /path/to/datasets \
        --set train.model.text_encoder=transformer

Prints one Markdown row per loss kind: milliseconds per step and positives
(examples) per second, the median of `--steps` timed steps.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from clrec.config import load_config
from clrec.model.objectives import build_objective
from clrec.train.data import load_training_data, make_batch
from clrec.train.model_builder import build_model
from clrec.train.step import TrainStep
from train_ml100k import build_inputs

KINDS = ["in_batch", "cached_queue", "momentum_queue", "raw_queue", "sampled_softmax", "full_softmax"]


def time_steps(config, sequences_dir: Path, features_dir: Path, steps: int) -> tuple[float, float]:
    """Return the median seconds per step and positives per step of `config`'s loss."""
    torch.manual_seed(config.seed)
    data = load_training_data(sequences_dir, config.train.model.max_length)
    model = build_model(config.train.model, data.num_items, features_dir)
    objective = build_objective(config.train.loss, model, data.item_counts, config.seed, torch.device("cpu"))
    step = TrainStep(model, objective)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.train.optim.learning_rate)
    order = np.random.default_rng(config.seed).permutation(len(data.windows))
    batch_size = config.train.batch_size
    seconds, positives = [], []
    # The first steps fill the queue and warm up the allocator; they are not timed.
    warmup = max(5, -(-config.train.loss.queue_size // (batch_size * config.train.model.max_length)))
    for index in range(warmup + steps):
        start = index * batch_size % (len(order) - batch_size)
        windows = make_batch(data.windows, order[start : start + batch_size])
        began = time.perf_counter()
        loss, count = step(windows)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if index >= warmup:
            seconds.append(time.perf_counter() - began)
            positives.append(count)
    return statistics.median(seconds), statistics.mean(positives)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, required=True, help="Folder that contains ml-100k/u.data.")
    parser.add_argument("--config", type=Path, default=Path("configs/ml-100k.yaml"), help="Base configuration.")
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="KEY=VALUE override.")
    parser.add_argument("--steps", type=int, default=30, help="Timed steps per loss kind (default 30).")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads; 0 keeps the default.")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as scratch:
        sequences_dir, features_dir = build_inputs(args.mirror, Path(scratch))
        print("| loss | ms per step | positives per step | examples per second |")
        print("|---|---|---|---|")
        for kind in KINDS:
            config = load_config(args.config, [*args.overrides, f"train.loss.kind={kind}"])
            seconds, positives = time_steps(config, sequences_dir, features_dir, args.steps)
            print(f"| {kind} | {seconds * 1000:.1f} | {positives:.0f} | {positives / seconds:.0f} |", flush=True)


if __name__ == "__main__":
    main()
