"""Settings of the Feast feature step."""

from __future__ import annotations

from clrec.config.base import StrictModel


class FeaturesConfig(StrictModel):
    """Placeholder; the feature step defines its full settings here."""
