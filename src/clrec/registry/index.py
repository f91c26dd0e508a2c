"""Build, save, load and search the Faiss index of item embeddings.

The index is built from the layout of `item_embeddings.npy`: row 0 is the
padding item and stays out of the index, and items 1..N are added in order,
so row r of the index is item r + 1. `item_ids.parquet` in a registry
version records the same mapping, and `search` applies it, returning item
indices rather than rows.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

import faiss
import numpy as np

logger = logging.getLogger(__name__)

IndexMetric = Literal["inner_product", "cosine"]
METRICS: tuple[str, ...] = ("inner_product", "cosine")


def _check_embeddings(embeddings: np.ndarray) -> np.ndarray:
    if embeddings.ndim != 2:
        raise ValueError(
            f"item embeddings must be a 2-D array [N + 1, d]; got shape {embeddings.shape}"
        )
    if embeddings.shape[0] < 2:
        raise ValueError(
            f"item embeddings need the padding row 0 and at least one item; got {embeddings.shape[0]} rows"
        )
    padding_norm = float(np.linalg.norm(embeddings[0]))
    if padding_norm != 0.0:
        raise ValueError(
            "row 0 of the item embeddings must be the all-zero padding row, as in "
            f"item_embeddings.npy; its norm is {padding_norm:.4g}. Prepend a zero row "
            "when the array holds items 1..N only."
        )
    if not np.isfinite(embeddings).all():
        bad_rows = np.flatnonzero(~np.isfinite(embeddings).all(axis=1))
        raise ValueError(
            f"item embeddings contain NaN or infinite values in rows {bad_rows[:10].tolist()}; "
            "retrain the model or check its export"
        )
    return np.ascontiguousarray(embeddings, dtype=np.float32)


def build_index(embeddings: np.ndarray, factory: str, metric: str) -> faiss.Index:
    """Build and fill a Faiss index over items 1..N of `embeddings`.

    `embeddings` is float32 `[N + 1, d]` with the zero padding row 0. The
    metric goes to `faiss.index_factory`; "cosine" adds an L2 normalisation in
    front of the index, which then applies to stored items and to queries.
    Raises `ValueError` naming the factory string when Faiss rejects it or
    cannot train it on N items.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown index metric {metric!r}; use one of {', '.join(METRICS)}")
    table = _check_embeddings(embeddings)
    items = table[1:]
    num_items, dimension = items.shape
    full_factory = f"L2norm,{factory}" if metric == "cosine" else factory

    try:
        base = faiss.index_factory(dimension, full_factory, faiss.METRIC_INNER_PRODUCT)
    except RuntimeError as error:
        raise ValueError(
            f"Faiss cannot build index_factory string {factory!r} for dimension {dimension}: "
            f"{_faiss_reason(error)}. Use for example 'Flat', 'IVF1024,Flat', 'HNSW32' or "
            "'IVF1024,PQ16' (the PQ size must divide the dimension)."
        ) from None
    index = base

    if not index.is_trained:
        logger.info("training index %r on %d items", factory, num_items)
        try:
            index.train(items)
        except RuntimeError as error:
            raise ValueError(
                f"Faiss cannot train index {factory!r} on {num_items} items: {_faiss_reason(error)}. "
                "Use fewer lists or centroids (for example IVF with at most one list per "
                "39 items) or 'Flat' for a small catalog."
            ) from None
    index.add(items)
    logger.info(
        "built index %r, metric %s: %d items of dimension %d", factory, metric, num_items, dimension
    )
    return index


def _faiss_reason(error: RuntimeError) -> str:
    """Return the last line of a Faiss error, which states the failed check."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[-1] if lines else "unknown Faiss error"


def save_index(index: faiss.Index, path: Path) -> None:
    """Write an index to a local file in Faiss's binary format (no pickling)."""
    faiss.write_index(index, str(path))


def load_index(path: Path) -> faiss.Index:
    """Read an index that `save_index` wrote, raising `FileNotFoundError` if it is missing."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"index file not found: {path}")
    return faiss.read_index(str(path))


def search(index: faiss.Index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the `k` best items per query: (scores float32 [B, k], item_idx int64 [B, k]).

    Scores are inner products (cosine similarities for a cosine index), best
    first. `k` is capped at the number of items. An approximate index that
    finds fewer than `k` candidates fills the rest with item_idx -1.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1; got {k}")
    matrix = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
    if matrix.shape[1] != index.d:
        raise ValueError(
            f"queries have dimension {matrix.shape[1]} but the index has dimension {index.d}; "
            "use the user tower of the same model version as the index"
        )
    k = min(k, index.ntotal)
    scores, rows = index.search(matrix, k)
    item_idx = np.where(rows >= 0, rows + 1, -1)
    return scores, item_idx
