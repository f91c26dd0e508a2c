"""Publish a trained and evaluated model as a new registry version.

A publication builds the Faiss index, checks an approximate index's recall
against exact search, writes the version's files into a staging folder,
commits the folder to the registry and, when the gate passed, promotes it.
Each stage calls `crash_point` so tests can kill the process between stages.
"""

from __future__ import annotations

import json
import logging
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import faiss
import pyarrow.parquet as pq

import clrec
from clrec.config import ClrecConfig, dump_config
from clrec.config.publish import PublishConfig
from clrec.registry.backend import InferenceBackend, load_inference_backend
from clrec.registry.faults import crash_point
from clrec.registry.hashing import sha256_file, sha256_files
from clrec.registry.index import build_index, save_index
from clrec.registry.inputs import SCORE_TO_METRIC, PublishInputs, read_publish_inputs, sample_histories
from clrec.registry.registry import (
    CONFIG_FILE,
    INDEX_FILE,
    ITEM_IDS_FILE,
    MANIFEST_FILE,
    MODEL_CONFIG_FILE,
    USER_TOWER_FILE,
    VERSION_FILES,
    Registry,
    make_version,
)
from clrec.registry.tuning import IndexTuning, is_exact, tune_index

logger = logging.getLogger(__name__)

MANIFEST_FORMAT = 1


class GateRejectedError(RuntimeError):
    """The evaluation gate did not pass and the configuration requires it."""


def resolve_metric(configured: str, score: str) -> str:
    """Return the index metric: the configured one, or the model's when "auto"."""
    model_metric = SCORE_TO_METRIC[score]
    if configured == "auto":
        return model_metric
    if configured != model_metric:
        logger.warning(
            "publish.metric is %s but the model was trained with the %s score; "
            "the index will rank items differently from the model",
            configured,
            score,
        )
    return configured


def _tune(
    index: faiss.Index,
    inputs: PublishInputs,
    metric: str,
    settings: PublishConfig,
    model_dir: Path,
    sequences_dir: Path,
    backend: InferenceBackend,
    seed: int,
) -> IndexTuning:
    """Tune an approximate index on the embeddings of sampled users."""
    queries = None
    if not is_exact(index):
        histories = sample_histories(sequences_dir, settings.recall_queries, seed)
        if histories:
            model = backend.load_model(model_dir, device="cpu")
            queries = backend.encode_histories(model, histories)
        else:
            logger.warning("no user has a history in %s; measuring recall with item queries", sequences_dir)
    return tune_index(
        index,
        inputs.item_embeddings,
        metric,
        queries=queries,
        factory=settings.index_factory,
        recall_floor=settings.recall_floor,
        k=settings.recall_k,
        num_queries=settings.recall_queries,
        candidate_values=settings.search_parameter_values,
        seed=seed,
    )


def _write_version_files(
    folder: Path,
    index: faiss.Index,
    inputs: PublishInputs,
    config: ClrecConfig,
    model_dir: Path,
    backend: InferenceBackend,
) -> None:
    """Write every file of a version except its manifest into `folder`."""
    save_index(index, folder / INDEX_FILE)
    crash_point("index_written")

    pq.write_table(inputs.item_ids, folder / ITEM_IDS_FILE)
    crash_point("item_ids_written")

    backend.export_user_tower(model_dir, folder)
    if not (folder / USER_TOWER_FILE).is_file():
        raise RuntimeError(
            f"export_user_tower did not write {USER_TOWER_FILE} into {folder}; "
            "check the training package's export"
        )
    crash_point("user_tower_written")

    if not (folder / MODEL_CONFIG_FILE).is_file():
        shutil.copyfile(model_dir / MODEL_CONFIG_FILE, folder / MODEL_CONFIG_FILE)
    (folder / CONFIG_FILE).write_text(dump_config(config), encoding="utf-8")
    crash_point("configs_written")


