"""Settings of the Great Expectations validation step."""

from __future__ import annotations

from clrec.config.base import StrictModel


class ValidationConfig(StrictModel):
    """Placeholder; the validation step defines its thresholds here."""
