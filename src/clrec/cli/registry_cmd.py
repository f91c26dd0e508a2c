"""`clrec registry`: list published versions, promote one, roll production back."""

from __future__ import annotations

import json
from typing import Annotated, Any, Optional

import typer

from clrec.cli.common import ConfigOption, OverrideOption, fail, load_cli_config

app = typer.Typer(
    help="Inspect the model registry and choose its production version.", no_args_is_help=True
)

RegistryOption = Annotated[
    Optional[str],
    typer.Option(
        "--registry",
        help="Registry location: a local folder or an fsspec URL such as s3://bucket/registry. "
        "Default: paths.registry of the configuration (artifacts/registry).",
    ),
]


def open_registry(registry: Optional[str], config: ConfigOption, overrides: OverrideOption) -> Any:
    """Return the registry named by --registry, else by the configuration's paths.registry."""
    from clrec.registry import Registry, RegistryError

    url = registry or load_cli_config(config, overrides).paths.registry
    try:
        return Registry(url)
    except RegistryError as error:
        fail(str(error))


def _summary_row(manifest: dict[str, Any], production: Optional[str]) -> list[str]:
    index = manifest.get("index", {})
    tuning = index.get("tuning", {})
    parameter = f"{tuning['parameter']}={tuning['value']}" if tuning.get("parameter") else "-"
    gate = manifest.get("gate", {}).get("passed")
    primary = manifest.get("metrics", {}).get("primary_metric", {})
    has_metric = "name" in primary and isinstance(primary.get("value"), (int, float))
    metric = f"{primary['name']}={primary['value']:.4f}" if has_metric else "-"
    return [
        "*" if manifest.get("version") == production else "",
        str(manifest.get("version", "?")),
        str(manifest.get("created_at", "?"))[:19],
        {True: "passed", False: "failed"}.get(gate, "?"),
        metric,
        str(index.get("factory", "?")),
        f"{tuning['recall']:.3f}" if isinstance(tuning.get("recall"), (int, float)) else "?",
        parameter,
    ]


def _print_table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
    for row in [header, *rows]:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


@app.command("list")
def list_versions(
    registry: RegistryOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print manifests and leftovers as JSON. Default: a table.")
    ] = False,
    config: ConfigOption = None,
    overrides: OverrideOption = None,
) -> None:
    """List published versions (production marked with *) and leftovers of interrupted publications."""
    from clrec.registry import RegistryError

    store = open_registry(registry, config, overrides)
    try:
        versions = store.list_versions()
        production = store.production_version()
        leftovers = store.leftovers()
    except (RegistryError, OSError) as error:
        fail(f"cannot read registry {store.url}: {error}")

    if as_json:
        payload = {
            "registry": store.url,
            "production": production,
            "versions": versions,
            "leftovers": [{"kind": item.kind, "path": item.path} for item in leftovers],
        }
        typer.echo(json.dumps(payload, indent=2))
        return

    if versions:
        header = ["", "version", "created (UTC)", "gate", "test metric", "index", "recall", "search"]
        _print_table([_summary_row(manifest, production) for manifest in versions], header)
    else:
        typer.echo(f"no published versions in {store.url}")
    if production is None:
        typer.echo("no production version")
    for item in leftovers:
        typer.echo(f"leftover {item.kind}: {item.path} (from an interrupted publication; the next publish removes it)")


@app.command("promote")
def promote(
    version: Annotated[str, typer.Argument(help="Version to serve, as listed by `clrec registry list`.")],
    registry: RegistryOption = None,
    config: ConfigOption = None,
    overrides: OverrideOption = None,
) -> None:
    """Make VERSION the production version."""
    from clrec.registry import RegistryError

    store = open_registry(registry, config, overrides)
    try:
        record = store.promote(version)
    except (RegistryError, OSError) as error:
        fail(str(error))
    typer.echo(f"production is now {record['version']}")


@app.command("rollback")
def rollback(
    registry: RegistryOption = None,
    config: ConfigOption = None,
    overrides: OverrideOption = None,
) -> None:
    """Put the previous production version back into production."""
    from clrec.registry import RegistryError

    store = open_registry(registry, config, overrides)
    try:
        version = store.rollback()
    except (RegistryError, OSError) as error:
        fail(str(error))
    typer.echo(f"production is now {version}")