def _build_manifest(
    version: str,
    created_at: datetime,
    folder: Path,
    inputs: PublishInputs,
    tuning: IndexTuning,
    metric: str,
    hashes: dict[str, str | None],
    sources: dict[str, str | None],
    settings: PublishConfig,
) -> dict[str, Any]:
    return {
        "format": MANIFEST_FORMAT,
        "version": version,
        "created_at": created_at.isoformat(timespec="microseconds"),
        "clrec_version": clrec.__version__,
        # SHA-256 of the model's files, the preprocess manifest and the item feature table.
        "content_hash": hashes["content"],
        "data_hash": hashes["data"],
        "feature_hash": hashes["features"],
        "metrics": inputs.metrics,
        "gate": {"passed": inputs.gate_passed, "decision": inputs.gate},
        "index": {
            "factory": settings.index_factory,
            "metric": metric,
            "score": inputs.score,
            "dimension": int(inputs.item_embeddings.shape[1]),
            "num_items": inputs.num_items,
            "recall_floor": settings.recall_floor,
            "tuning": tuning.to_dict(),
        },
        "files": {name: sha256_file(folder / name) for name in VERSION_FILES if name != MANIFEST_FILE},
        "sources": sources,
    }


def _input_hashes(model_dir: Path, sequences_dir: Path, features_dir: Path | None) -> dict[str, str | None]:
    model_files = [model_dir / "model_config.json", model_dir / "item_embeddings.npy"]
    if (model_dir / "model.safetensors").is_file():
        model_files.append(model_dir / "model.safetensors")
    feature_table = features_dir / "item_features.parquet" if features_dir is not None else None
    if feature_table is not None and not feature_table.is_file():
        raise FileNotFoundError(f"input file not found: {feature_table}; run the features step first")
    return {
        "content": sha256_files(model_files),
        "data": sha256_file(sequences_dir / "manifest.json"),
        "features": sha256_file(feature_table) if feature_table is not None else None,
    }


def publish_model(
    config: ClrecConfig,
    model_dir: Path,
    evaluation_dir: Path,
    registry_url: str,
    *,
    sequences_dir: Path,
    features_dir: Path | None = None,
    backend: InferenceBackend | None = None,
) -> dict[str, Any]:
    """Publish a model as a new registry version and return the version's manifest.

    The version is promoted to production when `publish.promote` is set and
    the evaluation gate passed. A failed gate raises `GateRejectedError`
    unless `publish.require_gate` is false, in which case the version is
    published but not promoted. `sequences_dir` is the preprocess output
    (items.parquet, sequences.parquet, manifest.json); `features_dir` contains
    item_features.parquet, whose hash goes into the manifest. `backend`
    defaults to `clrec.train.inference`.
    """
    settings = config.publish
    model_dir, evaluation_dir, sequences_dir = Path(model_dir), Path(evaluation_dir), Path(sequences_dir)
    features_dir = Path(features_dir) if features_dir is not None else None
    inputs = read_publish_inputs(model_dir, evaluation_dir, sequences_dir)
    if not inputs.gate_passed and settings.require_gate:
        raise GateRejectedError(
            f"the evaluation gate in {evaluation_dir / 'gate.json'} did not pass "
            f"(failed checks: {inputs.gate.get('failed_checks', 'not listed')}); the model is not "
            "published. Set publish.require_gate=false to publish it without promotion."
        )
    backend = backend if backend is not None else load_inference_backend()
    hashes = _input_hashes(model_dir, sequences_dir, features_dir)

    metric = resolve_metric(settings.metric, inputs.score)
    index = build_index(inputs.item_embeddings, settings.index_factory, metric)
    tuning = _tune(index, inputs, metric, settings, model_dir, sequences_dir, backend, config.seed)

    registry = Registry(registry_url)
    registry.clean_leftovers()
    created_at = datetime.now(timezone.utc)
    staged = registry.begin_version(make_version(hashes["content"], created_at))
    sources = {
        "model_dir": str(model_dir),
        "evaluation_dir": str(evaluation_dir),
        "sequences_dir": str(sequences_dir),
        "features_dir": str(features_dir) if features_dir is not None else None,
    }
    try:
        _write_version_files(staged.path, index, inputs, config, model_dir, backend)
        manifest = _build_manifest(
            staged.version, created_at, staged.path, inputs, tuning, metric, hashes, sources, settings
        )
        (staged.path / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        crash_point("manifest_written")
        registry.commit_version(staged)
    except Exception:
        registry.discard(staged)
        raise

    if settings.promote and inputs.gate_passed:
        registry.promote(staged.version)
    elif settings.promote:
        logger.warning("version %s is published but not promoted: the evaluation gate failed", staged.version)
    logger.info("published version %s to %s", staged.version, registry.url)
    return manifest
