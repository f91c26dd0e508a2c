"""Benchmark the validation step on the real datasets.

Run from the repository root, with the dataset mirror:

    CLREC_DATA_MIRROR=/path/to/mirror .venv/bin/python benchmarks/validation_speed.py

For each dataset, the preprocess output is written once by
`clrec.preprocess.run_preprocess` with the dataset's configuration. Then
`validate_preprocessed` runs once cold (Great Expectations imported and its
context created) and `--repeats` times warm. The features stage runs on a
synthetic feature table with the MovieLens-100K shape (one categorical, one
multi-valued and one text feature per item), because the real feature step
needs a Feast apply that is benchmarked on its own. The table is printed
and written to benchmarks/results/validation.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from clrec.config import load_config
from clrec.preprocess import run_preprocess
from clrec.validation import validate_features, validate_preprocessed

CONFIGS = {"ml-100k": "configs/ml-100k.yaml", "amazon-beauty": "configs/amazon-beauty.yaml"}
RESULTS = Path("benchmarks/results/validation.md")
GENRES = ["Action", "Comedy", "Drama", "Romance", "Thriller"]


def write_synthetic_features(items_path: Path, output: Path) -> None:
    """Write a feature output with three features for every item of items.parquet."""
    output.mkdir(parents=True, exist_ok=True)
    items = pq.read_table(items_path).column("item_idx").to_pylist()
    table = pa.table(
        {
            "item_idx": pa.array(items, type=pa.int32()),
            "release_decade": [f"19{item % 10}0s" for item in items],
            "genres": [[GENRES[item % 5], GENRES[(item + 2) % 5]] for item in items],
            "title": [f"Title {item}" for item in items],
        }
    )
    pq.write_table(table, output / "item_features.parquet")
    schema = {
        "categorical": ["release_decade"],
        "multi_categorical": ["genres"],
        "text": ["title"],
        "unknown_token": "__unknown__",
    }
    (output / "feature_schema.json").write_text(json.dumps(schema), encoding="utf-8")
    (output / "feature_report.json").write_text("{}", encoding="utf-8")


def time_call(function, repeats: int) -> tuple[float, float]:
    """Return (first call seconds, median of the next `repeats` calls)."""
    started = time.perf_counter()
    function()
    first = time.perf_counter() - started
    warm = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        warm.append(time.perf_counter() - started)
    return first, statistics.median(warm)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="Warm runs per case (count). Default: 3.")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    mirror = Path(os.environ["CLREC_DATA_MIRROR"])
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = os.getloadavg()[0]

    rows = []
    with tempfile.TemporaryDirectory(prefix="clrec-bench-validation-") as work:
        work_dir = Path(work)
        for dataset, config_path in CONFIGS.items():
            config = load_config(config_path)
            sequences = work_dir / dataset / "preprocessed"
            manifest = run_preprocess(config, mirror / dataset, sequences)
            report = work_dir / dataset / "report"
            first, warm = time_call(
                lambda: validate_preprocessed(config, sequences, report), args.repeats
            )
            rows.append((dataset, "preprocessed", manifest["events"], first, warm))
            if dataset == "ml-100k":
                config.validation.known_values = {
                    "release_decade": [f"19{digit}0s" for digit in range(10)],
                    "genres": GENRES,
                }
                features = work_dir / dataset / "features"
                write_synthetic_features(sequences / "items.parquet", features)
                first, warm = time_call(
                    lambda: validate_features(config, sequences, features, report), args.repeats
                )
                rows.append((dataset, "features (synthetic)", manifest["items"], first, warm))

    lines = [
        "# Validation step",
        "",
        "Command: `CLREC_DATA_MIRROR=/path/to/mirror .venv/bin/python "
        f"benchmarks/validation_speed.py --repeats {args.repeats}`",
        "",
        f"Machine: {os.cpu_count()} cores, {memory_gib:.0f} GiB, no GPU, Python "
        f"{platform.python_version()} on {platform.system()}. Load average before the run: "
        f"{load:.1f}; other jobs shared the cores, so treat the times as upper bounds.",
        "",
        "First call includes importing Great Expectations and creating its context. Warm is the "
        f"median of {args.repeats} further calls. Each call reads the inputs, builds the derived "
        "frames, runs every expectation and writes the HTML report.",
        "",
        "| dataset | stage | rows | first call (s) | warm (s) |",
        "|---|---|---:|---:|---:|",
    ]
    for dataset, stage, count, first, warm in rows:
        lines.append(f"| {dataset} | {stage} | {count:,} | {first:.2f} | {warm:.2f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
