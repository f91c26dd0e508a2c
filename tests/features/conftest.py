"""Fixtures of the feature step's tests: small inputs, a temporary Feast repository and configs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from clrec.config import ClrecConfig, load_config
from clrec.features.store import checkout_repo_dir

REPO_ROOT = Path(__file__).resolve().parents[2]

# Genre labels of MovieLens-100K in flag order, as `u.genre` lists them.
GENRES = [
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
    "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
    "Romance", "Sci-Fi", "Thriller", "War", "Western",
]  # fmt: skip


def genre_flags(*labels: str) -> str:
    """Return the 19 `|`-separated genre flags with `labels` set to 1."""
    return "|".join("1" if genre in labels else "0" for genre in GENRES)


# A hand-written `u.item` in the MovieLens format, covering a Latin-1 title,
# an empty and an invalid release date, an item without genres, a line with
# too few fields and a repeated id. Movie 7 is deliberately absent.
SYNTHETIC_ITEM_LINES = [
    f"1|Café Lumière (2003)|01-Jan-2003||http://example.invalid/1|{genre_flags('Drama')}",
    f"2|Blank Date (1990)|||http://example.invalid/2|{genre_flags('Comedy', 'Romance')}",
    f"3|No Genre (1987)|12-Mar-1987||http://example.invalid/3|{genre_flags()}",
    f"4|Bad Date (1999)|31-Foo-1999||http://example.invalid/4|{genre_flags('Horror')}",
    "5|Too Few Fields (1995)|01-Jan-1995",
    f"1|Repeated Id (2001)|01-Jan-2001||http://example.invalid/1|{genre_flags('Action')}",
]


def write_movielens_metadata(directory: Path) -> Path:
    """Write the synthetic `u.item` (Latin-1) and `u.genre` into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "u.item").write_bytes(("\n".join(SYNTHETIC_ITEM_LINES) + "\n").encode("latin-1"))
    genre_text = "".join(f"{label}|{position}\n" for position, label in enumerate(GENRES)) + "\n"
    (directory / "u.genre").write_text(genre_text, encoding="latin-1")
    return directory


@pytest.fixture
def synthetic_raw_dir(tmp_path: Path) -> Path:
    return write_movielens_metadata(tmp_path / "raw" / "ml-100k")


def copy_feature_repo(destination: Path) -> Path:
    """Copy the project's Feast repository to `destination` and return it."""
    shutil.copytree(checkout_repo_dir(), destination, ignore=shutil.ignore_patterns("__pycache__"))
    return destination


def make_config(dataset: str, repo_dir: Path, feast_data: Path, *overrides: str) -> ClrecConfig:
    """Load the dataset's configuration with the repository and data directory redirected."""
    return load_config(
        REPO_ROOT / "configs" / f"{dataset}.yaml",
        [f"features.repo_dir={repo_dir}", f"paths.feast_data={feast_data}", *overrides],
    )
