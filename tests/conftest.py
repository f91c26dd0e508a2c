"""Fixtures shared by every test package."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def mirror_dir() -> Path:
    """The dataset mirror named by CLREC_DATA_MIRROR; tests that need it skip without it."""
    value = os.environ.get("CLREC_DATA_MIRROR")
    if not value:
        pytest.skip("CLREC_DATA_MIRROR is not set; point it at a dataset mirror to run this test")
    path = Path(value)
    if not path.is_dir():
        pytest.skip(f"CLREC_DATA_MIRROR={value} is not a directory")
    return path
