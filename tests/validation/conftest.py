"""Fixtures of the validation tests; the data builders live in fixtures.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from clrec.config import ClrecConfig, load_config, load_config_text
from tests.validation.fixtures import (
    NUM_ITEMS,
    USER_LENGTHS,
    events_from_lengths,
    ml100k_tables,
    tables_from_events,
    write_preprocess_output,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clean_tables() -> dict[str, Any]:
    """A fresh, valid preprocess output as frames, for a test to break."""
    return tables_from_events(events_from_lengths(USER_LENGTHS), NUM_ITEMS)


@pytest.fixture
def write_preprocess(tmp_path: Path) -> Callable[[dict[str, Any]], Path]:
    """Write tables to a fresh preprocess output directory and return it."""
    counter = iter(range(1000))

    def write(tables: dict[str, Any]) -> Path:
        return write_preprocess_output(tables, tmp_path / f"preprocessed_{next(counter)}")

    return write


@pytest.fixture
def config() -> ClrecConfig:
    """Default configuration with known sets for the fixture's categorical features."""
    return load_config_text(
        "validation:\n"
        "  known_values:\n"
        "    decade: ['1980s', '1990s']\n"
        "    genres: ['Action', 'Comedy', 'Drama']\n"
    )


@pytest.fixture(scope="session")
def ml100k_pandas_output(mirror_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A preprocess output of the full MovieLens-100K, built with plain pandas."""
    u_data = mirror_dir / "ml-100k" / "u.data"
    if not u_data.is_file():
        pytest.skip(f"{u_data} not found in the dataset mirror")
    return write_preprocess_output(ml100k_tables(u_data), tmp_path_factory.mktemp("ml100k_pandas"))


@pytest.fixture(scope="session")
def ml100k_config() -> ClrecConfig:
    """The shipped MovieLens-100K configuration."""
    return load_config(REPO_ROOT / "configs" / "ml-100k.yaml")


@pytest.fixture(scope="session")
def ml100k_preprocessed(
    mirror_dir: Path, ml100k_config: ClrecConfig, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The preprocess output of the full MovieLens-100K, written by clrec.preprocess."""
    from clrec.preprocess import run_preprocess

    output = tmp_path_factory.mktemp("ml100k_preprocessed")
    run_preprocess(ml100k_config, mirror_dir / "ml-100k", output)
    return output
