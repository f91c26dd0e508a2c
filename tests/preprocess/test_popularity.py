"""Item popularity counts every training event."""

from __future__ import annotations

import numpy as np
import pytest

from clrec.preprocess.popularity import item_popularity


def test_popularity_counts_repeats():
    # Items [3, 5, 3, 7, 3, 5]: item 3 three times, item 5 twice, item 7 once.
    counts = item_popularity(np.array([3, 5, 3, 7, 3, 5]), num_items=7)
    assert counts[3] == 3
    assert counts[5] == 2
    assert counts[7] == 1
    assert counts.sum() == 6
    assert counts[0] == 0
    assert counts.shape == (8,)


def test_popularity_rejects_out_of_range():
    with pytest.raises(ValueError, match="1..3"):
        item_popularity(np.array([4]), num_items=3)
