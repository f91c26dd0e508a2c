"""The evaluate step: metrics, bias, the popularity plot, the report and the gate."""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path

import numpy as np

from clrec.config import ClrecConfig
from clrec.config.evaluate import EvaluateConfig
from clrec.evaluate.bias import bias_metrics, popularity_buckets
from clrec.evaluate.gate import GATE_SPLIT, decide_promotion
from clrec.evaluate.inputs import EvaluationData, ModelFiles, SplitInputs, read_evaluation_data, read_model_files
from clrec.evaluate.metrics import cutoff_metrics
from clrec.evaluate.plots import plot_popularity
from clrec.evaluate.production import evaluate_production
from clrec.evaluate.report import write_report
from clrec.evaluate.sampled import SampledCandidates, sample_negatives, sampled_metrics, sampling_weights, score_candidates
from clrec.evaluate.search import RetrievalResult, build_exact_index, prepare_vectors, search_and_rank

logger = logging.getLogger(__name__)

METRICS_FILE = "metrics.json"
GATE_FILE = "gate.json"
REPORT_FILE = "report.html"
PLOT_FILE = "popularity.png"
TIES = "pessimistic (the target is placed below every item with an equal score)"
SAMPLER_DESCRIPTIONS = {
    "popularity": "in proportion to training popularity; items never seen in training are never drawn",
    "uniform": "uniformly over the catalog",
}


def _exclusions(split: SplitInputs, exclude_history: bool) -> list[np.ndarray]:
    if not exclude_history:
        return [np.empty(0, dtype=np.int64) for _ in split.histories]
    return [np.unique(np.asarray(history, dtype=np.int64)) for history in split.histories]


def retrieve_split(
    split: SplitInputs, user_vectors: np.ndarray, index, num_items: int, config: EvaluateConfig
) -> RetrievalResult:
    """Search the full catalog for every user of one split."""
    row_to_item = np.arange(1, num_items + 1, dtype=np.int64)
    return search_and_rank(
        index,
        user_vectors,
        row_to_item,
        split.targets,
        _exclusions(split, config.exclude_history),
        config.search_depth,
        config.batch_size,
    )


def _rank_sampled(
    split: SplitInputs, user_vectors: np.ndarray, item_vectors: np.ndarray, weights: np.ndarray, config: EvaluateConfig
) -> tuple[dict[str, float] | None, SampledCandidates]:
    """Rank one split's targets against their sampled negatives; no metrics when no user is ranked."""
    settings = config.sampled
    sample = sample_negatives(
        split.whole_sequences, split.targets, weights, settings.num_negatives, settings.seed, settings.max_users
    )
    scores = score_candidates(user_vectors[sample.rows], item_vectors, sample.candidates, config.batch_size)
    return (sampled_metrics(scores) if len(sample.rows) else None), sample


def run_sampled_protocol(
    data: EvaluationData, split_vectors: dict[str, np.ndarray], item_vectors: np.ndarray, config: EvaluateConfig
) -> dict:
    """Rank the valid and test targets against sampled negatives and describe the protocol used.

    The validation numbers are there to choose settings by; the test numbers
    are the ones to report.
    """
    settings = config.sampled
    weights = sampling_weights(data.popularity, settings.sampler)
    valid_metrics, valid_sample = _rank_sampled(data.valid, split_vectors["valid"], item_vectors, weights, config)
    test_metrics, sample = _rank_sampled(data.test, split_vectors["test"], item_vectors, weights, config)
    subsample = (
        f"seeded random subsample of at most {settings.max_users} users"
        if settings.max_users
        else "every test user"
    )
    protocol = {
        "sampler": settings.sampler,
        "sampler_description": SAMPLER_DESCRIPTIONS[settings.sampler],
        "num_negatives": settings.num_negatives,
        "seed": settings.seed,
        "exclusion": "every item of the user's sequence: training items, the validation target and the test target",
        "user_subsample": subsample,
        "users_in_split": len(data.test.targets),
        "users_evaluated": int(len(sample.rows)),
        "users_skipped": sample.skipped_users,
        "valid_users_evaluated": int(len(valid_sample.rows)),
        "valid_users_skipped": valid_sample.skipped_users,
        "ties": TIES,
    }
    return {"protocol": protocol, "valid": valid_metrics, "test": test_metrics}


def _encode(model, histories: list[list[int]], score: str, dimension: int, batch_size: int) -> np.ndarray:
    from clrec.train import inference

    if not histories:
        return np.zeros((0, dimension), dtype=np.float32)
    return prepare_vectors(inference.encode_histories(model, histories, batch_size=batch_size), score)


