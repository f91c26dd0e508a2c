"""Fixtures shared by the evaluation tests and the evaluate component's tests."""

from __future__ import annotations

import sys

import pytest

from tests.registry import standin_inference


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch):
    """Serve `clrec.train.inference` from the test stand-in for the duration of one test.

    The stand-in's mean-pooling user tower makes user vectors, and so every
    expected metric, computable by hand.
    """
    import clrec.train

    monkeypatch.setitem(sys.modules, "clrec.train.inference", standin_inference)
    monkeypatch.setattr(clrec.train, "inference", standin_inference, raising=False)
    return standin_inference
