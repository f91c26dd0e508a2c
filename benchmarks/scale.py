"""Time preprocessing, one training epoch, index build and retrieval at growing log sizes.

Run from the repository root:

    .venv/bin/python benchmarks/scale.py --points 1e5:1e4 1e6:1e5

Each scale point is `EVENTS:ITEMS`. For each one, a synthetic click log
(benchmarks/synthetic_log.py) is written, then the product's own code runs
on it, each call timed once, wall clock:

- `run_preprocess` on Beam's in-memory FnApiRunner, leave-one-out split;
- `train_model` for one epoch of an id-only model with the cached-queue
  loss, starting from `--config` (the Amazon Beauty settings by default).
  With `--max-train-steps N`, training stops after N steps through the
  `train.max_steps` key. The epoch time is then extrapolated from those N
  steps and labelled so in the JSON and Markdown;
- `build_index` over the trained item embeddings, with each `--factories`
  string and the metric that publishing would choose;
- `tune_index` with the `publish` settings, as publishing tunes an
  approximate index, then `search` of `--queries` user embeddings (the trained user tower on the
  training histories of users drawn at random) with k = 50.

The end of the epoch validates on a fixed subsample of 10,000 users
(`train.valid_max_users`), because ranking every item for every validation
user grows with users times items. `--skip-train` leaves training out and
indexes random embeddings instead.

A growth table then gives, for each cost, the time ratio between
consecutive points and the exponent log(time ratio) / log(events ratio):
about 1 means linear growth. Results go to benchmarks/results/scale.json
and scale.md.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import pandas as pd

import synthetic_log
from record import provenance_lines, write_result

from clrec.config import ClrecConfig, ConfigError, load_config
from clrec.config.publish import PublishConfig
from clrec.preprocess import run_preprocess
from clrec.preprocess.schemas import SEQUENCES_FILE
from clrec.registry.index import build_index, search
from clrec.registry.publish import resolve_metric
from clrec.registry.tuning import RecallFloorError, tune_index
from clrec.train.loop import run_training
from clrec.train.artifacts import ITEM_EMBEDDINGS_FILE
from clrec.train.data import steps_per_epoch
from clrec.train.inference import encode_histories, load_model

logger = logging.getLogger("scale")

DEFAULT_POINTS = ["1e5:1e4", "1e6:1e5", "1e7:1e6"]
DEFAULT_FACTORIES = ["Flat", "HNSW32"]
SEARCH_K = 50
LOG_OVERRIDES = [
    f"preprocess.input.paths=[{synthetic_log.EVENTS_FILE}]",
    "preprocess.input.format=tsv",
    "preprocess.input.delimiter=null",
    "preprocess.input.header=false",
    "preprocess.input.field_names=[user_id, item_id, timestamp]",
    "preprocess.columns.user=user_id",
    "preprocess.columns.item=item_id",
    "preprocess.columns.timestamp=timestamp",
    "preprocess.columns.rating=null",
    "preprocess.columns.event_type=null",
    "preprocess.filter.min_rating=null",
    "preprocess.split.strategy=leave_one_out",
]
TRAIN_OVERRIDES = [
    "train.epochs=1",
    "train.model.use_features=false",
    "train.loss.kind=cached_queue",
    "train.early_stopping_patience=0",
    # Ranking every item for every validation user grows with users times
    # items; a fixed subsample keeps the end of the epoch comparable across points.
    "train.valid_max_users=10000",
    "train.tensorboard=false",
    "train.progress_bar=false",
]


def parse_point(text: str) -> tuple[int, int]:
    """Parse `EVENTS:ITEMS`, such as 1e6:1e5, into two whole counts."""
    events, sep, items = text.partition(":")
    if not sep:
        raise argparse.ArgumentTypeError(f"invalid scale point {text!r}; write EVENTS:ITEMS, for example 1e6:1e5")
    try:
        num_events = synthetic_log.parse_count(events, minimum=synthetic_log.MIN_EVENTS_PER_USER)
        num_items = synthetic_log.parse_count(items)
    except argparse.ArgumentTypeError as error:
        raise argparse.ArgumentTypeError(f"invalid scale point {text!r}: {error}") from None
    return num_events, num_items


def build_config(base: Path, kcore: int, max_train_steps: int, extra: list[str]) -> ClrecConfig:
    """Load the base configuration with the synthetic log's layout and one epoch of id-only training."""
    overrides = [
        *LOG_OVERRIDES,
        f"preprocess.kcore.min_user_events={kcore}",
        f"preprocess.kcore.min_item_events={kcore}",
        *TRAIN_OVERRIDES,
        f"train.max_steps={max_train_steps}",
        *extra,
    ]
    return load_config(base, overrides)


