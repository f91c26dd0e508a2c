"""The error that the feature step raises for bad inputs and failed Feast operations."""

from __future__ import annotations


class FeatureStepError(RuntimeError):
    """An input of the feature step is invalid, or a Feast operation failed.

    The message names the file, value or command involved and what to do next.
    """
