"""Theorem 1 of CLRec, numerically, with the product's loss functions.

On a small synthetic problem with a known proposal q(y), training free
logits phi(x, y) with the contrastive loss (negatives drawn from q, no
correction) drives p_theta(y | x) = softmax_y phi(x, y) to
r(y | x) proportional to p_data(y | x) / q(y), while sampled softmax with
the log-q correction drives it to p_data(y | x).
"""

from __future__ import annotations

import torch

from clrec.model.losses import apply_logq_correction, softmax_cross_entropy

# Two contexts x, six items y. Each row of P_DATA sums to 1.
P_DATA = torch.tensor(
    [
        [0.30, 0.25, 0.20, 0.10, 0.10, 0.05],
        [0.05, 0.10, 0.15, 0.20, 0.20, 0.30],
    ]
)
# Popularity-shaped proposal: item 0 is drawn ten times as often as item 5.
Q = torch.tensor([0.40, 0.25, 0.15, 0.10, 0.06, 0.04])
NEGATIVES = 8
BATCH = 512
# KL divergence, in nats, below which training counts as converged; the
# two targets are 0.23 nats apart (see the last test), far above it.
TOLERANCE = 0.01


def _kl(target: torch.Tensor, model: torch.Tensor) -> float:
    """Mean over contexts of KL(target || model) in nats."""
    return float((target * (target.log() - model.log())).sum(dim=1).mean())


def _train(corrected: bool, steps: int = 500, seed: int = 0) -> torch.Tensor:
    """Return p_theta(y | x) after fitting phi with one of the two losses."""
    generator = torch.Generator().manual_seed(seed)
    phi = torch.zeros(2, 6, requires_grad=True)
    optimizer = torch.optim.Adam([phi], lr=0.05)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0 if step < 400 else 0.2)
    log_q = Q.log()
    for _ in range(steps):
        contexts = torch.randint(0, 2, (BATCH,), generator=generator)
        positives = torch.multinomial(P_DATA[contexts], 1, generator=generator)  # [B, 1]
        negatives = torch.multinomial(Q, BATCH * NEGATIVES, replacement=True, generator=generator)
        candidates = torch.cat([positives, negatives.view(BATCH, NEGATIVES)], dim=1)  # [B, 1 + L]
        logits = phi[contexts.unsqueeze(1), candidates]
        if corrected:
            logits = apply_logq_correction(logits, log_q[candidates])
        loss = softmax_cross_entropy(logits, torch.zeros(BATCH, dtype=torch.long))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
    return torch.softmax(phi.detach(), dim=1)


def _ipw_target() -> torch.Tensor:
    weighted = P_DATA / Q
    return weighted / weighted.sum(dim=1, keepdim=True)


def test_contrastive_loss_converges_to_ipw_target():
    learned = _train(corrected=False)
    assert _kl(_ipw_target(), learned) < TOLERANCE


def test_sampled_softmax_converges_to_data():
    learned = _train(corrected=True)
    assert _kl(P_DATA, learned) < TOLERANCE


def test_targets_are_far_apart():
    # Guards the two tests above: with r close to p_data they would not
    # tell the losses apart.
    assert _kl(_ipw_target(), P_DATA) > 20 * TOLERANCE
