"""Run the pipeline on this machine with kfp's local runner, then summarise the run."""

from __future__ import annotations

import json
import logging
import time
import warnings
from pathlib import Path
from typing import Any

from clrec.config import ClrecConfig
from clrec.data import default_cache_dir, fetch_dataset

logger = logging.getLogger(__name__)


class PipelineRunError(RuntimeError):
    """The local pipeline run failed; the message names the failed task."""


def _newest_run_dir(pipeline_root: Path, started: float) -> Path:
    from pipelines.clrec_pipeline import PIPELINE_NAME

    runs = [
        path
        for path in pipeline_root.glob(f"{PIPELINE_NAME}-*")
        if path.is_dir() and path.stat().st_mtime >= started - 1
    ]
    if not runs:
        raise PipelineRunError(f"no run folder {PIPELINE_NAME}-* found under {pipeline_root}")
    return max(runs, key=lambda path: path.stat().st_mtime)


def _read_json(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def summarise_run(run_dir: Path, registry: str) -> dict[str, Any]:
    """Collect the figures a user checks first from the artifacts of one run."""
    from clrec.registry import Registry

    preprocess_manifest = _read_json(run_dir / "preprocess" / "sequences" / "manifest.json") or {}
    train_metrics = _read_json(run_dir / "train" / "model" / "train_metrics.json") or {}
    evaluation = _read_json(run_dir / "evaluate" / "evaluation" / "metrics.json") or {}
    gate = _read_json(run_dir / "evaluate" / "evaluation" / "gate.json") or {}
    published = _read_json(run_dir / "publish" / "published" / "manifest.json")

    summary: dict[str, Any] = {
        "run_dir": str(run_dir),
        "dataset": {
            "users": preprocess_manifest.get("users"),
            "items": preprocess_manifest.get("items"),
            "events": preprocess_manifest.get("events"),
        },
        "training_seconds": train_metrics.get("training_seconds"),
        "hr_at_50": (evaluation.get("primary_metric") or {}).get("value"),
        "evaluation_split": evaluation.get("gate_split"),
        "popularity_index": ((evaluation.get("bias") or {}).get(evaluation.get("gate_split")) or {}).get(
            "popularity_index"
        ),
        "gate": {"promote": gate.get("promote"), "failed_checks": gate.get("failed_checks")},
        "published_version": None,
        "index_path": None,
    }
    if published:
        version = published.get("version")
        summary["published_version"] = version
        summary["index_path"] = f"{Registry(registry).version_url(version)}/index.faiss"
    return summary


def run_local(
    config: ClrecConfig,
    data_dir: str | Path | None = None,
    mirror: str | Path | None = None,
) -> dict[str, Any]:
    """Fetch the dataset, run every pipeline step with the local runner and return a summary.

    Relative paths in `config.paths` are resolved against the working
    directory. Raises `PipelineRunError` when a task fails.
    """
    from kfp import local

    from pipelines.clrec_pipeline import config_parameter, make_pipeline

    cache = Path(data_dir) if data_dir else Path(config.data.cache_dir or default_cache_dir())
    dataset_dir = fetch_dataset(config.data.dataset, cache_dir=cache, mirror=mirror)
    pipeline_root = Path(config.paths.pipeline_root).resolve()
    registry = config.paths.registry
    if "://" not in registry:
        registry = str(Path(registry).resolve())
    feast_data = str(Path(config.paths.feast_data).resolve())
    pipeline_root.mkdir(parents=True, exist_ok=True)

    logger.info(
        "starting the local pipeline run: dataset=%s data=%s pipeline_root=%s registry=%s feast_data=%s",
        config.data.dataset,
        dataset_dir,
        pipeline_root,
        registry,
        feast_data,
    )
    local.init(
        runner=local.SubprocessRunner(use_venv=False),
        pipeline_root=str(pipeline_root),
        raise_on_error=True,
    )
    pipeline = make_pipeline(
        default_config_yaml=config_parameter(config),
        default_data_dir=str(dataset_dir.parent),
        default_registry=registry,
        default_feast_data=feast_data,
    )
    started = time.time()
    # The local runner warns for every task that its image is not a stock
    # Python image; here the tasks run in this environment on purpose.
    warnings.filterwarnings("ignore", message="You may be attemping to run a task that uses custom")
    try:
        pipeline()
    except RuntimeError as error:
        raise PipelineRunError(f"the local pipeline run failed: {error}") from error
    elapsed = time.time() - started

    run_dir = _newest_run_dir(pipeline_root, started)
    summary = summarise_run(run_dir, registry)
    summary["pipeline_seconds"] = round(elapsed, 1)
    (run_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    log_summary(summary)
    return summary


def _number(value: float | None, digits: int) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _gate_text(gate: dict[str, Any]) -> str:
    if gate["promote"]:
        return "promote"
    return "do not promote (failed: " + ", ".join(gate["failed_checks"] or []) + ")"


def log_summary(summary: dict[str, Any]) -> None:
    """Log the run summary, one figure per line."""
    dataset = summary["dataset"]
    lines = [
        "run summary:",
        f"  run folder:        {summary['run_dir']}",
        f"  dataset:           {dataset['users']} users, {dataset['items']} items, {dataset['events']} events",
        f"  training time:     {_number(summary['training_seconds'], 1)} s",
        f"  HR@50 ({summary['evaluation_split']}):      {_number(summary['hr_at_50'], 4)}",
        f"  popularity index:  {_number(summary['popularity_index'], 4)}",
        f"  gate:              {_gate_text(summary['gate'])}",
        f"  published version: {summary['published_version'] or 'none'}",
        f"  index:             {summary['index_path'] or 'none'}",
        f"  pipeline time:     {summary.get('pipeline_seconds')} s",
    ]
    logger.info("\n".join(lines))
