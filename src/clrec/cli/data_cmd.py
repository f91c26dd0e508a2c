"""`clrec data`: fetch and list the public datasets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from clrec.cli.common import fail
from clrec.data import DATASETS, DataFetchError, default_cache_dir, fetch_dataset

app = typer.Typer(help="Fetch and list the public datasets.", no_args_is_help=True)


@app.command("fetch")
def fetch(
    name: Annotated[str, typer.Argument(help=f"Dataset name: {', '.join(sorted(DATASETS))}.")],
    cache_dir: Annotated[
        Optional[Path],
        typer.Option(
            help="Directory with one folder per dataset. "
            "Default: $CLREC_CACHE_DIR, else ~/.cache/clrec/datasets."
        ),
    ] = None,
    mirror: Annotated[
        Optional[Path],
        typer.Option(
            help="Copy from this local mirror (DIR/<dataset>/<file>) instead of downloading. "
            "Default: $CLREC_DATA_MIRROR when set."
        ),
    ] = None,
    source_url: Annotated[
        Optional[str],
        typer.Option(help="Download from this address instead of the official source."),
    ] = None,
) -> None:
    """Download a dataset (or copy it from a mirror), verify its SHA-256 and cache it."""
    try:
        path = fetch_dataset(name, cache_dir=cache_dir, mirror=mirror, source_url=source_url)
    except DataFetchError as error:
        fail(str(error))
    typer.echo(str(path))


@app.command("list")
def list_datasets(
    cache_dir: Annotated[
        Optional[Path], typer.Option(help="Dataset cache directory. Default: as for fetch.")
    ] = None,
) -> None:
    """List the known datasets, their sources and whether they are cached."""
    cache = cache_dir or default_cache_dir()
    for spec in DATASETS.values():
        cached = all((cache / spec.name / name).is_file() for name in spec.files)
        state = f"cached at {cache / spec.name}" if cached else "not fetched"
        typer.echo(f"{spec.name}: {spec.description}\n  source: {spec.url}\n  {state}")
        if spec.license_note:
            typer.echo(f"  license: {spec.license_note}")
