"""Benchmark publication and serving on MovieLens-100K: publish time, load time, request latency.

Run from the repository root, with the folder that contains ml-100k/:

    .venv/bin/python benchmarks/publish_ml100k.py --mirror "$CLREC_DATA_MIRROR"

It runs preprocess, features, one training epoch of a small model and
evaluation into --work, reusing outputs that exist. For each index factory
it then times `publish_model`, the loading of the production version, and
recommendations for 200 users whose histories come from Feast's online
store. The results table is printed and written to
benchmarks/results/registry_publish.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import time
from pathlib import Path

import numpy as np

from clrec.config import ClrecConfig, load_config

REPO_ROOT = Path(__file__).resolve().parents[1]
ALL_CORES = os.cpu_count() or 1
SMALL_MODEL = [
    "train.epochs=1",
    "train.model.dim=32",
    "train.model.num_layers=1",
    "train.tensorboard=false",
    "train.progress_bar=false",
    "evaluate.sampled.enabled=false",
    "evaluate.gate.hr_floor=0.0",
    "evaluate.gate.popularity_index_ceiling=1.0",
]


def prepare(config: ClrecConfig, raw_dir: Path, work: Path) -> None:
    """Run the steps before publication, skipping those whose output exists."""
    from clrec.evaluate import evaluate_model
    from clrec.features import build_features
    from clrec.preprocess.run import run_preprocess
    from clrec.train.loop import train_model

    if not (work / "sequences" / "manifest.json").is_file():
        run_preprocess(config, raw_dir, work / "sequences", ["--runner=FnApiRunner"])
    if not (work / "features" / "item_features.parquet").is_file():
        build_features(config, work / "sequences", raw_dir, work / "features")
    if not (work / "model" / "item_embeddings.npy").is_file():
        train_model(config, work / "sequences", work / "features", work / "model", resume=False)
    if not (work / "evaluation" / "gate.json").is_file():
        evaluate_model(config, work / "sequences", work / "model", work / "evaluation", None)


def time_requests(recommender, histories: list[list[int]]) -> list[float]:
    """Return the milliseconds of one recommendation (k = 50) per history."""
    latencies = []
    for history in histories:
        started = time.perf_counter()
        recommender.recommend(history, k=50)
        latencies.append(1000.0 * (time.perf_counter() - started))
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, required=True, help="Folder that contains the ml-100k/ dataset folder.")
    parser.add_argument("--work", type=Path, default=Path("artifacts/bench-publish"), help="Work folder, reused between runs.")
    parser.add_argument("--users", type=int, default=200, help="Users timed for recommendations. Default: 200.")
    parser.add_argument("--output", type=Path, default=Path("benchmarks/results/registry_publish.md"), help="Markdown file written.")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    from clrec.features.store import checkout_repo_dir
    from clrec.registry import Registry, publish_model
    from clrec.serving.online import fetch_item_titles, fetch_user_history
    from clrec.serving.recommend import Recommender, set_serving_threads

    work = args.work.resolve()
    repo_dir = work / "feature_repo"
    if not repo_dir.is_dir():
        shutil.copytree(checkout_repo_dir(), repo_dir, ignore=shutil.ignore_patterns("__pycache__"))
    config = load_config(
        REPO_ROOT / "configs" / "ml-100k.yaml",
        [f"features.repo_dir={repo_dir}", f"paths.feast_data={work / 'feast'}", *SMALL_MODEL],
    )
    load_start = os.getloadavg()[0]
    prepare(config, args.mirror / "ml-100k", work)

    rows = []
    for factory in ("Flat", "HNSW32", "IVF32,Flat"):
        registry_dir = work / f"registry-{factory.replace(',', '_')}"
        shutil.rmtree(registry_dir, ignore_errors=True)
        settings = config.model_copy(deep=True)
        settings.publish.index_factory = factory
        set_serving_threads(ALL_CORES)  # publication is batch work
        started = time.perf_counter()
        manifest = publish_model(
            settings, work / "model", work / "evaluation", str(registry_dir),
            sequences_dir=work / "sequences", features_dir=work / "features",
        )
        publish_s = time.perf_counter() - started

        started = time.perf_counter()
        recommender = Recommender.from_registry(Registry(str(registry_dir)), work / "cache")
        load_s = time.perf_counter() - started

        user_ids = [str(user) for user in range(1, args.users + 1)]
        fetch_user_history(config, user_ids[0])  # the first lookup opens the store; not timed
        started = time.perf_counter()
        histories = [fetch_user_history(config, user_id) for user_id in user_ids]
        history_ms = 1000.0 * (time.perf_counter() - started) / len(user_ids)
        all_core_latencies = time_requests(recommender, histories)
        set_serving_threads(config.publish.recommend.threads)  # as `clrec recommend` does
        latencies = time_requests(recommender, histories)
        started = time.perf_counter()
        fetch_item_titles(config, [result.item_idx for result in recommender.recommend(histories[0], k=50)])
        titles_ms = 1000.0 * (time.perf_counter() - started)
        tuning = manifest["index"]["tuning"]
        rows.append(
            (
                factory, publish_s, load_s, history_ms, float(np.median(latencies)),
                float(np.percentile(latencies, 95)), float(np.median(all_core_latencies)), titles_ms,
                f"{tuning['parameter']}={tuning['value']}" if tuning["parameter"] else "-", tuning["recall"],
            )
        )

    command = '.venv/bin/python benchmarks/publish_ml100k.py --mirror "$CLREC_DATA_MIRROR"'
    lines = [
        "# Publication and serving on MovieLens-100K",
        "",
        f"Command: `{command}`, with CLREC_DATA_MIRROR naming the folder that contains ml-100k/.",
        "",
        "Machine: 2 CPU cores shared with other jobs, 24 GiB, no GPU. One-minute load average "
        f"{load_start:.1f} at the start and {os.getloadavg()[0]:.1f} at the end, so the times are upper bounds.",
        "",
        "Model: one training epoch, dimension 32, one layer, cosine score; 1,682 items. The user "
        f"tower and Faiss run on {config.publish.recommend.threads} thread(s) "
        "(publish.recommend.threads), as `clrec recommend` sets them, except in the column "
        f"with {ALL_CORES} threads. Publication runs on {ALL_CORES} threads. "
        f"Recommendation latency is the user tower plus the index search (k = 50) for {args.users} "
        "users with their online-store history; the online-store columns are Feast lookups "
        "(SQLite) of one user history and of 50 titles.",
        "",
        "| factory | publish (s) | load version (s) | history lookup (ms) | recommend median (ms) "
        f"| recommend p95 (ms) | recommend median, {ALL_CORES} threads (ms) | 50 titles (ms) | chosen | recall@50 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for factory, publish_s, load_s, history_ms, median, p95, median_all, titles_ms, chosen, recall in rows:
        lines.append(
            f"| {factory} | {publish_s:.2f} | {load_s:.2f} | {history_ms:.2f} | {median:.2f} | {p95:.2f} | "
            f"{median_all:.2f} | {titles_ms:.1f} | {chosen} | {recall:.3f} |"
        )
    text = "\n".join(lines) + "\n"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
