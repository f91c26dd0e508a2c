"""`clrec evaluate`: metrics, bias, the report and the promotion gate of a trained model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from clrec.cli.common import ConfigOption, OverrideOption, fail, load_cli_config

GATE_REJECTED_EXIT_CODE = 3


def evaluate(
    sequences: Annotated[
        Path,
        typer.Option("--sequences", help="Preprocess output folder (sequences.parquet, items.parquet)."),
    ],
    model: Annotated[Path, typer.Option("--model", help="Model folder written by `clrec train`.")],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            help="Folder that receives metrics.json, gate.json, report.html and popularity.png; "
            "created when missing.",
        ),
    ],
    registry: Annotated[
        Optional[str],
        typer.Option(
            "--registry",
            help="Registry whose production version the model is compared with: a local folder "
            "or an fsspec URL. Default: paths.registry.",
        ),
    ] = None,
    no_registry: Annotated[
        bool,
        typer.Option(
            "--no-registry",
            help="Skip the production comparison, as on a first run. Default: off.",
        ),
    ] = False,
    fail_on_reject: Annotated[
        bool,
        typer.Option(
            "--fail-on-reject",
            help=f"Exit with status {GATE_REJECTED_EXIT_CODE} when the gate does not promote the "
            "model. Default: off (exit 0 once the evaluation is written).",
        ),
    ] = False,
    config: ConfigOption = None,
    overrides: OverrideOption = None,
) -> None:
    """Evaluate a trained model, compare it with production and decide on promotion."""
    from clrec.evaluate import evaluate_model
    from clrec.evaluate.inputs import EvaluationInputError

    settings = load_cli_config(config, overrides)
    registry_url = None if no_registry else (registry or settings.paths.registry)
    try:
        result = evaluate_model(settings, sequences, model, output, registry_url)
    except (EvaluationInputError, ValueError, FileNotFoundError, RuntimeError) as error:
        fail(str(error))

    gate = result["gate"]
    primary = result["metrics"]["primary_metric"]
    decision = "promote" if gate["promote"] else "do not promote (failed: " + ", ".join(gate["failed_checks"]) + ")"
    typer.echo(f"{primary['split']} {primary['name']} = {primary['value']:.4f}; gate: {decision}; wrote {output}")
    if fail_on_reject and not gate["promote"]:
        raise typer.Exit(code=GATE_REJECTED_EXIT_CODE)
