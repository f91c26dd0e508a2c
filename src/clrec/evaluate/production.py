"""Evaluate the registry's production model on the current evaluation data.

The production version may have a different item vocabulary, so raw item
ids join the two: the current histories and targets are mapped to the
production model's item indices, and its top lists are mapped back. History
items unknown to the production model are dropped from the history. A user
whose target is unknown to it, or whose whole history is unknown, counts as
a miss. Every user of the test split stays in the denominator, so both
models are scored on the same users.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np
import pyarrow.parquet as pq

from clrec.config.evaluate import EvaluateConfig
from clrec.evaluate.bias import bias_metrics
from clrec.evaluate.gate import Baseline
from clrec.evaluate.inputs import EvaluationData, EvaluationInputError, score_of
from clrec.evaluate.metrics import cutoff_metrics
from clrec.evaluate.search import build_exact_index, prepare_vectors, search_and_rank

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Vocabulary:
    """The production version's items: row i of its index is `row_to_item[i]`."""

    row_to_item: np.ndarray  # int64 [rows], production item_idx per index row
    current_to_production: np.ndarray  # int64 [N + 1], -1 for items unknown to production
    production_to_current: np.ndarray  # int64 [max production idx + 1], 0 when unknown


def read_vocabulary(path: Path, current_item_ids: np.ndarray) -> Vocabulary:
    """Join the production `item_ids.parquet` with the current item ids on the raw id."""
    if not path.is_file():
        raise EvaluationInputError(f"production file not found: {path}; the registry version is incomplete")
    table = pq.read_table(path)
    missing = [name for name in ("item_idx", "item_id") if name not in table.column_names]
    if missing:
        raise EvaluationInputError(f"{path} lacks the columns {missing}; expected item_idx and item_id")
    row_to_item = table.column("item_idx").to_numpy().astype(np.int64)
    production_ids = [str(value) for value in table.column("item_id").to_pylist()]
    if row_to_item.size and row_to_item.min() < 1:
        raise EvaluationInputError(f"{path}: item_idx must be >= 1 (0 is padding)")

    production_index_of = dict(zip(production_ids, row_to_item.tolist()))
    current_to_production = np.full(len(current_item_ids), -1, dtype=np.int64)
    for current_idx in range(1, len(current_item_ids)):
        current_to_production[current_idx] = production_index_of.get(str(current_item_ids[current_idx]), -1)

    current_index_of = {str(current_item_ids[i]): i for i in range(1, len(current_item_ids))}
    size = int(row_to_item.max()) + 1 if row_to_item.size else 1
    production_to_current = np.zeros(size, dtype=np.int64)
    for production_idx, item_id in zip(row_to_item.tolist(), production_ids):
        production_to_current[production_idx] = current_index_of.get(item_id, 0)
    return Vocabulary(row_to_item, current_to_production, production_to_current)


def exact_index_from(stored: faiss.Index, score: str) -> tuple[faiss.Index, str]:
    """Rebuild an exact inner-product index from the stored one's vectors where Faiss can.

    The registry may hold an approximate index (IVF, HNSW); rebuilding gives
    the production model the same exact search as the new model. An index
    that cannot return its vectors is searched as stored.
    """
    try:
        # Probe one row first: reconstruct_n raises inside an OpenMP region
        # for index types without reconstruction, and that aborts the process.
        if stored.ntotal:
            stored.reconstruct(0)
    except RuntimeError as error:
        logger.warning("cannot read the vectors of the production index (%s); searching it as stored", error)
        if stored.metric_type != faiss.METRIC_INNER_PRODUCT:
            raise EvaluationInputError(
                "the production index neither returns its vectors nor scores by inner product; "
                "republish that version with an inner-product index"
            ) from error
        return stored, "stored index"
    # NOTE: a lossy index (PQ, SQ) returns decoded approximations of its
    # vectors, so the rebuilt exact search is exact over those approximations.
    vectors = stored.reconstruct_n(0, stored.ntotal)
    return build_exact_index(vectors, score), "faiss.IndexFlatIP rebuilt from the stored index"


