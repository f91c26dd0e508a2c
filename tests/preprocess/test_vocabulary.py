"""Raw ids to contiguous indices in natural order."""

from __future__ import annotations

from clrec.preprocess.vocabulary import build_vocabulary


def test_vocabulary_natural_order():
    # Digits sort by value (2 < 9 < 10), then other ids by text.
    assert build_vocabulary(["10", "b", "9", "a", "2", "9"]) == {"2": 1, "9": 2, "10": 3, "a": 4, "b": 5}


def test_vocabulary_empty():
    assert build_vocabulary([]) == {}
