"""Entry point of the `clrec` console script."""

from __future__ import annotations

import typer

from clrec.cli import (
    data_cmd,
    evaluate_cmd,
    features_cmd,
    pipeline_cmd,
    preprocess_cmd,
    publish_cmd,
    recommend_cmd,
    registry_cmd,
    train_cmd,
    validate_cmd,
)
from clrec.cli.common import configure_logging

app = typer.Typer(
    name="clrec",
    help="Debiased candidate generation with CLRec: data, pipeline steps, registry and serving.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log at DEBUG level.")) -> None:
    configure_logging(verbose)


app.add_typer(data_cmd.app, name="data")
app.add_typer(pipeline_cmd.app, name="pipeline")
app.add_typer(registry_cmd.app, name="registry")
app.command("preprocess")(preprocess_cmd.preprocess)
app.command("validate")(validate_cmd.validate)
app.command("features")(features_cmd.features)
app.command("train")(train_cmd.train)
app.command("evaluate")(evaluate_cmd.evaluate)
app.command("publish")(publish_cmd.publish)
app.command("recommend")(recommend_cmd.recommend)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
