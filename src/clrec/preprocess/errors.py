"""The error the preprocessing step raises for bad inputs, settings or results."""

from __future__ import annotations


class PreprocessError(RuntimeError):
    """Preprocessing cannot produce a trustworthy output; the message names the cause and the fix."""
