"""Measure an approximate index's recall against exact search and tune it.

IVF indexes are tuned through `nprobe` (lists visited per query) and HNSW
indexes through `efSearch` (candidate list size). Both trade speed for
recall, so the smallest value that reaches the recall floor is kept.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any, Sequence

import faiss
import numpy as np

from clrec.registry.index import build_index, search

logger = logging.getLogger(__name__)


class RecallFloorError(ValueError):
    """An approximate index that cannot reach the configured recall floor."""


@dataclass(frozen=True)
class IndexTuning:
    """Outcome of tuning: the search parameter chosen and the recall it reached."""

    exact: bool  # True for a flat index, whose recall is 1 by construction
    parameter: str | None  # "nprobe", "efSearch", or None when the index has no knob
    value: int | None  # chosen value of `parameter`
    recall: float  # mean recall@k of the index against exact search, in [0, 1]
    k: int  # neighbours compared per query
    num_queries: int  # queries the recall was averaged over
    query_source: str  # "users" or "items": where the queries came from

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _unwrap(index: faiss.Index) -> faiss.Index:
    """Return the innermost index under id maps, pre-transforms and refinement."""
    current = faiss.downcast_index(index)
    while True:
        if isinstance(current, (faiss.IndexIDMap, faiss.IndexIDMap2, faiss.IndexPreTransform)):
            current = faiss.downcast_index(current.index)
        elif isinstance(current, faiss.IndexRefine):
            current = faiss.downcast_index(current.base_index)
        else:
            return current


def is_exact(index: faiss.Index) -> bool:
    """Return whether the index searches exhaustively over uncompressed vectors."""
    return isinstance(_unwrap(index), faiss.IndexFlat)


def search_parameter(index: faiss.Index) -> tuple[str | None, int | None]:
    """Return the index's speed/recall knob and its upper bound.

    ("nprobe", nlist) for IVF, ("efSearch", None) for HNSW and (None, None)
    for an index without one.
    """
    ivf = faiss.try_extract_index_ivf(index)
    if ivf is not None:
        return "nprobe", int(ivf.nlist)
    if isinstance(_unwrap(index), faiss.IndexHNSW):
        return "efSearch", None
    return None, None


def set_search_parameter(index: faiss.Index, name: str, value: int) -> None:
    """Set nprobe or efSearch on an index, through any wrappers around it."""
    faiss.ParameterSpace().set_index_parameter(index, name, int(value))


def measure_recall(
    index: faiss.Index, exact_index: faiss.Index, queries: np.ndarray, k: int
) -> float:
    """Return the mean fraction of the exact top-k items that `index` also returns."""
    _, exact_items = search(exact_index, queries, k)
    _, found_items = search(index, queries, k)
    per_query = []
    for expected_row, found_row in zip(exact_items, found_items):
        expected = set(expected_row[expected_row >= 0].tolist())
        found = set(found_row[found_row >= 0].tolist())
        if expected:
            per_query.append(len(expected & found) / len(expected))
    return float(np.mean(per_query)) if per_query else 1.0


def sample_rows(matrix: np.ndarray, count: int, seed: int) -> np.ndarray:
    """Return up to `count` rows of `matrix`, drawn without replacement."""
    if matrix.shape[0] <= count:
        return matrix
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(matrix.shape[0], size=count, replace=False))
    return matrix[chosen]


def tune_index(
    index: faiss.Index,
    embeddings: np.ndarray,
    metric: str,
    *,
    queries: np.ndarray | None,
    factory: str,
    recall_floor: float,
    k: int,
    num_queries: int,
    candidate_values: Sequence[int],
    seed: int,
) -> IndexTuning:
    """Choose the smallest nprobe or efSearch whose recall@k reaches the floor.

    `queries` are user embeddings; when None, item embeddings (rows 1..N of
    `embeddings`) stand in for them. The chosen value stays set on `index`.
    Raises `RecallFloorError` when no candidate value reaches the floor.
    """
    num_items = embeddings.shape[0] - 1
    k = min(k, num_items)
    source = "users" if queries is not None else "items"
    pool = queries if queries is not None else embeddings[1:]
    sample = sample_rows(np.asarray(pool, dtype=np.float32), num_queries, seed)

    if is_exact(index):
        return IndexTuning(True, None, None, 1.0, k, int(sample.shape[0]), source)

    exact_index = build_index(embeddings, "Flat", metric)
    name, upper_bound = search_parameter(index)
    values: list[int | None] = [None]
    if name is not None:
        values = [value for value in candidate_values if upper_bound is None or value < upper_bound]
        if upper_bound is not None:
            values.append(upper_bound)  # nprobe = nlist visits every list

    recall = 0.0
    for value in values:
        if name is not None and value is not None:
            set_search_parameter(index, name, value)
        recall = measure_recall(index, exact_index, sample, k)
        logger.info("index %r: %s=%s gives recall@%d %.4f", factory, name, value, k, recall)
        if recall >= recall_floor:
            return IndexTuning(False, name, value, recall, k, int(sample.shape[0]), source)

    tried = f" with {name} up to {values[-1]}" if name is not None else ""
    raise RecallFloorError(
        f"index {factory!r} reaches recall@{k} {recall:.4f} against exact search on "
        f"{sample.shape[0]} sampled {source}{tried}, below the floor {recall_floor} "
        "(publish.recall_floor). Use a finer index (more lists probed, more PQ bytes, "
        "a larger HNSW M), larger values in publish.search_parameter_values, 'Flat', "
        "or a lower publish.recall_floor."
    )
