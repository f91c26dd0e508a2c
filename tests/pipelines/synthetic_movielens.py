"""A small dataset in MovieLens-100K's file formats, for end-to-end pipeline runs.

40 users rate 15 movies each out of 300, drawn with a popularity skew by a
seeded generator, from October 1997 to February 1998 as in the real data.
Only the files the pipeline reads are written: `u.data` (tab-separated
user, item, rating, Unix time), `u.item` (Latin-1, `|`-separated, 19 genre
flags) and `u.genre`.
"""

from __future__ import annotations

import random
from pathlib import Path

GENRES = (
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
    "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
    "Romance", "Sci-Fi", "Thriller", "War", "Western",
)  # fmt: skip
USERS = 40
ITEMS = 300
EVENTS_PER_USER = 15
# 1997-10-01T00:00:00Z, then one event per user every six hours.
FIRST_TIMESTAMP = 875_664_000
STEP_SECONDS = 6 * 3600
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def write_synthetic_movielens(dataset_dir: Path, seed: int = 7) -> Path:
    """Write `u.data`, `u.item` and `u.genre` into `dataset_dir` and return it."""
    rng = random.Random(seed)
    dataset_dir.mkdir(parents=True, exist_ok=True)

    # Item i is drawn with weight 1 / i, so low ids are the popular head.
    items = list(range(1, ITEMS + 1))
    weights = [1.0 / item for item in items]
    lines = []
    for user in range(1, USERS + 1):
        chosen: list[int] = []
        while len(chosen) < EVENTS_PER_USER:
            item = rng.choices(items, weights)[0]
            if item not in chosen:
                chosen.append(item)
        for position, item in enumerate(chosen):
            timestamp = FIRST_TIMESTAMP + (position * USERS + user) * STEP_SECONDS
            lines.append(f"{user}\t{item}\t{rng.randint(1, 5)}\t{timestamp}")
    rng.shuffle(lines)
    (dataset_dir / "u.data").write_text("\n".join(lines) + "\n", encoding="utf-8")

    rows = []
    for item in items:
        flags = ["0"] * len(GENRES)
        flags[1 + item % (len(GENRES) - 1)] = "1"
        year = 1980 + item % 18
        release = f"01-{MONTHS[item % 12]}-{year}"
        rows.append(f"{item}|Movie {item} ({year})|{release}||http://example.com/movie/{item}|" + "|".join(flags))
    (dataset_dir / "u.item").write_text("\n".join(rows) + "\n", encoding="latin-1")

    genre_lines = [f"{name}|{position}" for position, name in enumerate(GENRES)]
    (dataset_dir / "u.genre").write_text("\n".join(genre_lines) + "\n\n", encoding="latin-1")
    return dataset_dir
