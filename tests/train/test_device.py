"""Device and mixed-precision decisions, tested without a GPU."""

from __future__ import annotations

import pytest
import torch

from clrec.train.device import autocast_context, select_autocast_dtype, select_device


def test_auto_picks_cuda_when_available():
    assert select_device("auto", cuda_available=True) == torch.device("cuda")


def test_auto_falls_back_to_cpu():
    assert select_device("auto", cuda_available=False) == torch.device("cpu")


def test_cpu_requested_even_with_gpu():
    assert select_device("cpu", cuda_available=True) == torch.device("cpu")


def test_cuda_index_kept():
    assert select_device("cuda:1", cuda_available=True, cuda_count=2) == torch.device("cuda", 1)


def test_cuda_without_gpu_rejected():
    with pytest.raises(ValueError, match="train.device=cuda but CUDA is not available"):
        select_device("cuda", cuda_available=False)


def test_cuda_index_beyond_count_rejected():
    with pytest.raises(ValueError, match="has 1 CUDA device"):
        select_device("cuda:3", cuda_available=True, cuda_count=1)


def test_auto_precision_bf16_on_capable_gpu():
    assert select_autocast_dtype("auto", torch.device("cuda"), bf16_supported=True) is torch.bfloat16


def test_auto_precision_fp32_on_old_gpu_and_cpu():
    assert select_autocast_dtype("auto", torch.device("cuda"), bf16_supported=False) is None
    assert select_autocast_dtype("auto", torch.device("cpu"), bf16_supported=True) is None


def test_fp32_disables_autocast():
    assert select_autocast_dtype("fp32", torch.device("cuda"), bf16_supported=True) is None


def test_bf16_on_cpu_rejected():
    with pytest.raises(ValueError, match="train.precision=bf16 needs a CUDA device"):
        select_autocast_dtype("bf16", torch.device("cpu"), bf16_supported=True)


def test_autocast_context_fp32_is_noop():
    with autocast_context(torch.device("cpu"), None):
        result = torch.ones(2, 2) @ torch.ones(2, 2)
    assert result.dtype == torch.float32
