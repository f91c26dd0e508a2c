"""Settings of evaluation and the promotion gate."""

from __future__ import annotations

from clrec.config.base import StrictModel


class EvaluateConfig(StrictModel):
    """Placeholder; the evaluation step defines its full settings here."""
