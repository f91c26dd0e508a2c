"""`clrec registry`: placeholder until the command group is built."""

from __future__ import annotations

import typer

app = typer.Typer(help="registry commands (not built yet).", no_args_is_help=True)
