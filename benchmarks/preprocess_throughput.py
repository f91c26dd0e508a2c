"""Benchmark the Beam preprocess step against a single-process pyarrow version of the same work.

Run from the repository root:

    .venv/bin/python benchmarks/preprocess_throughput.py --sizes 100000 1000000 10000000

For each size, a synthetic click log shaped like MovieLens-100K is written
as headerless TSV (`user item rating timestamp`): 943 users and 1,682 items
per 100,000 events, Zipf-like item popularity, random timestamps, no bad
rows. Then, in the same process and on the same file:

- `run_preprocess` with the default ml-100k settings (all ratings kept,
  no k-core, leave-one-out), on the in-memory FnApiRunner, and optionally
  with `--direct_running_mode=multi_processing`;
- `pyarrow_reference`, in one process with vectorised pyarrow and NumPy
  calls: read with pyarrow's CSV reader, drop exact duplicates and number
  ids in natural order. Then sort each user's events by (timestamp, line),
  split leave-one-out, count training popularity and write the same four
  Parquet files.

Each run is timed once, wall clock, including reading and writing. The
table is printed and written to benchmarks/results/preprocess.md, replacing
the file, so its hand-written notes need updating after a new run.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from clrec.config import load_config
from clrec.preprocess import run_preprocess
from clrec.preprocess.schemas import EVENTS_SCHEMA, ITEMS_SCHEMA, SEQUENCES_SCHEMA, USERS_SCHEMA
from clrec.preprocess.vocabulary import natural_sort_key

USERS_PER_EVENT = 943 / 100_000
ITEMS_PER_EVENT = 1_682 / 100_000
FIRST_TIMESTAMP = 874_724_710
TIME_SPAN_SECONDS = 18_000_000
RESULTS = Path("benchmarks/results/preprocess.md")


def write_synthetic_log(path: Path, num_events: int, seed: int = 0) -> None:
    """Write a MovieLens-shaped headerless TSV log of `num_events` rows."""
    generator = np.random.default_rng(seed)
    num_users = max(1, round(num_events * USERS_PER_EVENT))
    num_items = max(1, round(num_events * ITEMS_PER_EVENT))
    # Every user gets at least one event; the rest fall on users at random.
    users = np.concatenate([np.arange(1, num_users + 1), generator.integers(1, num_users + 1, num_events - num_users)])
    generator.shuffle(users)
    items = np.minimum(generator.zipf(1.3, num_events), num_items)
    ratings = generator.integers(1, 6, num_events)
    timestamps = FIRST_TIMESTAMP + generator.integers(0, TIME_SPAN_SECONDS, num_events)
    table = pa.table({"user": users, "item": items, "rating": ratings, "timestamp": timestamps})
    options = pacsv.WriteOptions(include_header=False, delimiter="\t", quoting_style="none")
    pacsv.write_csv(table, path, write_options=options)


def _natural_order(ids: pa.Array) -> pa.Array:
    """Return the distinct ids sorted like `clrec.preprocess.vocabulary`."""
    values = ids.to_pylist()
    return pa.array(sorted(values, key=natural_sort_key), pa.string())


def pyarrow_reference(path: Path, output_dir: Path) -> int:
    """Run the same transformation as the Beam step in one process; return the number of events written."""
    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(column_names=["user", "item", "rating", "timestamp"]),
        parse_options=pacsv.ParseOptions(delimiter="\t"),
        convert_options=pacsv.ConvertOptions(
            column_types={"user": pa.string(), "item": pa.string(), "rating": pa.float64(), "timestamp": pa.int64()}
        ),
    )
    table = table.append_column("line", pa.array(np.arange(1, table.num_rows + 1), pa.int64()))
    # Exact duplicates: keep the first line of each (user, item, rating, timestamp).
    table = table.group_by(["user", "item", "rating", "timestamp"], use_threads=False).aggregate([("line", "min")])

    users = _natural_order(pc.unique(table["user"]))
    items = _natural_order(pc.unique(table["item"]))
    user_idx = pc.add(pc.index_in(table["user"], value_set=users), 1).cast(pa.int32())
    item_idx = pc.add(pc.index_in(table["item"], value_set=items), 1).cast(pa.int32())
    table = pa.table({"user_idx": user_idx, "item_idx": item_idx, "timestamp": table["timestamp"], "line": table["line_min"]})
    table = table.take(pc.sort_indices(table, [("user_idx", "ascending"), ("timestamp", "ascending"), ("line", "ascending")]))

    user_column = table["user_idx"].to_numpy()
    item_column = table["item_idx"].to_numpy()
    time_column = table["timestamp"].to_numpy()
    lengths = np.bincount(user_column, minlength=len(users) + 1)[1:]
    starts = np.cumsum(lengths) - lengths
    positions = np.arange(len(user_column)) - np.repeat(starts, lengths)
    has_targets = lengths >= 3
    n_train = np.where(has_targets, lengths - 2, lengths)
    train_end = np.repeat(n_train, lengths)
    split_codes = np.where(positions < train_end, 0, np.where(positions < train_end + np.repeat(has_targets, lengths), 1, 2))
    split_names = pa.DictionaryArray.from_arrays(pa.array(split_codes.astype(np.int8)), pa.array(["train", "valid", "test"]))

    events = pa.Table.from_arrays(
        [pa.array(user_column), pa.array(item_column), pa.array(time_column), pa.array(positions.astype(np.int32)), split_names.cast(pa.string())],
        schema=EVENTS_SCHEMA,
    )
    in_train = split_codes == 0
    offsets = pa.array(np.concatenate([[0], np.cumsum(n_train)]).astype(np.int32))
    valid_at = np.where(has_targets, starts + n_train, 0)
    test_at = np.where(has_targets, starts + lengths - 1, 0)
    user_indices = pa.array(np.arange(1, len(users) + 1, dtype=np.int32))
    sequences = pa.Table.from_arrays(
        [
            user_indices,
            users,
            pa.ListArray.from_arrays(offsets, pa.array(item_column[in_train])),
            pa.ListArray.from_arrays(offsets, pa.array(time_column[in_train])),
            pa.array(item_column[valid_at], mask=~has_targets),
            pa.array(time_column[valid_at], mask=~has_targets),
            pa.array(item_column[test_at], mask=~has_targets),
            pa.array(time_column[test_at], mask=~has_targets),
        ],
        schema=SEQUENCES_SCHEMA,
    )
    popularity = np.bincount(item_column[in_train], minlength=len(items) + 1)[1:]
    items_table = pa.Table.from_arrays(
        [pa.array(np.arange(1, len(items) + 1, dtype=np.int32)), items, pa.array(popularity.astype(np.int64))],
        schema=ITEMS_SCHEMA,
    )
    users_table = pa.Table.from_arrays([user_indices, users], schema=USERS_SCHEMA)

    output_dir.mkdir(parents=True, exist_ok=True)
    for name, output in (("events", events), ("sequences", sequences), ("items", items_table), ("users", users_table)):
        pq.write_table(output, output_dir / f"{name}.parquet")
    return events.num_rows


def same_outputs(first: Path, second: Path) -> bool:
    """Return whether the four sequence files of two output folders hold equal tables."""
    names = ("events", "sequences", "items", "users")
    return all(pq.read_table(first / f"{name}.parquet").equals(pq.read_table(second / f"{name}.parquet")) for name in names)


def _cpu_seconds() -> float:
    """Return CPU seconds used so far by this process and its finished child processes."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def time_call(function, *args, **kwargs) -> tuple[float, float, object]:
    """Return (wall seconds, CPU seconds, result) of one call."""
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, _cpu_seconds() - cpu_started, result


