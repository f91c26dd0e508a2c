"""Fixtures of the deployment tests: a fake KFP API server and a small compiled pipeline."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pipelines.fake_kfp import FakeKfpServer


@pytest.fixture()
def fake_kfp() -> Iterator[FakeKfpServer]:
    """A fake KFP API server on 127.0.0.1, stopped after the test."""
    server = FakeKfpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tiny_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A compiled one-task pipeline named clrec with the real pipeline's four parameters."""
    from tests.pipelines.tiny_pipeline import compile_tiny_pipeline

    return compile_tiny_pipeline(tmp_path_factory.mktemp("package") / "clrec_pipeline.yaml")
