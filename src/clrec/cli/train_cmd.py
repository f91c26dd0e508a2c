"""`clrec train`: train the two-tower model on the preprocess and features outputs.

Data-parallel training runs the same command under torchrun, for example
`torchrun --nproc-per-node 2 -m clrec.cli.main train ...`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Optional

import typer

from clrec.cli.common import ConfigOption, OverrideOption, fail, load_cli_config

logger = logging.getLogger(__name__)


def train(
    sequences: Annotated[
        Path,
        typer.Option(
            "--sequences",
            help="Preprocess output folder with sequences.parquet and items.parquet.",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="Model folder to write. It also receives the TensorBoard logs, and the checkpoints "
        "unless train.checkpoint_dir is set."),
    ],
    features: Annotated[
        Optional[Path],
        typer.Option(
            "--features",
            help="Features output folder (item_features.parquet, feature_schema.json). "
            "Default: none, which trains an id-only model.",
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume/--no-resume",
            help="Continue from the latest checkpoint in the checkpoint folder when there is one.",
        ),
    ] = True,
    config: ConfigOption = None,
    overrides: OverrideOption = None,
) -> None:
    """Train CLRec and write model.safetensors, model_config.json, item_embeddings.npy and train_metrics.json."""
    settings = load_cli_config(config, overrides)
    # Imported here so that `clrec --help` does not pay for importing torch.
    from clrec.train import TrainingError, train_model

    try:
        metrics = train_model(settings, sequences, features, output, resume=resume)
    except (FileNotFoundError, ValueError, TrainingError) as error:
        fail(str(error))
        return
    k = settings.train.valid_k
    logger.info(
        "trained %d steps in %.1f s: best valid HR@%d %.4f at epoch %d; model in %s",
        metrics["steps"], metrics["training_seconds"], k, metrics[f"best_valid_hr@{k}"], metrics["best_epoch"], output,
    )
