"""Compile the pipeline to the YAML that Kubeflow Pipelines runs."""

from __future__ import annotations

import logging
from pathlib import Path

from clrec.config import ClrecConfig

logger = logging.getLogger(__name__)

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "clrec_pipeline.yaml"
# Dataset folder as the cluster's pods see it, unless a run overrides it.
CLUSTER_DATA_DIR = "/data/datasets"


def compile_pipeline(
    config: ClrecConfig,
    output: str | Path = DEFAULT_OUTPUT,
    data_dir: str = CLUSTER_DATA_DIR,
    registry: str | None = None,
    feast_data: str | None = None,
) -> Path:
    """Write the compiled pipeline, its parameter defaults taken from `config`."""
    from kfp import compiler

    from pipelines.clrec_pipeline import config_parameter, make_pipeline

    pipeline = make_pipeline(
        default_config_yaml=config_parameter(config),
        default_data_dir=data_dir,
        default_registry=registry or config.paths.registry,
        default_feast_data=feast_data or config.paths.feast_data,
    )
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    compiler.Compiler().compile(pipeline_func=pipeline, package_path=str(output))
    logger.info("compiled the pipeline to %s", output)
    return output
