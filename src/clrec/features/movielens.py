"""Parse MovieLens-100K item metadata (`u.item`, `u.genre`) into item attributes.

`u.item` is Latin-1 text with 24 `|`-separated fields per line: movie id,
title, release date (`01-Jan-1995`, sometimes empty), video release date,
IMDb URL, then 19 genre flags (0 or 1) in the order of `u.genre`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from clrec.features.errors import FeatureStepError
from clrec.features.names import UNKNOWN_TOKEN

logger = logging.getLogger(__name__)

ITEM_FILE = "u.item"
GENRE_FILE = "u.genre"
ENCODING = "latin-1"
NUM_GENRES = 19
# id, title, release date, video release date, IMDb URL, then the genre flags.
NUM_FIELDS = 5 + NUM_GENRES

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_RELEASE_DATE = re.compile(r"^(\d{1,2})-([A-Za-z]{3})-(\d{4})$")


@dataclass
class MovieLensItems:
    """Parsed item rows plus the accounting of every line that was not used as is."""

    # Movie id string -> attributes: title, genres, release_year, release_decade.
    attributes: dict[str, dict[str, object]] = field(default_factory=dict)
    lines_read: int = 0
    # One object per rejected line: line number, reason and the raw text.
    rejects: list[dict[str, object]] = field(default_factory=list)
    missing_release_dates: int = 0
    invalid_release_dates: int = 0
    items_without_genre: int = 0


def read_genres(raw_dir: Path) -> list[str]:
    """Return the 19 genre labels of `u.genre`, ordered by their flag position."""
    path = raw_dir / GENRE_FILE
    if not path.is_file():
        raise FeatureStepError(
            f"MovieLens genre list not found: {path}; fetch the dataset with "
            "`clrec data fetch ml-100k` or pass its folder"
        )
    by_position: dict[int, str] = {}
    for number, line in enumerate(path.read_text(encoding=ENCODING).splitlines(), start=1):
        if not line.strip():
            continue
        label, sep, position = line.rpartition("|")
        if not sep or not position.strip().isdigit():
            raise FeatureStepError(f"{path}, line {number}: expected 'label|position', got {line!r}")
        by_position[int(position)] = label.strip()
    if sorted(by_position) != list(range(NUM_GENRES)):
        raise FeatureStepError(
            f"{path} lists positions {sorted(by_position)}, expected 0..{NUM_GENRES - 1}"
        )
    return [by_position[position] for position in range(NUM_GENRES)]


def parse_release_year(text: str) -> str | None:
    """Return the four-digit year of a `01-Jan-1995` date, or None when it does not parse."""
    match = _RELEASE_DATE.match(text)
    if match is None or match.group(2).lower() not in _MONTHS:
        return None
    day = int(match.group(1))
    if not 1 <= day <= 31:
        return None
    return match.group(3)


def decade_of(year: str) -> str:
    """Return the decade label of a four-digit year, for example '1990s' for '1995'."""
    return f"{year[:3]}0s"


@dataclass(frozen=True)
class _ParsedLine:
    movie_id: str
    attributes: dict[str, object]
    # "ok", "missing" (empty field) or "invalid" (text that does not parse).
    release_date_status: str
    release_text: str


def _parse_line(line: str, genres: list[str]) -> _ParsedLine | str:
    """Parse one line of `u.item`, or return the reason to reject it."""
    fields = line.split("|")
    if len(fields) != NUM_FIELDS:
        return f"expected {NUM_FIELDS} fields separated by '|', found {len(fields)}"
    movie_id = fields[0].strip()
    if not movie_id.isdigit():
        return f"movie id {movie_id!r} is not a positive integer"
    flags = [flag.strip() for flag in fields[5:]]
    if any(flag not in ("0", "1") for flag in flags):
        return "genre flags must be 0 or 1"

    release_text = fields[2].strip()
    year = parse_release_year(release_text) if release_text else None
    if not release_text:
        status = "missing"
    elif year is None:
        status = "invalid"
    else:
        status = "ok"

    item_genres = [label for label, flag in zip(genres, flags) if flag == "1"]
    attributes: dict[str, object] = {
        "title": fields[1].strip() or UNKNOWN_TOKEN,
        "genres": item_genres or [UNKNOWN_TOKEN],
        "release_year": year or UNKNOWN_TOKEN,
        "release_decade": decade_of(year) if year else UNKNOWN_TOKEN,
    }
    return _ParsedLine(str(int(movie_id)), attributes, status, release_text)


def read_movielens_items(raw_dir: Path) -> MovieLensItems:
    """Parse `u.item` of a MovieLens-100K folder into attributes keyed by movie id.

    Lines with the wrong field count, a non-numeric id, bad genre flags or a
    repeated id are rejected and listed in `rejects`. An empty or unparsable
    release date becomes the unknown token and is counted.
    """
    genres = read_genres(raw_dir)
    path = raw_dir / ITEM_FILE
    if not path.is_file():
        raise FeatureStepError(
            f"MovieLens item file not found: {path}; fetch the dataset with "
            "`clrec data fetch ml-100k` or pass its folder"
        )

    result = MovieLensItems()
    for number, line in enumerate(path.read_text(encoding=ENCODING).splitlines(), start=1):
        if not line.strip():
            continue
        result.lines_read += 1
        parsed = _parse_line(line, genres)
        if isinstance(parsed, str):
            result.rejects.append({"source": ITEM_FILE, "line": number, "reason": parsed, "raw": line})
            continue
        if parsed.movie_id in result.attributes:
            reason = f"movie id {parsed.movie_id} repeats an earlier line"
            result.rejects.append({"source": ITEM_FILE, "line": number, "reason": reason, "raw": line})
            continue

        result.attributes[parsed.movie_id] = parsed.attributes
        if parsed.release_date_status == "missing":
            result.missing_release_dates += 1
        elif parsed.release_date_status == "invalid":
            result.invalid_release_dates += 1
            logger.warning(
                "%s, line %d: release date %r does not parse; using %s",
                path,
                number,
                parsed.release_text,
                UNKNOWN_TOKEN,
            )
        if parsed.attributes["genres"] == [UNKNOWN_TOKEN]:
            result.items_without_genre += 1

    if result.rejects:
        logger.warning(
            "rejected %d of %d lines of %s; they are listed in feature_report.json",
            len(result.rejects),
            result.lines_read,
            path,
        )
    logger.info("parsed %d movies from %s", len(result.attributes), path)
    return result