def _memory_gib() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def _print_row(row: tuple[int, str, int, float, float]) -> None:
    size, name, _, seconds, cpu = row
    print(f"{size:>10} {name:<40} {seconds:8.1f} s wall {cpu:8.1f} s CPU {size / seconds:>10,.0f} events/s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000], help="Numbers of synthetic events.")
    parser.add_argument(
        "--multi-processing-workers",
        type=int,
        default=0,
        help="Also run Beam with --direct_running_mode=multi_processing and this many workers; 0 skips it.",
    )
    parser.add_argument("--work-dir", type=Path, default=None, help="Scratch directory. Default: a temporary one.")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    config = load_config("configs/ml-100k.yaml", ["preprocess.input.paths=[log.tsv]"])
    scratch = Path(tempfile.mkdtemp(prefix="clrec-preprocess-bench-", dir=args.work_dir))
    rows = []
    agreement = []
    try:
        for size in args.sizes:
            input_dir = scratch / f"input-{size}"
            input_dir.mkdir()
            write_synthetic_log(input_dir / "log.tsv", size)
            runs = [("beam FnApiRunner in_memory", [])]
            if args.multi_processing_workers:
                workers = args.multi_processing_workers
                runs.append(
                    (
                        f"beam FnApiRunner multi_processing x{workers}",
                        ["--direct_running_mode=multi_processing", f"--direct_num_workers={workers}"],
                    )
                )
            for name, beam_args in runs:
                seconds, cpu, manifest = time_call(run_preprocess, config, input_dir, scratch / f"beam-{size}", beam_args)
                rows.append((size, name, manifest["events"], seconds, cpu))
                _print_row(rows[-1])
            seconds, cpu, events = time_call(pyarrow_reference, input_dir / "log.tsv", scratch / f"pyarrow-{size}")
            rows.append((size, "pyarrow single process", events, seconds, cpu))
            _print_row(rows[-1])
            identical = same_outputs(scratch / f"beam-{size}", scratch / f"pyarrow-{size}")
            agreement.append((size, identical))
            print(f"{size:>10} Beam and pyarrow outputs identical: {identical}", flush=True)
            shutil.rmtree(input_dir)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    lines = [
        "# Preprocess throughput",
        "",
        "Command: `.venv/bin/python benchmarks/preprocess_throughput.py "
        + " ".join(sys.argv[1:])
        + "`",
        "",
        f"Machine: {os.cpu_count()} cores, {_memory_gib():.0f} GiB memory, no GPU, {platform.platform()}, "
        f"Python {platform.python_version()}. "
        "Other jobs shared the CPU during the run, so wall times are inflated; CPU seconds "
        "(this process plus finished worker processes) show the work itself.",
        "",
        "Synthetic MovieLens-shaped TSV, default ml-100k settings (all ratings, no k-core, leave-one-out). "
        "One timed run each, wall clock, reading and writing included.",
        "",
        "| events | implementation | events written | wall s | CPU s | events/s (wall) |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {size:,} | {name} | {events:,} | {seconds:.1f} | {cpu:.1f} | {size / seconds:,.0f} |"
        for size, name, events, seconds, cpu in rows
    ]
    lines += [
        "",
        "Events, sequences, items and users tables equal between Beam and pyarrow: "
        + ", ".join(f"{size:,}: {'yes' if same else 'NO'}" for size, same in agreement)
        + ".",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