def _map_histories(
    histories: list[list[int]], mapping: np.ndarray
) -> tuple[list[list[int]], int]:
    mapped_histories = []
    dropped = 0
    for history in histories:
        mapped = mapping[np.asarray(history, dtype=np.int64)]
        dropped += int(np.count_nonzero(mapped < 0))
        mapped_histories.append(mapped[mapped >= 0].tolist())
    return mapped_histories, dropped


def evaluate_production(
    registry_url: str | None,
    data: EvaluationData,
    config: EvaluateConfig,
    work_dir: Path,
) -> tuple[Baseline, dict | None]:
    """Score the production version on the test split, or return the reason there is none."""
    if not registry_url:
        return Baseline(None, None, "no registry was given"), None
    from clrec.registry import Registry
    from clrec.train import inference

    registry = Registry(registry_url)
    version = registry.production_version()
    if version is None:
        return Baseline(None, None, f"the registry {registry_url} has no production version"), None

    logger.info("evaluating production version %s from %s", version, registry_url)
    local = Path(registry.download(version, work_dir / "production"))
    config_path = local / "model_config.json"
    score = score_of(json.loads(config_path.read_text(encoding="utf-8")), config_path)
    vocabulary = read_vocabulary(local / "item_ids.parquet", data.item_ids)
    index, search_kind = exact_index_from(faiss.read_index(str(local / "index.faiss")), score)

    split = data.test
    histories, dropped_items = _map_histories(split.histories, vocabulary.current_to_production)
    targets = vocabulary.current_to_production[split.targets]
    known_target = targets >= 0
    has_history = np.array([len(history) > 0 for history in histories], dtype=bool)
    # Users with a known history get a list for the bias metrics even when
    # their target is unknown. Target 0 matches no item, so it is a miss.
    scored = np.flatnonzero(has_history)

    ranks = np.full(len(targets), np.inf)
    top_production = np.zeros((len(targets), config.search_depth), dtype=np.int64)
    if scored.size:
        tower = inference.load_user_tower(local)
        queries = inference.encode_histories(tower, [histories[i] for i in scored], batch_size=config.batch_size)
        queries = prepare_vectors(queries, score)
        exclusions = [
            np.asarray(histories[i], dtype=np.int64) if config.exclude_history else np.empty(0, dtype=np.int64)
            for i in scored
        ]
        result = search_and_rank(
            index, queries, vocabulary.row_to_item, np.maximum(targets[scored], 0), exclusions,
            config.search_depth, config.batch_size,
        )
        ranks[scored] = result.ranks
        top_production[scored] = result.top_items
    top_current = np.where(top_production > 0, vocabulary.production_to_current[top_production], 0)

    recommended = top_current[:, : config.bias_list_length]
    unknown_recommended = int(np.count_nonzero(top_production[:, : config.bias_list_length] > 0)) - int(
        np.count_nonzero(recommended > 0)
    )
    details = {
        "version": version,
        "search": search_kind,
        "score": score,
        "users": int(len(targets)),
        "users_with_unknown_target": int(np.count_nonzero(~known_target)),
        "users_with_no_known_history": int(np.count_nonzero(~has_history)),
        "history_items_unknown": dropped_items,
        # Recommended items that the current catalog lacks are left out of the bias metrics.
        "recommended_items_unknown": unknown_recommended,
        "test": cutoff_metrics(ranks, config.cutoffs),
        "bias": bias_metrics(recommended, data.popularity, config.long_tail_fraction),
    }
    hit_rate = details["test"][f"hr@{config.gate.cutoff}"]
    logger.info(
        "production version %s: test hr@%d %.4f over %d users (%d history items unknown to it, "
        "%d users with an unknown target)",
        version, config.gate.cutoff, hit_rate, len(targets), dropped_items,
        details["users_with_unknown_target"],
    )
    return Baseline(version, hit_rate), details
