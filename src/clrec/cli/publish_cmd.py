"""`clrec publish`: publish an evaluated model to the registry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from clrec.cli.common import ConfigOption, OverrideOption, fail, load_cli_config


def publish(
    model: Annotated[Path, typer.Option("--model", help="Model folder written by `clrec train`.")],
    evaluation: Annotated[
        Path, typer.Option("--evaluation", help="Evaluation folder with metrics.json and gate.json.")
    ],
    sequences: Annotated[
        Path,
        typer.Option("--sequences", help="Preprocess output folder (items.parquet, manifest.json)."),
    ],
    features: Annotated[
        Optional[Path],
        typer.Option(
            "--features",
            help="Features output folder; the SHA-256 of its item_features.parquet goes into the "
            "manifest. Default: none, and the manifest's feature_hash is null.",
        ),
    ] = None,
    registry: Annotated[
        Optional[str],
        typer.Option(
            "--registry",
            help="Registry location: a local folder or an fsspec URL. Default: paths.registry.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the new version's manifest as JSON. Default: one line.")
    ] = False,
    config: ConfigOption = None,
    overrides: OverrideOption = None,
) -> None:
    """Build the Faiss index, write a registry version and promote it when the gate passed."""
    from clrec.registry import GateRejectedError, RegistryError, publish_model
    from clrec.registry.tuning import RecallFloorError

    settings = load_cli_config(config, overrides)
    url = registry or settings.paths.registry
    try:
        manifest = publish_model(
            settings, model, evaluation, url, sequences_dir=sequences, features_dir=features
        )
    except GateRejectedError as error:
        fail(str(error), code=3)
    except (RecallFloorError, RegistryError, ValueError, FileNotFoundError, RuntimeError) as error:
        fail(str(error))

    if as_json:
        typer.echo(json.dumps(manifest, indent=2))
        return
    from clrec.registry import Registry

    production = Registry(url).production_version()
    state = "in production" if production == manifest["version"] else "not promoted"
    typer.echo(f"published {manifest['version']} to {url} ({state})")
