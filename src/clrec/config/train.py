"""Settings of the model and its training loop."""

from __future__ import annotations

from clrec.config.base import StrictModel


class TrainConfig(StrictModel):
    """Placeholder; the training step defines its full settings here."""
