"""Benchmark the publish step's Faiss indexes: build time, tuned recall and query latency.

Run from the repository root:

    .venv/bin/python benchmarks/registry_index.py --items 54542 --dim 64

The catalog is synthetic: item vectors drawn around 256 random centres and
L2-normalised (the cosine metric), queries drawn the same way. Recall is
recall@50 against exact search, after the same tuning as publication. The
results table is printed and written to benchmarks/results/registry.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import time
from pathlib import Path

import faiss
import numpy as np

from clrec.registry.index import build_index, search
from clrec.registry.tuning import RecallFloorError, measure_recall, tune_index

DEFAULT_FACTORIES = ["Flat", "IVF256,Flat", "HNSW32", "IVF256,PQ16", "IVF256,PQ32"]
CANDIDATES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
ALL_THREADS = faiss.omp_get_max_threads()


def synthetic_catalog(num_items: int, dim: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (item table [N + 1, d] with zero row 0, queries [2000, d])."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((256, dim)).astype(np.float32)
    items = centres[rng.integers(0, 256, num_items)] + 0.7 * rng.standard_normal((num_items, dim)).astype(np.float32)
    queries = centres[rng.integers(0, 256, 2000)] + 0.7 * rng.standard_normal((2000, dim)).astype(np.float32)
    table = np.zeros((num_items + 1, dim), dtype=np.float32)
    table[1:] = items / np.linalg.norm(items, axis=1, keepdims=True)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    return table, queries.astype(np.float32)


def time_queries(index: faiss.Index, queries: np.ndarray, batch: int, threads: int) -> float:
    """Return the mean milliseconds per query when searching `batch` queries at a time.

    `threads` is the number of OpenMP threads of Faiss; 0 means one per core.
    """
    faiss.omp_set_num_threads(threads or ALL_THREADS)
    started = time.perf_counter()
    for start in range(0, len(queries), batch):
        search(index, queries[start : start + batch], 50)
    elapsed = time.perf_counter() - started
    faiss.omp_set_num_threads(ALL_THREADS)
    return 1000.0 * elapsed / len(queries)


def run(num_items: int, dim: int, factories: list[str], seed: int) -> list[dict]:
    table, queries = synthetic_catalog(num_items, dim, seed)
    exact = build_index(table, "Flat", "cosine")
    rows = []
    for factory in factories:
        started = time.perf_counter()
        index = build_index(table, factory, "cosine")
        build_s = time.perf_counter() - started
        started = time.perf_counter()
        try:
            tuning = tune_index(
                index, table, "cosine", queries=queries[:1000], factory=factory, recall_floor=0.95,
                k=50, num_queries=1000, candidate_values=CANDIDATES, seed=seed,
            )
            chosen = f"{tuning.parameter}={tuning.value}" if tuning.parameter else "-"
        except RecallFloorError:
            # Publication would fail; the index keeps the last value tried.
            chosen = "floor missed"
        tune_s = time.perf_counter() - started
        held_out = queries[1000:]
        rows.append(
            {
                "factory": factory,
                "build_s": build_s,
                "tune_s": tune_s,
                "parameter": chosen,
                "recall": measure_recall(index, exact, held_out, 50),
                "ms_single": time_queries(index, held_out[:200], 1, threads=1),
                "ms_single_all": time_queries(index, held_out[:200], 1, threads=0),
                "ms_batch": time_queries(index, held_out, 1000, threads=0),
            }
        )
    return rows


def render(rows: list[dict], command: str, num_items: int, dim: int, load: tuple[float, float]) -> str:
    lines = [
        "# Faiss index of the publish step",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: 2 CPU cores shared with other jobs, 24 GiB, no GPU; {platform.processor() or platform.machine()}, "
        f"faiss {faiss.__version__} (CPU, {faiss.omp_get_max_threads()} threads). One-minute load "
        f"average {load[0]:.1f} at the start and {load[1]:.1f} at the end: other jobs shared the "
        "cores, so the times are upper bounds.",
        "",
        f"Catalog: {num_items} synthetic items of dimension {dim}, cosine metric, 256 clusters. "
        "Recall is recall@50 against exact search on 1000 held-out queries, after tuning on "
        "1000 other queries to the floor 0.95.",
        "",
        "| factory | build (s) | tuning (s) | chosen | recall@50 | ms/query, 1 at a time, 1 thread "
        "| ms/query, 1 at a time, all threads | ms/query, batches of 1000, all threads |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['factory']} | {row['build_s']:.2f} | {row['tune_s']:.2f} | {row['parameter']} | "
            f"{row['recall']:.3f} | {row['ms_single']:.3f} | {row['ms_single_all']:.3f} | {row['ms_batch']:.4f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=54542, help="Catalog size in items. Default: 54542 (Amazon Beauty).")
    parser.add_argument("--dim", type=int, default=64, help="Embedding dimension. Default: 64.")
    parser.add_argument("--factory", action="append", help="Faiss factory string; repeatable. Default: Flat, IVF256,Flat, HNSW32, IVF256,PQ16 and IVF256,PQ32.")
    parser.add_argument("--seed", type=int, default=0, help="Seed of the synthetic catalog. Default: 0.")
    parser.add_argument("--output", type=Path, default=Path("benchmarks/results/registry.md"), help="Markdown file written.")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    command = f".venv/bin/python benchmarks/registry_index.py --items {args.items} --dim {args.dim}"
    load_start = os.getloadavg()[0]
    rows = run(args.items, args.dim, args.factory or DEFAULT_FACTORIES, args.seed)
    text = render(rows, command, args.items, args.dim, (load_start, os.getloadavg()[0]))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
