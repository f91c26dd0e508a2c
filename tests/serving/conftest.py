"""A published four-item catalog whose rankings can be worked out by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from clrec.config import load_config
from tests.registry.fixtures import publish_with_standin, write_inputs

# Items in 2-D: 1 = [1, 0], 2 = [0.9, 0.1], 3 = [0, 1], 4 = [-1, 0]; row 0 is padding.
# The stand-in user tower averages the history, so history [1] gives the
# query [1, 0] and inner products 1, 0.9, 0 and -1 for items 1..4.
FOUR_ITEMS = np.array([[0, 0], [1, 0], [0.9, 0.1], [0, 1], [-1, 0]], dtype=np.float32)


@pytest.fixture
def four_item_registry(tmp_path: Path) -> tuple[str, str]:
    """Return (registry folder, version) with the four-item catalog in production."""
    url = str(tmp_path / "registry")
    manifest = publish_with_standin(load_config(None, []), write_inputs(tmp_path / "inputs", FOUR_ITEMS), url)
    return url, manifest["version"]
