"""Fixtures of the registry tests: small publication inputs and the default configuration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from clrec.config import ClrecConfig, load_config
from tests.registry.fixtures import PublishDirs, write_inputs


@pytest.fixture
def toy_dirs(tmp_path: Path) -> PublishDirs:
    """Inputs of a 6-item catalog of dimension 4."""
    rng = np.random.default_rng(7)
    table = np.zeros((7, 4), dtype=np.float32)
    table[1:] = rng.standard_normal((6, 4))
    return write_inputs(tmp_path / "inputs", table)


@pytest.fixture
def config() -> ClrecConfig:
    return load_config(None, [])
