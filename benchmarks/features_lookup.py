"""Benchmark the feature step: the whole build, offline retrieval and online lookup latency.

Run from the repository root, with the dataset mirror:

    CLREC_DATA_MIRROR=/path/to/mirror .venv/bin/python benchmarks/features_lookup.py

For each dataset, the preprocessing output is built here with the feature
tests' fixture writer: a leave-one-out split, with items indexed in order of
first appearance. Amazon Beauty has no timestamps, so each event's position
in its user's sequence is used as its time. Then `build_features` runs once, the
offline retrieval of the whole item table is repeated, and single and batched
online lookups are timed one call at a time. The table is printed and written
to benchmarks/results/features.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from clrec.config import load_config  # noqa: E402
from clrec.features import build_features  # noqa: E402
from clrec.features.build import POPULARITY_REFERENCE  # noqa: E402
from clrec.features.item_metadata import read_item_metadata  # noqa: E402
from clrec.features.online import OnlineFeatures  # noqa: E402
from clrec.features.retrieval import retrieve_item_features  # noqa: E402
from clrec.features.store import FeastLocation, open_store  # noqa: E402
from tests.features.fixtures import read_movielens_ratings, write_preprocess_output  # noqa: E402

DATASETS = ("ml-100k", "amazon-beauty")
RESULTS = REPO_ROOT / "benchmarks" / "results" / "features.md"


def read_beauty(path: Path) -> dict[str, list[tuple[str, int]]]:
    """Read `beauty.txt` into each user's events, with the position as the timestamp."""
    histories: dict[str, list[tuple[str, int]]] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            user_id, item_id = line.split()
            events = histories.setdefault(user_id, [])
            events.append((item_id, len(events) + 1))
    return histories


def percentile_ms(samples: list[float], percent: float) -> float:
    """Return a percentile of durations in seconds, in milliseconds (nearest rank)."""
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(percent / 100 * len(ordered)) - 1))
    return 1000 * ordered[rank]


def time_calls(function, arguments: list, warmup: int = 5) -> list[float]:
    """Call `function` on each argument after a few warm-up calls; return each call's seconds."""
    for argument in arguments[:warmup]:
        function(argument)
    durations = []
    for argument in arguments:
        started = time.perf_counter()
        function(argument)
        durations.append(time.perf_counter() - started)
    return durations


def run_dataset(dataset: str, mirror: Path, workdir: Path, lookups: int, repeats: int) -> list[str]:
    """Run the benchmark of one dataset and return its Markdown section."""
    root = workdir / dataset
    histories = (
        read_movielens_ratings(mirror / "ml-100k" / "u.data")
        if dataset == "ml-100k"
        else read_beauty(mirror / "amazon-beauty" / "beauty.txt")
    )
    item_index = write_preprocess_output(root / "preprocess", histories)
    config = load_config(REPO_ROOT / "configs" / f"{dataset}.yaml", [f"paths.feast_data={root / 'feast'}"])

    started = time.perf_counter()
    report = build_features(config, root / "preprocess", mirror / dataset, root / "out")
    build_seconds = time.perf_counter() - started

    location = FeastLocation.from_config(config)
    store = open_store(location)
    schema = read_item_metadata(dataset, mirror / dataset, config.features.use_title_text).schema
    references = [*schema.references(), POPULARITY_REFERENCE]
    items = list(range(1, len(item_index) + 1))
    as_of = datetime.fromisoformat(report["as_of"])
    offline = []
    for _ in range(repeats):
        started = time.perf_counter()
        retrieve_item_features(store, items, as_of, references)
        offline.append(time.perf_counter() - started)

    online = OnlineFeatures(config)
    generator = random.Random(0)
    user_ids = list(histories)
    rows = [
        ("whole step (`build_features`)", f"{build_seconds:.2f} s"),
        ("step phase: write sources", f"{report['seconds']['sources']:.2f} s"),
        ("step phase: `feast apply` subprocess, then open the store", f"{report['seconds']['apply']:.2f} s"),
        ("step phase: materialise all views", f"{report['seconds']['materialize']:.2f} s"),
        ("step phase: offline retrieval", f"{report['seconds']['retrieve']:.2f} s"),
        (
            f"offline retrieval of all {len(items)} items, median of {repeats}",
            f"{statistics.median(offline):.3f} s (min {min(offline):.3f} s)",
        ),
    ]
    for size in (1, 256):
        user_batches = [generator.sample(user_ids, size) for _ in range(lookups)]
        item_batches = [generator.sample(items, size) for _ in range(lookups)]
        history_times = time_calls(online.get_user_histories, user_batches)
        title_times = time_calls(online.get_item_titles, item_batches)
        for label, samples in ((f"user histories, {size} per call", history_times), (f"item titles, {size} per call", title_times)):
            rows.append(
                (
                    f"online {label}, {lookups} calls",
                    f"p50 {percentile_ms(samples, 50):.2f} ms, p99 {percentile_ms(samples, 99):.2f} ms",
                )
            )

    if schema.columns:
        retrieved = f"the offline retrieval reads {len(references)} features per item"
    else:
        retrieved = (
            "the dataset has no item metadata, so the offline retrieval reads only the popularity "
            "and title lookups find no rows"
        )
    lines = [
        f"## features step, {dataset}",
        "",
        f"Data: {len(items)} items, {len(user_ids)} users; {retrieved}.",
        "",
        "| measure | value |",
        "|---|---|",
        *[f"| {name} | {value} |" for name, value in rows],
        "",
    ]
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", choices=[*DATASETS, "all"], default="all", help="Dataset to run (default: all).")
    parser.add_argument(
        "--mirror",
        type=Path,
        default=Path(os.environ["CLREC_DATA_MIRROR"]) if os.environ.get("CLREC_DATA_MIRROR") else None,
        help="Dataset mirror folder (default: $CLREC_DATA_MIRROR).",
    )
    parser.add_argument("--lookups", type=int, default=300, help="Timed online calls per batch size (default: 300).")
    parser.add_argument("--repeats", type=int, default=5, help="Timed offline retrievals (default: 5).")
    arguments = parser.parse_args(argv)
    if arguments.mirror is None:
        parser.error("no dataset mirror: pass --mirror or set CLREC_DATA_MIRROR")
    logging.basicConfig(level=logging.WARNING)

    datasets = DATASETS if arguments.dataset == "all" else (arguments.dataset,)
    command = "CLREC_DATA_MIRROR=/path/to/mirror .venv/bin/python benchmarks/features_lookup.py"
    if arguments.dataset != "all":
        command += f" --dataset {arguments.dataset}"
    lines = [
        "# Feature step benchmark",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: 2 CPU cores, 24 GiB memory, no GPU ({platform.machine()}), Python {platform.python_version()}; "
        "other jobs shared the cores, so the numbers are upper bounds.",
        "Feast 0.67 local profile: DuckDB offline store, SQLite online store. "
        "Online lookups go through `clrec.features.online.OnlineFeatures` "
        "(Feast `get_online_features`), and each call is timed on its own.",
        "The apply phase starts a Python subprocess that imports Feast; `feast apply` "
        "alone took 6.3 s on this machine when it was otherwise idle.",
        "",
    ]
    with tempfile.TemporaryDirectory(prefix="clrec-features-bench-") as workdir:
        for dataset in datasets:
            lines += run_dataset(dataset, arguments.mirror, Path(workdir), arguments.lookups, arguments.repeats)
    text = "\n".join(lines)
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
