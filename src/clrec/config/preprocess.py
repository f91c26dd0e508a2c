"""Settings of the Beam preprocessing step."""

from __future__ import annotations

from clrec.config.base import StrictModel


class PreprocessConfig(StrictModel):
    """Placeholder; the preprocessing step defines its full settings here."""