def timed(function: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, Any]:
    """Call `function` once and return (wall seconds, its result)."""
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


def train_one_epoch(config: ClrecConfig, sequences_dir: Path, model_dir: Path) -> dict[str, Any]:
    """Train as `train_model` does and return its step counts, times and, when cut short, the extrapolated epoch."""
    step_ends: list[float] = []

    started = time.perf_counter()
    # `train_model` is `run_training` without the callback, which only records when each step ends.
    metrics = run_training(
        config, sequences_dir, None, model_dir, resume=False, step_callback=lambda _: step_ends.append(time.perf_counter())
    )
    finished = time.perf_counter()

    wall_s = finished - started
    planned = steps_per_epoch(metrics["num_windows"], config.train.batch_size, metrics["world_size"])
    steps = metrics["steps"]
    step_s = metrics["training_seconds"]
    extrapolated = steps < planned
    end_of_epoch_s = finished - step_ends[-1] if step_ends else None

    return {
        "wall_s": wall_s,
        # Forward, backward and optimizer steps only, as `train_model` sums them.
        "steps_s": step_s,
        "outside_steps_s": wall_s - step_s,
        # After the last step: validation over the full catalog, the checkpoint and the model files.
        "end_of_epoch_s": end_of_epoch_s,
        # Before and between steps: loading the data, building the model and assembling batches.
        "setup_and_batches_s": wall_s - step_s - end_of_epoch_s if end_of_epoch_s is not None else None,
        "steps_run": steps,
        "steps_per_epoch": planned,
        "num_windows": metrics["num_windows"],
        "positives_seen": metrics["positives_seen"],
        "examples_per_second": metrics["examples_per_second"],
        "device": metrics["device"],
        "precision": metrics["precision"],
        "epoch_s": step_s / steps * planned if steps else None,
        "epoch_s_basis": f"extrapolated from {steps} steps" if extrapolated else f"measured over all {steps} steps",
        "extrapolated": extrapolated,
    }


def user_queries(model_dir: Path, sequences_dir: Path, count: int, seed: int) -> tuple[float, np.ndarray, int]:
    """Encode the training histories of `count` users drawn at random with the trained user tower.

    Returns (encoding seconds, queries float32 [count, d], distinct users
    drawn). Users are drawn with replacement only when fewer than `count`
    users have a training history.
    """
    frame = pd.read_parquet(sequences_dir / SEQUENCES_FILE, columns=["train_items"])
    histories = [items for items in frame["train_items"] if len(items)]
    generator = np.random.default_rng(seed)
    replace = len(histories) < count
    rows = generator.choice(len(histories), size=count, replace=replace)
    chosen = [histories[row].tolist() for row in rows]
    model = load_model(model_dir, "cpu")
    encode_s, queries = timed(encode_histories, model, chosen)
    return encode_s, queries, len(np.unique(rows))


