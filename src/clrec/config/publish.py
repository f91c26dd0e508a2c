"""Settings of the Faiss index and the model registry."""

from __future__ import annotations

from clrec.config.base import StrictModel


class PublishConfig(StrictModel):
    """Placeholder; the publish step defines its full settings here."""
