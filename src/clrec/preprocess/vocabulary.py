"""Map raw ids to contiguous integers 1..N, with 0 reserved for padding.

Ids are numbered in natural order: all-digit ids by their numeric value,
then every other id by its text. The numbering therefore depends only on
the set of ids, never on input or bundle order, and MovieLens's ids 1..943
keep their own numbers.
"""

from __future__ import annotations

from collections.abc import Iterable

PADDING_INDEX = 0


def natural_sort_key(raw_id: str) -> tuple[int, int, str]:
    """Return a key that sorts all-digit ids numerically, before every other id."""
    if raw_id.isascii() and raw_id.isdigit():
        return 0, int(raw_id), raw_id
    return 1, 0, raw_id


def build_vocabulary(raw_ids: Iterable[str]) -> dict[str, int]:
    """Return {raw id: index} with indices 1..N in natural order of the distinct ids."""
    ordered = sorted(set(raw_ids), key=natural_sort_key)
    return {raw_id: index for index, raw_id in enumerate(ordered, start=PADDING_INDEX + 1)}

