"""`clrec data`: placeholder until the command group is built."""

from __future__ import annotations

import typer

app = typer.Typer(help="data commands (not built yet).", no_args_is_help=True)
