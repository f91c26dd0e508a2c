"""Choice of the training device and of mixed precision.

Both decisions are plain functions of the request and of what the machine
offers, so they are tested on machines without a GPU.
"""

from __future__ import annotations

import contextlib
from contextlib import AbstractContextManager

import torch


def select_device(requested: str, cuda_available: bool, cuda_count: int = 1) -> torch.device:
    """Return the device for `train.device`.

    `auto` picks `cuda` when CUDA is available and `cpu` otherwise; `cuda`
    or `cuda:N` without a usable GPU raises ValueError.
    """
    if requested == "auto":
        return torch.device("cuda" if cuda_available else "cpu")
    if requested == "cpu":
        return torch.device("cpu")
    if requested.startswith("cuda"):
        if not cuda_available:
            raise ValueError(
                f"train.device={requested} but CUDA is not available on this machine; "
                "use train.device=auto or cpu"
            )
        device = torch.device(requested)
        if device.index is not None and device.index >= cuda_count:
            raise ValueError(f"train.device={requested} but this machine has {cuda_count} CUDA device(s)")
        return device
    raise ValueError(f"train.device={requested!r} is not one of auto, cpu, cuda, cuda:N")


def select_autocast_dtype(precision: str, device: torch.device, bf16_supported: bool) -> torch.dtype | None:
    """Return the autocast dtype for `train.precision`, or None for plain fp32.

    `auto` gives bf16 on a CUDA device that supports it and fp32 elsewhere;
    `bf16` requires such a device and raises ValueError otherwise.
    """
    if precision == "fp32":
        return None
    usable = device.type == "cuda" and bf16_supported
    if precision == "bf16" and not usable:
        raise ValueError(
            f"train.precision=bf16 needs a CUDA device with bf16 support, but training runs on {device}; "
            "use train.precision=auto or fp32"
        )
    if precision not in ("auto", "bf16"):
        raise ValueError(f"train.precision={precision!r} is not one of auto, bf16, fp32")
    return torch.bfloat16 if usable else None


def autocast_context(device: torch.device, dtype: torch.dtype | None) -> AbstractContextManager:
    """Return torch.autocast for `dtype` on `device`, or a no-op context for fp32."""
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


def resolve_device(requested: str, precision: str, local_rank: int = 0) -> tuple[torch.device, torch.dtype | None]:
    """Return the device and autocast dtype on this machine; `cuda` becomes this worker's GPU."""
    cuda_available = torch.cuda.is_available()
    count = torch.cuda.device_count() if cuda_available else 0
    device = select_device(requested, cuda_available, count)
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", local_rank % max(count, 1))
    bf16 = device.type == "cuda" and torch.cuda.is_bf16_supported()
    return device, select_autocast_dtype(precision, device, bf16)
