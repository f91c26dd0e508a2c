"""Options and helpers shared by every `clrec` command."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Optional

import typer

from clrec.config import ClrecConfig, ConfigError, load_config

DEFAULT_CONFIG = Path("configs/ml-100k.yaml")

ConfigOption = Annotated[
    Optional[Path],
    typer.Option(
        "--config",
        "-c",
        help="YAML configuration file. Default: configs/ml-100k.yaml when it exists, "
        "else the built-in defaults.",
    ),
]
OverrideOption = Annotated[
    Optional[list[str]],
    typer.Option(
        "--set",
        help="Override one configuration value, as KEY=VALUE with a dotted key "
        "(for example --set train.epochs=3). Repeatable.",
    ),
]


def configure_logging(verbose: bool = False) -> None:
    """Send log records of every module to stderr with a timestamp."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )


def load_cli_config(config: Optional[Path], overrides: Optional[list[str]]) -> ClrecConfig:
    """Load the configuration for a command, exiting with status 2 on a bad value."""
    path = config
    if path is None and DEFAULT_CONFIG.is_file():
        path = DEFAULT_CONFIG
    try:
        return load_config(path, overrides or [])
    except ConfigError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from None


def fail(message: str, code: int = 1) -> None:
    """Print an error message and exit with `code`."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=code)
