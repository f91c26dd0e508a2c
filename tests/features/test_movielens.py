"""Parsing of MovieLens-100K item metadata."""

from __future__ import annotations

from pathlib import Path

import pytest

from clrec.features.errors import FeatureStepError
from clrec.features.movielens import decade_of, parse_release_year, read_genres, read_movielens_items
from clrec.features.names import UNKNOWN_TOKEN


def test_release_year_parses_day_month_year():
    assert parse_release_year("01-Jan-1995") == "1995"
    assert parse_release_year("7-dec-1960") == "1960"


def test_release_year_rejects_bad_dates():
    assert parse_release_year("31-Foo-1999") is None
    assert parse_release_year("1995") is None
    assert parse_release_year("40-Jan-1995") is None


def test_decade_of_year():
    assert decade_of("1995") == "1990s"
    assert decade_of("2003") == "2000s"


def test_read_genres_in_flag_order(synthetic_raw_dir: Path):
    genres = read_genres(synthetic_raw_dir)
    assert len(genres) == 19
    assert genres[3] == "Animation"
    assert genres[4] == "Children's"


def test_read_genres_missing_file(tmp_path: Path):
    with pytest.raises(FeatureStepError, match=r"u\.genre.*clrec data fetch ml-100k"):
        read_genres(tmp_path)


def test_items_decode_latin1(synthetic_raw_dir: Path):
    parsed = read_movielens_items(synthetic_raw_dir)
    assert parsed.attributes["1"]["title"] == "Café Lumière (2003)"
    assert parsed.attributes["1"]["genres"] == ["Drama"]
    assert parsed.attributes["1"]["release_year"] == "2003"
    assert parsed.attributes["1"]["release_decade"] == "2000s"


def test_items_empty_date_is_unknown(synthetic_raw_dir: Path):
    parsed = read_movielens_items(synthetic_raw_dir)
    assert parsed.attributes["2"]["release_year"] == UNKNOWN_TOKEN
    assert parsed.attributes["2"]["release_decade"] == UNKNOWN_TOKEN
    assert parsed.attributes["2"]["genres"] == ["Comedy", "Romance"]
    assert parsed.missing_release_dates == 1


def test_items_invalid_date_is_unknown(synthetic_raw_dir: Path):
    parsed = read_movielens_items(synthetic_raw_dir)
    assert parsed.attributes["4"]["release_year"] == UNKNOWN_TOKEN
    assert parsed.invalid_release_dates == 1


def test_items_without_genre_get_unknown(synthetic_raw_dir: Path):
    parsed = read_movielens_items(synthetic_raw_dir)
    assert parsed.attributes["3"]["genres"] == [UNKNOWN_TOKEN]
    assert parsed.items_without_genre == 1


def test_items_bad_lines_rejected(synthetic_raw_dir: Path):
    parsed = read_movielens_items(synthetic_raw_dir)
    # Six lines: four valid, one with 3 fields, one repeating movie id 1.
    assert parsed.lines_read == 6
    assert sorted(parsed.attributes) == ["1", "2", "3", "4"]
    assert [reject["line"] for reject in parsed.rejects] == [5, 6]
    assert "found 3" in parsed.rejects[0]["reason"]
    assert "repeats" in parsed.rejects[1]["reason"]
    assert parsed.attributes["1"]["title"] == "Café Lumière (2003)"


@pytest.mark.mirror
def test_items_real_toy_story(mirror_dir: Path):
    parsed = read_movielens_items(mirror_dir / "ml-100k")
    assert parsed.lines_read == 1682
    assert parsed.rejects == []
    assert parsed.attributes["1"]["title"] == "Toy Story (1995)"
    assert parsed.attributes["1"]["genres"] == ["Animation", "Children's", "Comedy"]
    # Movie 267 is the one line of u.item with an empty release date.
    assert parsed.missing_release_dates == 1
    assert parsed.attributes["267"]["release_year"] == UNKNOWN_TOKEN