def compute_metrics(
    data: EvaluationData, model_files: ModelFiles, model, config: EvaluateConfig
) -> tuple[dict, dict[str, RetrievalResult]]:
    """Compute full-corpus, sampled and bias metrics of the model being evaluated."""
    item_vectors = prepare_vectors(model_files.item_embeddings, model_files.score)
    index = build_exact_index(item_vectors[1:], model_files.score)
    results: dict[str, RetrievalResult] = {}
    full_corpus: dict[str, dict] = {}
    bias: dict[str, dict] = {}
    split_vectors: dict[str, np.ndarray] = {}

    for split in (data.valid, data.test):
        vectors = _encode(model, split.histories, model_files.score, item_vectors.shape[1], config.batch_size)
        split_vectors[split.name] = vectors
        result = retrieve_split(split, vectors, index, data.num_items, config)
        results[split.name] = result
        full_corpus[split.name] = {**cutoff_metrics(result.ranks, config.cutoffs), "users": len(split.targets)}
        lists = result.top_items[:, : config.bias_list_length]
        bias[split.name] = bias_metrics(lists, data.popularity, config.long_tail_fraction)
        logger.info(
            "%s: hr@%d %.4f over %d users, popularity index %.4f",
            split.name,
            config.gate.cutoff,
            full_corpus[split.name][f"hr@{config.gate.cutoff}"],
            len(split.targets),
            bias[split.name]["popularity_index"],
        )

    sampled = None
    if config.sampled.enabled and len(data.test.targets):
        sampled = run_sampled_protocol(data, split_vectors, item_vectors, config)
        logger.info("sampled protocol, valid: %s", json.dumps(sampled["valid"]))
        logger.info("sampled protocol, test: %s", json.dumps(sampled["test"]))

    metrics = {
        "gate_split": GATE_SPLIT,
        "primary_metric": {
            "name": f"hr@{config.gate.cutoff}",
            "split": GATE_SPLIT,
            "value": full_corpus[GATE_SPLIT][f"hr@{config.gate.cutoff}"],
        },
        "settings": {
            "search": "faiss.IndexFlatIP (exact inner product)",
            "score": model_files.score,
            "num_items": data.num_items,
            "cutoffs": config.cutoffs,
            "exclude_history": config.exclude_history,
            "ties": TIES,
            "bias_list_length": config.bias_list_length,
            "long_tail_fraction": config.long_tail_fraction,
        },
        "users": data.counts,
        "full_corpus": full_corpus,
        "sampled": sampled,
        "bias": bias,
        "popularity_buckets": popularity_buckets(
            results[GATE_SPLIT].top_items[:, : config.bias_list_length], data.popularity
        ),
    }
    return metrics, results


def _write_json(path: Path, value: dict) -> None:
    path.write_text(json.dumps(value, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def evaluate_model(
    config: ClrecConfig,
    sequences_dir: Path,
    model_dir: Path,
    output_dir: Path,
    registry_url: str | None,
) -> dict:
    """Evaluate a trained model, compare it with production and decide on promotion.

    Writes `metrics.json`, `gate.json`, `report.html` and `popularity.png`
    to `output_dir` and returns `{"metrics": ..., "gate": ...}`. With
    `registry_url` None or empty there is no production comparison (the
    gate's first-run rule applies).
    """
    from clrec.train import inference

    sequences_dir, model_dir, output_dir = Path(sequences_dir), Path(model_dir), Path(output_dir)
    settings = config.evaluate
    logger.info(
        "evaluating model %s on %s (registry %s), output %s",
        model_dir, sequences_dir, registry_url or "none", output_dir,
    )
    data = read_evaluation_data(sequences_dir)
    model_files = read_model_files(model_dir, data.num_items)
    model = inference.load_model(model_dir, device="cpu")
    metrics, _ = compute_metrics(data, model_files, model, settings)

    with tempfile.TemporaryDirectory(prefix="clrec-production-") as work_dir:
        baseline, production = evaluate_production(registry_url, data, settings, Path(work_dir))
    metrics["production"] = production

    gate = decide_promotion(
        settings.gate,
        hit_rate=metrics["primary_metric"]["value"],
        popularity_index=metrics["bias"][GATE_SPLIT]["popularity_index"],
        baseline=baseline,
    )

    output_dir.mkdir(parents=True, exist_ok=True)
    plot_path = plot_popularity(
        metrics["popularity_buckets"],
        output_dir / PLOT_FILE,
        f"Top-{settings.bias_list_length} recommendations vs training clicks (test)",
    )
    _write_json(output_dir / METRICS_FILE, metrics)
    _write_json(output_dir / GATE_FILE, gate)
    write_report(metrics, gate, plot_path, model_dir, output_dir / REPORT_FILE)
    logger.info("wrote %s, %s, %s and %s to %s", METRICS_FILE, GATE_FILE, REPORT_FILE, PLOT_FILE, output_dir)
    return {"metrics": metrics, "gate": gate}
