"""The model functions the registry and serving need from the training package.

Publication and serving call the trained model only through this interface:
`clrec.train.inference` provides it, and tests may pass any object with the
same four functions.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Protocol

import numpy as np

INFERENCE_MODULE = "clrec.train.inference"


class InferenceBackend(Protocol):
    """Loading, encoding and exporting functions of a trained two-tower model."""

    def load_model(self, model_dir: Path, device: str = "cpu") -> Any: ...

    def encode_histories(
        self, model_or_user_tower: Any, histories: list[list[int]], batch_size: int = 1024
    ) -> np.ndarray: ...

    def export_user_tower(self, model_dir: Path, output_dir: Path) -> Any: ...

    def load_user_tower(self, directory: Path, device: str = "cpu") -> Any: ...


def load_inference_backend() -> InferenceBackend:
    """Import `clrec.train.inference`, raising an error that names the extra to install when it is missing."""
    try:
        return importlib.import_module(INFERENCE_MODULE)  # type: ignore[return-value]
    except ModuleNotFoundError as error:
        raise RuntimeError(
            f"cannot import {INFERENCE_MODULE} ({error}); install clrec with the 'train' or "
            "'publish' extra (torch and safetensors) to load the model"
        ) from error
