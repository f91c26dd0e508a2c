"""Benchmark the evaluate step on the real datasets with an untrained two-tower model.

Run from the repository root, with the dataset mirror:

    CLREC_DATA_MIRROR=/path/to/mirror .venv/bin/python benchmarks/evaluate_speed.py --dataset ml-100k

The split is leave-one-out (last event test, second last validation), built
here with pandas rather than the Beam preprocess step. The model is freshly
initialised with the dataset's configuration, so the metrics mean nothing,
but the work is the same as for a trained model. The whole step runs once
(no production model), and then its phases are timed one by one. The table
is printed and written to benchmarks/results/evaluate.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from clrec.config import load_config
from clrec.evaluate import evaluate_model
from clrec.evaluate.inputs import read_evaluation_data, read_model_files
from clrec.evaluate.run import retrieve_split, run_sampled_protocol
from clrec.evaluate.search import build_exact_index, prepare_vectors

CONFIGS = {"ml-100k": "configs/ml-100k.yaml", "amazon-beauty": "configs/amazon-beauty.yaml"}


def read_events(dataset: str, mirror: Path) -> pd.DataFrame:
    """Return `user, item` rows in each user's chronological order."""
    if dataset == "ml-100k":
        frame = pd.read_csv(mirror / "ml-100k" / "u.data", sep="\t", names=["user", "item", "rating", "timestamp"])
        return frame.sort_values(["user", "timestamp", "item"], kind="stable")[["user", "item"]]
    return pd.read_csv(mirror / "amazon-beauty" / "beauty.txt", sep=" ", names=["user", "item"])


def write_split(events: pd.DataFrame, directory: Path) -> int:
    """Write `sequences.parquet` and `items.parquet`; return the number of items."""
    num_items = int(events["item"].max())
    grouped = events.groupby("user", sort=True)["item"].agg(list)
    popularity = np.zeros(num_items + 1, dtype=np.int64)
    rows = {"user_idx": [], "user_id": [], "train_items": [], "valid_item": [], "test_item": []}
    for position, (user, items) in enumerate(grouped.items(), start=1):
        has_targets = len(items) >= 3
        train = items[:-2] if has_targets else items
        np.add.at(popularity, train, 1)
        rows["user_idx"].append(position)
        rows["user_id"].append(str(user))
        rows["train_items"].append(train)
        rows["valid_item"].append(items[-2] if has_targets else None)
        rows["test_item"].append(items[-1] if has_targets else None)

    directory.mkdir(parents=True, exist_ok=True)
    schema = pa.schema(
        [
            ("user_idx", pa.int32()),
            ("user_id", pa.string()),
            ("train_items", pa.list_(pa.int32())),
            ("valid_item", pa.int32()),
            ("test_item", pa.int32()),
        ]
    )
    pq.write_table(pa.table(rows, schema=schema), directory / "sequences.parquet")

    items = pa.table(
        {
            "item_idx": pa.array(range(1, num_items + 1), pa.int32()),
            "item_id": pa.array([str(item) for item in range(1, num_items + 1)], pa.string()),
            "popularity": pa.array(popularity[1:], pa.int64()),
        }
    )
    pq.write_table(items, directory / "items.parquet")
    return num_items


def timed(label: str, timings: dict, function, *args):
    started = time.perf_counter()
    result = function(*args)
    timings[label] = time.perf_counter() - started
    return result


def run(dataset: str, mirror: Path, work: Path) -> dict:
    from clrec.train import inference
    from clrec.train.artifacts import write_model_dir
    from clrec.train.model_builder import build_model

    config = load_config(CONFIGS[dataset])
    sequences = work / "sequences"
    num_items = write_split(read_events(dataset, mirror), sequences)
    model_dir = work / "model"
    write_model_dir(build_model(config.train.model, num_items, None), model_dir, {})

    timings: dict[str, float] = {}
    timed("whole step", timings, evaluate_model, config, sequences, model_dir, work / "evaluation", None)

    data = timed("read inputs", timings, read_evaluation_data, sequences)
    files = read_model_files(model_dir, data.num_items)
    model = inference.load_model(model_dir)
    items = prepare_vectors(files.item_embeddings, files.score)
    index = timed("build IndexFlatIP", timings, build_exact_index, items[1:], files.score)
    users = timed(
        "encode test users", timings, inference.encode_histories, model, data.test.histories, config.evaluate.batch_size
    )
    users = prepare_vectors(users, files.score)
    timed("search test (k=50 + history)", timings, retrieve_split, data.test, users, index, data.num_items, config.evaluate)
    timed("sampled protocol (test)", timings, run_sampled_protocol, data, users, items, config.evaluate)
    return {"items": num_items, "test_users": len(data.test.targets), "timings": timings}


def memory_gib() -> float:
    """Return the machine's total memory in GiB (Linux), or 0 when it cannot be read."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            kib = int(handle.readline().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return kib / 2**20


def write_results(dataset: str, result: dict, command: str) -> str:
    lines = [
        f"## evaluate step, {dataset}",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: {os.cpu_count()} CPU cores, {memory_gib():.0f} GiB memory, no GPU "
        f"({platform.machine()}), Python {platform.python_version()}.",
        f"Catalog: {result['items']} items, {result['test_users']} test users; untrained model with the "
        "dataset configuration's architecture.",
        "",
        "| phase | seconds |",
        "|---|---|",
    ]
    lines += [f"| {label} | {seconds:.2f} |" for label, seconds in result["timings"].items()]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=sorted(CONFIGS), default="ml-100k", help="Dataset to evaluate on.")
    parser.add_argument(
        "--mirror",
        type=Path,
        default=Path(os.environ.get("CLREC_DATA_MIRROR", "")),
        help="Dataset mirror folder. Default: $CLREC_DATA_MIRROR.",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=Path("benchmarks/results/evaluate.md"),
        help="Markdown file the results are appended to.",
    )
    arguments = parser.parse_args()
    if not (arguments.mirror / arguments.dataset).is_dir():
        parser.error(f"dataset folder not found: {arguments.mirror / arguments.dataset}; set --mirror")
    logging.basicConfig(level=logging.WARNING)

    with tempfile.TemporaryDirectory(prefix="clrec-evaluate-bench-") as work:
        result = run(arguments.dataset, arguments.mirror, Path(work))
    command = f".venv/bin/python benchmarks/evaluate_speed.py --dataset {arguments.dataset}"
    text = write_results(arguments.dataset, result, command)
    print(text)
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    with arguments.output.open("a", encoding="utf-8") as handle:
        handle.write(text + "\n")


if __name__ == "__main__":
    main()
