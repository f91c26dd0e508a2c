"""Fixtures of the preprocessing tests."""

from __future__ import annotations

from typing import Any

import pytest

from clrec.preprocess import run_preprocess
from tests.preprocess.helpers import make_config, write_rows


@pytest.fixture
def run_on_rows(tmp_path):
    """Write rows to `input/log.tsv`, run the step with a preprocess section, return (manifest, output dir)."""

    def run(rows: list[str], preprocess: dict[str, Any] | None = None, file_name: str = "log.tsv"):
        input_dir = tmp_path / "input"
        write_rows(input_dir / file_name, rows)
        output_dir = tmp_path / "output"
        manifest = run_preprocess(make_config(preprocess), input_dir, output_dir)
        return manifest, output_dir

    return run
