"""Item popularity: the number of training events per item."""

from __future__ import annotations

import numpy as np


def item_popularity(train_item_indices: np.ndarray, num_items: int) -> np.ndarray:
    """Return int64 counts of shape [num_items + 1], where entry k counts training events of item k.

    Every event counts, so an item a user saw three times counts three
    times. Entry 0 (padding) is always 0. Only training events may be passed
    here, so that evaluation targets do not leak into popularity.
    """
    indices = np.asarray(train_item_indices, dtype=np.int64)
    if indices.size and (indices.min() < 1 or indices.max() > num_items):
        raise ValueError(
            f"item indices must lie in 1..{num_items}; found {int(indices.min())}..{int(indices.max())}"
        )
    return np.bincount(indices, minlength=num_items + 1).astype(np.int64)
