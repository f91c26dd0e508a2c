"""Fixtures of the evaluation tests."""

from tests.evaluate.fixtures import standin  # noqa: F401
