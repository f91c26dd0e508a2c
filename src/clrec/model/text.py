"""Tokenisation and vocabulary of item text (MovieLens titles, for example)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_TOKEN = re.compile(r"[0-9a-z]+")

# Index 0 pads a token list and index 1 is any token outside the vocabulary,
# so the vocabulary's own tokens start at 2.
PAD_INDEX = 0
OOV_INDEX = 1
FIRST_TOKEN_INDEX = 2


def tokenize(text: str) -> list[str]:
    """Split text into lower-case runs of letters and digits (other characters separate tokens)."""
    return _TOKEN.findall(text.lower())


def build_vocabulary(texts: Iterable[str], max_size: int) -> list[str]:
    """Return the `max_size` most frequent tokens, ties broken alphabetically."""
    counts = Counter(token for text in texts for token in tokenize(text))
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    return [token for token, _ in ranked[:max_size]]


def encode_text(text: str, index: dict[str, int], max_tokens: int) -> list[int]:
    """Return the token indices of `text`, cut to `max_tokens` and right-padded with 0."""
    ids = [index.get(token, OOV_INDEX) for token in tokenize(text)][:max_tokens]
    return ids + [PAD_INDEX] * (max_tokens - len(ids))
