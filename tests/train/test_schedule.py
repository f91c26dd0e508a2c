"""Warm-up and decay of the learning rate."""

from __future__ import annotations

import pytest

from clrec.train.schedule import learning_rate_factor


def test_warmup_rises_linearly():
    factor = learning_rate_factor(total_steps=10, warmup_steps=4, decay="cosine", min_ratio=0.0)
    # Step s < 4 gives (s + 1) / 4.
    assert [factor(step) for step in range(4)] == [0.25, 0.5, 0.75, 1.0]


def test_cosine_decays_to_min_ratio():
    factor = learning_rate_factor(total_steps=10, warmup_steps=2, decay="cosine", min_ratio=0.1)
    # Half-way through decay (step 6 of 2..10): 0.1 + 0.9 * 0.5 * (1 + cos(pi/2)) = 0.55.
    assert factor(2) == pytest.approx(1.0)
    assert factor(6) == pytest.approx(0.55)
    assert factor(10) == pytest.approx(0.1)
    assert factor(50) == pytest.approx(0.1)


def test_linear_decay_midpoint():
    factor = learning_rate_factor(total_steps=12, warmup_steps=2, decay="linear", min_ratio=0.0)
    # Step 7 is half of the 10 decay steps: 1 - 0.5 = 0.5.
    assert factor(7) == pytest.approx(0.5)


def test_constant_after_warmup():
    factor = learning_rate_factor(total_steps=5, warmup_steps=0, decay="constant", min_ratio=0.0)
    assert [factor(step) for step in range(6)] == [1.0] * 6


def test_unknown_decay_rejected():
    with pytest.raises(ValueError, match="unknown decay 'step'"):
        learning_rate_factor(10, 0, "step", 0.0)
