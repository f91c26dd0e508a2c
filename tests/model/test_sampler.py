"""Popularity proposal q and its sampler."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from clrec.model.sampler import PopularitySampler, proposal_distribution


def test_proposal_smoothed_counts():
    # Counts [_, 3, 0, 1] + 1 = [4, 1, 2], power 1: q = [0, 4/7, 1/7, 2/7].
    q = proposal_distribution(np.array([0, 3, 0, 1]), power=1.0, smoothing=1.0)
    assert q.tolist() == pytest.approx([0.0, 4 / 7, 1 / 7, 2 / 7])


def test_proposal_never_zero_for_items():
    q = proposal_distribution(np.array([5, 0, 0, 9]), power=1.0, smoothing=0.5)
    assert q[0].item() == 0.0
    assert torch.all(q[1:] > 0)


def test_proposal_power_zero_is_uniform():
    q = proposal_distribution(np.array([0, 100, 0, 1]), power=0.0, smoothing=1.0)
    assert q[1:].tolist() == pytest.approx([1 / 3] * 3)


def test_proposal_square_root_power():
    # sqrt([4, 1, 2]) = [2, 1, 1.414214], sum 4.414214: q(1) = 0.453082.
    q = proposal_distribution(np.array([0, 3, 0, 1]), power=0.5, smoothing=1.0)
    assert q[1].item() == pytest.approx(0.453082, abs=1e-6)


def test_proposal_rejects_bad_input():
    with pytest.raises(ValueError, match="smoothing must be > 0"):
        proposal_distribution(np.array([0, 1]), power=1.0, smoothing=0.0)
    with pytest.raises(ValueError, match="must not be negative"):
        proposal_distribution(np.array([0, -1]), power=1.0, smoothing=1.0)


def test_sampler_never_draws_padding():
    sampler = PopularitySampler(proposal_distribution(np.array([0, 1, 1]), 1.0, 1.0), seed=0)
    draws = sampler.sample(500)
    assert draws.min().item() >= 1
    assert draws.max().item() <= 2


def test_sampler_state_replays_draws():
    q = proposal_distribution(np.array([0, 5, 1, 2]), 1.0, 1.0)
    sampler = PopularitySampler(q, seed=1)
    sampler.sample(7)
    state = sampler.state_dict()
    expected = sampler.sample(10)
    other = PopularitySampler(q, seed=99)
    other.load_state_dict(state)
    assert torch.equal(other.sample(10), expected)