def random_embeddings(num_items: int, dim: int, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return a random item table [N + 1, d] with zero row 0 and random queries [count, d]."""
    generator = np.random.default_rng(seed)
    table = generator.standard_normal((num_items + 1, dim), dtype=np.float32)
    table[0] = 0.0
    return table, generator.standard_normal((count, dim), dtype=np.float32)


def time_retrieval(
    table: np.ndarray, queries: np.ndarray, metric: str, factories: list[str], publish: PublishConfig, seed: int
) -> list[dict[str, Any]]:
    """Build, tune and search each index over `table`; measure recall against the first index.

    Tuning is publishing's: the smallest nprobe or efSearch of
    `publish.search_parameter_values` that reaches `publish.recall_floor` on
    `publish.recall_queries` of the queries. An index that misses the floor
    is searched with the last value tried and marked.
    """
    rows = []
    reference_items = None
    for factory in factories:
        build_s, index = timed(build_index, table, factory, metric)
        started = time.perf_counter()
        try:
            tuning = tune_index(
                index, table, metric, queries=queries, factory=factory, recall_floor=publish.recall_floor,
                k=publish.recall_k, num_queries=publish.recall_queries,
                candidate_values=publish.search_parameter_values, seed=seed,
            )
            tuned = f"{tuning.parameter}={tuning.value}" if tuning.parameter else "exact"
        except RecallFloorError:
            tuned = f"recall floor {publish.recall_floor} missed"
        tune_s = time.perf_counter() - started
        search_s, (_, item_idx) = timed(search, index, queries, SEARCH_K)
        if reference_items is None:
            reference_items = item_idx
        hits = sum(len(np.intersect1d(found, truth)) for found, truth in zip(item_idx, reference_items))
        rows.append(
            {
                "factory": factory,
                "build_s": build_s,
                "tune_s": tune_s,
                "search_parameter": tuned,
                "search_s": search_s,
                "queries_per_second": len(queries) / search_s,
                f"recall@{SEARCH_K}_vs_{factories[0]}": hits / reference_items.size,
            }
        )
        logger.info("index %s: build %.2f s, tune %.2f s (%s), search %.2f s", factory, build_s, tune_s, tuned, search_s)
        del index
    return rows


def run_point(num_events: int, num_items: int, config: ClrecConfig, args: argparse.Namespace, scratch: Path) -> dict:
    """Generate one log, run every timed step on it and return the figures."""
    folder = scratch / f"{num_events}-{num_items}"
    input_dir, sequences_dir, model_dir = folder / "input", folder / "sequences", folder / "model"
    point: dict[str, Any] = {"events_input": num_events, "items_catalog": num_items}

    generate_s, log = timed(synthetic_log.write_synthetic_log, input_dir, num_events, num_items, args.seed)
    point["generate_s"] = generate_s
    point["users_input"] = log.num_users
    del log
    logger.info("point %d:%d: log written in %.1f s", num_events, num_items, generate_s)

    preprocess_s, manifest = timed(run_preprocess, config, input_dir, sequences_dir)
    point["preprocess"] = {
        "seconds": preprocess_s,
        "events_per_second": num_events / preprocess_s,
        "events_kept": manifest["events"],
        "users": manifest["users"],
        "items": manifest["items"],
        "users_train_only": manifest["users_train_only"],
        "events_by_split": manifest["events_by_split"],
    }
    logger.info("point %d:%d: preprocess %.1f s, %s events kept", num_events, num_items, preprocess_s, manifest["events"])

    if args.skip_train:
        point["embeddings"] = f"random normal, dim {config.train.model.dim}, seed {args.seed} (no model trained)"
        table, queries = random_embeddings(manifest["items"], config.train.model.dim, args.queries, args.seed)
        metric = resolve_metric(config.publish.metric, config.train.model.score)
        point["train"] = None
    else:
        point["train"] = train_one_epoch(config, sequences_dir, model_dir)
        logger.info("point %d:%d: train %s", num_events, num_items, point["train"]["epoch_s_basis"])
        table = np.load(model_dir / ITEM_EMBEDDINGS_FILE)
        encode_s, queries, distinct = user_queries(model_dir, sequences_dir, args.queries, args.seed)
        point["embeddings"] = f"trained model: item_embeddings.npy and the user tower on {distinct:,} distinct users"
        point["encode_queries_s"] = encode_s
        metric = resolve_metric(config.publish.metric, config.train.model.score)

    point["metric"] = metric
    point["queries"] = len(queries)
    point["indexes"] = time_retrieval(table, queries, metric, args.factories, config.publish, args.seed)
    shutil.rmtree(folder, ignore_errors=True)
    return point


def point_costs(point: dict) -> dict[str, tuple[float, str]]:
    """Return the timed costs of one point as (seconds, basis), by the name the growth table uses."""
    costs = {"preprocess": (point["preprocess"]["seconds"], "measured")}
    train = point["train"]
    if train is not None and train["epoch_s"] is not None:
        costs["train epoch"] = (train["epoch_s"], train["epoch_s_basis"])
        costs["train end of epoch (validation, files)"] = (train["end_of_epoch_s"], "measured")
        costs["train setup and batches"] = (train["setup_and_batches_s"], "measured")
    for row in point["indexes"]:
        costs[f"build {row['factory']}"] = (row["build_s"], "measured")
        if row["search_parameter"] != "exact":
            costs[f"tune {row['factory']}"] = (row["tune_s"], "measured")
        costs[f"search {row['factory']}"] = (row["search_s"], "measured")
    return costs


def growth_rows(points: list[dict]) -> list[dict]:
    """Return, per cost and per pair of consecutive points, the time ratio and its exponent in events and items."""
    rows = []
    for before, after in zip(points, points[1:]):
        costs_before, costs_after = point_costs(before), point_costs(after)
        event_ratio = after["events_input"] / before["events_input"]
        item_ratio = after["items_catalog"] / before["items_catalog"]
        for name, (seconds, basis) in costs_after.items():
            if name not in costs_before:
                continue
            earlier, earlier_basis = costs_before[name]
            if earlier <= 0 or seconds <= 0:
                continue
            time_ratio = seconds / earlier
            rows.append(
                {
                    "cost": name,
                    "from_events": before["events_input"],
                    "to_events": after["events_input"],
                    "basis": "measured" if basis == earlier_basis == "measured" else f"{earlier_basis}; {basis}",
                    "time_ratio": time_ratio,
                    "events_ratio": event_ratio,
                    "exponent_events": math.log(time_ratio) / math.log(event_ratio) if event_ratio != 1 else None,
                    "items_ratio": item_ratio,
                    "exponent_items": math.log(time_ratio) / math.log(item_ratio) if item_ratio != 1 else None,
                }
            )
    return rows


def _exponent(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def render_markdown(settings: dict, points: list[dict], growth: list[dict]) -> str:
    """Return the Markdown section: provenance, the three tables per point and the growth table."""
    shape = synthetic_log.LogSettings()
    lines = [
        "# Scale",
        "",
        provenance_lines(),
        "",
        f"Synthetic click logs from benchmarks/synthetic_log.py (seed {settings['seed']}, "
        f"Zipf exponent {shape.zipf_exponent}, {shape.num_categories} categories, "
        f"about {shape.mean_length:.0f} events per user, at least {synthetic_log.MIN_EVENTS_PER_USER}). "
        "Base configuration "
        f"`{settings['config']}` with a tab-separated `user item timestamp` input, "
        f"k-core {settings['kcore']}, leave-one-out, one epoch of an id-only model with the cached-queue loss. "
        f"Each step is timed once, wall clock. Faiss used {settings['faiss_threads']} threads. The 1-minute load "
        f"average was {settings['load_average_at_start']:.1f} when the run started, so other jobs may have "
        "shared the CPU when it is near or above the core count.",
        "",
        "## Preprocess",
        "",
        "| events in | catalog items | generate s | preprocess s | events/s | events kept | users | items kept |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for point in points:
        pre = point["preprocess"]
        lines.append(
            f"| {point['events_input']:,} | {point['items_catalog']:,} | {point['generate_s']:.1f} | "
            f"{pre['seconds']:.1f} | {pre['events_per_second']:,.0f} | {pre['events_kept']:,} | "
            f"{pre['users']:,} | {pre['items']:,} |"
        )

    trained = [point for point in points if point["train"] is not None]
    if trained:
        lines += [
            "",
            "## One training epoch",
            "",
            "Epoch seconds count forward, backward and optimizer steps only. The `train_model` wall time adds "
            "setup (loading the data, building the model, assembling batches) and the end of the epoch "
            "(validation over the full catalog for a fixed subsample of at most 10,000 validation users, the checkpoint and the model files). "
            "The end of the epoch runs in full even when training stops after `--max-train-steps`.",
            "",
            "| events in | windows | steps per epoch | epoch s | basis | examples/s | train_model wall s | setup s "
            "| end of epoch s | device |",
            "|---:|---:|---:|---:|---|---:|---:|---:|---:|---|",
        ]
        for point in trained:
            train = point["train"]
            lines.append(
                f"| {point['events_input']:,} | {train['num_windows']:,} | {train['steps_per_epoch']:,} | "
                f"{train['epoch_s']:.1f} | {train['epoch_s_basis']} | {train['examples_per_second']:,.0f} | "
                f"{train['wall_s']:.1f} | {train['setup_and_batches_s']:.1f} | {train['end_of_epoch_s']:.1f} | "
                f"{train['device']} |"
            )

    lines += [
        "",
        "## Index build and retrieval",
        "",
        "Each approximate index is first tuned as publishing does (smallest search parameter that reaches "
        f"recall@{settings['recall_k']} {settings['recall_floor']} on {settings['recall_queries']:,} queries). "
        f"Each search is then one call with all queries and k = {SEARCH_K}. Recall is the share of the first "
        "index's results that each index also returns.",
        "",
        "| events in | items indexed | embeddings | index | build s | tune s | search parameter | queries | search s "
        "| queries/s | recall |",
        "|---:|---:|---|---|---:|---:|---|---:|---:|---:|---:|",
    ]
    recall_key = f"recall@{SEARCH_K}_vs_{settings['factories'][0]}"
    for point in points:
        source = "random" if point["train"] is None else "trained"
        for row in point["indexes"]:
            lines.append(
                f"| {point['events_input']:,} | {point['preprocess']['items']:,} | {source} | {row['factory']} | "
                f"{row['build_s']:.2f} | {row['tune_s']:.2f} | {row['search_parameter']} | {point['queries']:,} | "
                f"{row['search_s']:.2f} | "
                f"{row['queries_per_second']:,.0f} | {row[recall_key]:.3f} |"
            )

    if growth:
        lines += [
            "",
            "## Growth",
            "",
            "Exponent = log(time ratio) / log(events ratio), and the same against catalog items: 1 is linear, "
            "2 quadratic. Times under a second are noisy, and so are their exponents.",
            "",
            "| cost | events | time ratio | exponent (events) | exponent (items) | basis |",
            "|---|---|---:|---:|---:|---|",
        ]
        for row in growth:
            lines.append(
                f"| {row['cost']} | {row['from_events']:,} → {row['to_events']:,} | {row['time_ratio']:.2f} | "
                f"{_exponent(row['exponent_events'])} | {_exponent(row['exponent_items'])} | {row['basis']} |"
            )
    return "\n".join(lines)


def check_factories(parser: argparse.ArgumentParser, factories: list[str], dimension: int) -> None:
    """Exit through `parser` when Faiss cannot parse a factory string for the model's dimension."""
    for factory in factories:
        try:
            faiss.index_factory(dimension, factory, faiss.METRIC_INNER_PRODUCT)
        except RuntimeError as error:
            # Faiss puts the failed check after the last colon of its message.
            reason = str(error).rsplit(": ", 1)[-1].strip()
            parser.error(
                f"argument --factories: Faiss rejects {factory!r} for dimension {dimension} ({reason}); "
                "use for example Flat, HNSW32 or IVF1024,Flat"
            )


def parse_args() -> argparse.Namespace:
    """Parse the command line and check every value, and the configuration it builds, before any work."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--points",
        nargs="+",
        default=DEFAULT_POINTS,
        help=f"Scale points as EVENTS:ITEMS (default: {' '.join(DEFAULT_POINTS)}).",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=Path("configs/amazon-beauty.yaml"),
        help="Base configuration (default: %(default)s).",
    )
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], help="Extra KEY=VALUE configuration override, repeatable."
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="Seed of the log, the query users and random embeddings (default: %(default)s).",
    )
    parser.add_argument(
        "--kcore",
        type=int,
        default=1,
        help="Minimum events per user and per item; 1 disables k-core (default: %(default)s).",
    )
    parser.add_argument(
        "--max-train-steps",
        type=int,
        default=0,
        help="Stop training after this many steps and extrapolate the epoch time; 0 trains the whole epoch "
        "(default: %(default)s).",
    )
    parser.add_argument("--skip-train", action="store_true", help="Index random embeddings instead of a trained model.")
    parser.add_argument(
        "--factories",
        nargs="+",
        default=DEFAULT_FACTORIES,
        help=f"Faiss factory strings to time (default: {' '.join(DEFAULT_FACTORIES)}).",
    )
    parser.add_argument(
        "--queries", type=int, default=10_000, help="User embeddings per search batch (default: %(default)s)."
    )
    parser.add_argument("--work-dir", type=Path, default=None, help="Parent of the scratch folder (default: system temp).")
    args = parser.parse_args()

    try:
        args.parsed_points = [parse_point(text) for text in args.points]
    except argparse.ArgumentTypeError as error:
        parser.error(f"argument --points: {error}")
    if args.seed < 0:
        parser.error(f"--seed must be 0 or more, got {args.seed}")
    if args.kcore < 1:
        parser.error(f"--kcore must be at least 1 (1 disables k-core), got {args.kcore}")
    if args.max_train_steps < 0:
        parser.error(f"--max-train-steps must be 0 or more (0 trains the whole epoch), got {args.max_train_steps}")
    if args.queries < 1:
        parser.error(f"--queries must be at least 1, got {args.queries}")
    if args.work_dir is not None and not args.work_dir.is_dir():
        parser.error(f"--work-dir {args.work_dir} is not an existing folder; create it or pass another one")

    try:
        args.run_config = build_config(args.config, args.kcore, args.max_train_steps, args.overrides)
    except ConfigError as error:
        parser.error(f"--config or --set: {error}")
    check_factories(parser, args.factories, args.run_config.train.model.dim)
    return args


def main() -> None:
    """Run every scale point, print progress and write scale.json and scale.md."""
    args = parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # Beam logs every stage at INFO; its warnings are enough here.
    logging.getLogger("apache_beam").setLevel(logging.WARNING)
    config = args.run_config

    load_average = os.getloadavg()[0]
    scratch = Path(tempfile.mkdtemp(prefix="clrec-scale-", dir=args.work_dir))
    points = []
    try:
        for num_events, num_items in args.parsed_points:
            points.append(run_point(num_events, num_items, config, args, scratch))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    settings = {
        "config": str(args.config),
        "overrides": args.overrides,
        "seed": args.seed,
        "kcore": args.kcore,
        "max_train_steps": args.max_train_steps,
        "skip_train": args.skip_train,
        "factories": args.factories,
        "queries": args.queries,
        "search_k": SEARCH_K,
        "recall_floor": config.publish.recall_floor,
        "recall_k": config.publish.recall_k,
        "recall_queries": config.publish.recall_queries,
        "faiss_threads": faiss.omp_get_max_threads(),
        "load_average_at_start": load_average,
        "batch_size": config.train.batch_size,
        "model_dim": config.train.model.dim,
        "max_length": config.train.model.max_length,
    }
    growth = growth_rows(points)
    markdown = render_markdown(settings, points, growth)
    write_result("scale", {"settings": settings, "points": points, "growth": growth}, markdown)
    print(markdown)


if __name__ == "__main__":
    main()
