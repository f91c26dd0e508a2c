"""Train CLRec on MovieLens-100K and compare HR@50 with the most-popular baseline.

The script builds the train step's inputs itself from `u.data` and `u.item`
(leave-one-out by time: each user's last rating is the test target, the one
before it the validation target), so it runs without the other pipeline
steps. Both the model and the baseline rank all N items per user, with the
user's earlier items removed from the ranking.

    .venv/bin/python benchmarks/train_ml100k.py --mirror /path/to/datasets \
        --set train.loss.kind=cached_queue --label cached

Each run appends one line of results to the output file (a Markdown table).
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import torch

from clrec.config import load_config
from clrec.train import train_model
from clrec.train.inference import encode_histories, load_model

logger = logging.getLogger("train_ml100k")
GENRES = [
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
    "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
]


def _write_sequences(ratings: pd.DataFrame, directory: Path) -> list[int]:
    """Write sequences.parquet and items.parquet; return the raw item id of each item_idx - 1."""
    items = sorted(ratings["item"].unique())
    item_index = {item: position + 1 for position, item in enumerate(items)}
    counts = np.zeros(len(items) + 1, dtype=np.int64)
    rows = []
    for user_idx, (user, group) in enumerate(ratings.groupby("user", sort=True), start=1):
        sequence = [item_index[item] for item in group["item"]]
        times = group["timestamp"].tolist()
        train = sequence[:-2]
        np.add.at(counts, train, 1)
        rows.append(
            {
                "user_idx": user_idx, "user_id": str(user), "train_items": train, "train_timestamps": times[:-2],
                "valid_item": sequence[-2], "valid_timestamp": times[-2],
                "test_item": sequence[-1], "test_timestamp": times[-1],
            }
        )

    directory.mkdir(parents=True, exist_ok=True)
    schema = pa.schema(
        [
            ("user_idx", pa.int32()), ("user_id", pa.string()), ("train_items", pa.list_(pa.int32())),
            ("train_timestamps", pa.list_(pa.int64())), ("valid_item", pa.int32()), ("valid_timestamp", pa.int64()),
            ("test_item", pa.int32()), ("test_timestamp", pa.int64()),
        ]
    )
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), directory / "sequences.parquet")
    item_table = pa.table(
        {
            "item_idx": pa.array(range(1, len(items) + 1), pa.int32()),
            "item_id": pa.array([str(item) for item in items], pa.string()),
            "popularity": pa.array(counts[1:], pa.int64()),
        }
    )
    pq.write_table(item_table, directory / "items.parquet")
    return items


def write_item_features(mirror: Path, items: list[int], directory: Path) -> None:
    """Write item_features.parquet (title, genres, release decade) and feature_schema.json."""
    catalog = pd.read_csv(
        mirror / "ml-100k" / "u.item", sep="|", header=None, encoding="latin-1",
        names=["item", "title", "release", "video", "url", *GENRES],
    ).set_index("item")
    years = pd.to_datetime(catalog["release"], format="%d-%b-%Y", errors="coerce").dt.year

    frame = pd.DataFrame({"item_idx": np.arange(1, len(items) + 1, dtype=np.int32)})
    frame["title"] = [str(catalog.at[item, "title"]) for item in items]
    frame["genres"] = [[genre for genre in GENRES if catalog.at[item, genre] == 1] or ["__unknown__"] for item in items]
    frame["release_decade"] = [
        f"{int(years[item]) // 10 * 10}s" if not pd.isna(years[item]) else "__unknown__" for item in items
    ]

    directory.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(directory / "item_features.parquet", index=False)
    schema = {
        "categorical": ["release_decade"], "multi_categorical": ["genres"], "text": ["title"],
        "unknown_token": "__unknown__",
    }
    (directory / "feature_schema.json").write_text(json.dumps(schema), encoding="utf-8")


def build_inputs(mirror: Path, work: Path) -> tuple[Path, Path]:
    """Write the preprocess and features outputs of ML-100K under `work`; return both folders."""
    ratings = pd.read_csv(
        mirror / "ml-100k" / "u.data", sep="\t", names=["user", "item", "rating", "timestamp"]
    )
    ratings = ratings.sort_values(["user", "timestamp", "item"], kind="stable")
    items = _write_sequences(ratings, work / "sequences")
    write_item_features(mirror, items, work / "features")
    return work / "sequences", work / "features"


def hit_rate(scores: np.ndarray, targets: np.ndarray, seen: list[list[int]], k: int) -> float:
    """HR@k over all items with each user's earlier items (but not the target) removed."""
    scores = scores.copy()
    scores[:, 0] = -np.inf
    for row, items in enumerate(seen):
        target_score = scores[row, targets[row]]
        scores[row, items] = -np.inf
        scores[row, targets[row]] = target_score
    top = np.argpartition(-scores, k, axis=1)[:, :k]
    return float((top == targets[:, None]).any(axis=1).mean())


def evaluate(model_dir: Path, sequences_dir: Path, k: int) -> dict[str, float]:
    """Return HR@k of the model and of most-popular on validation and test."""
    frame = pd.read_parquet(sequences_dir / "sequences.parquet")
    popularity = np.concatenate([[0], pd.read_parquet(sequences_dir / "items.parquet")["popularity"].to_numpy()])
    train = [list(items) for items in frame["train_items"]]
    valid = frame["valid_item"].to_numpy().astype(np.int64)
    test = frame["test_item"].to_numpy().astype(np.int64)
    model = load_model(model_dir)
    items = np.load(model_dir / "item_embeddings.npy")
    with_valid = [history + [int(item)] for history, item in zip(train, valid)]
    popular = np.tile(popularity.astype(np.float64), (len(frame), 1))
    return {
        "model_valid": hit_rate(encode_histories(model, train) @ items.T, valid, train, k),
        "model_test": hit_rate(encode_histories(model, with_valid) @ items.T, test, with_valid, k),
        "popular_valid": hit_rate(popular, valid, train, k),
        "popular_test": hit_rate(popular, test, with_valid, k),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, required=True, help="Folder that contains ml-100k/u.data.")
    parser.add_argument("--config", type=Path, default=Path("configs/ml-100k.yaml"), help="Base configuration.")
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="KEY=VALUE override.")
    parser.add_argument("--label", default="default", help="Name of this run in the results table.")
    parser.add_argument("--id-only", action="store_true", help="Train without item features.")
    parser.add_argument("--results", type=Path, default=None, help="Markdown file to append one row to.")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = load_config(args.config, ["train.progress_bar=false", "train.tensorboard=false", *args.overrides])
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        sequences_dir, features_dir = build_inputs(args.mirror, work)
        began = time.perf_counter()
        metrics = train_model(config, sequences_dir, None if args.id_only else features_dir, work / "model", resume=False)
        seconds = time.perf_counter() - began
        result = evaluate(work / "model", sequences_dir, 50)
    line = (
        f"| {args.label} | {' '.join(args.overrides) or '(config)'} | {metrics['epochs_run']} | {metrics['steps']} "
        f"| {seconds:.0f} | {metrics['examples_per_second']:.0f} | {result['model_valid']:.4f} "
        f"| {result['model_test']:.4f} | {result['popular_valid']:.4f} | {result['popular_test']:.4f} |"
    )
    logger.info("threads %d; result row:\n%s", torch.get_num_threads(), line)
    if args.results is not None:
        with args.results.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")


if __name__ == "__main__":
    main()
