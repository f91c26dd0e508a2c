"""Helpers shared by the modules that build derived frames for the suites."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from clrec.validation.inputs import Table


@dataclass(frozen=True)
class FrameUnavailable:
    """A derived frame that could not be built; every expectation on it fails with `reason`."""

    reason: str


class MissingColumnsError(ValueError):
    """A table lacks columns that a derived frame is computed from."""


def require_columns(table: Table, columns: list[str]) -> None:
    """Raise `MissingColumnsError` naming the columns of `columns` that `table` lacks."""
    missing = [name for name in columns if name not in table.frame.columns]
    if missing:
        raise MissingColumnsError(
            f"{table.file_name} lacks column(s) {', '.join(missing)}, so this frame was not built"
        )


def schema_frame(table: Table) -> pd.DataFrame:
    """Return one row whose cells are the Arrow types of `table`'s columns."""
    return pd.DataFrame([table.arrow_types], dtype=object)
