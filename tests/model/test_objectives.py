"""Each loss kind on a two-dimensional id-only model whose embeddings are set by hand.

Items: g(1) = [1, 0], g(2) = [0, 1], g(3) = [1, 1], g(4) = [1, 0]; inner
product score. The users are given directly, so every logit is a dot product
divided by the temperature.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from clrec.config.train import LossConfig
from clrec.model.losses import history_table
from clrec.model.objectives import (
    BinaryCrossEntropyObjective,
    CachedQueueObjective,
    FullSoftmaxObjective,
    InBatchObjective,
    MomentumQueueObjective,
    PositiveBatch,
    RawQueueObjective,
    SampledSoftmaxObjective,
    build_objective,
)
from clrec.model.sampler import PopularitySampler
from clrec.model.spec import ModelSpec
from clrec.model.two_tower import TwoTowerModel

CPU = torch.device("cpu")
ITEMS = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0]]


def _model(temperature: float = 0.5) -> TwoTowerModel:
    spec = ModelSpec(
        num_items=4, dim=2, max_length=4, num_layers=1, num_heads=1, dropout=0.0, feature_dim=2,
        share_item_embedding=False, text_encoder="none", score="inner_product", temperature=temperature,
    )
    model = TwoTowerModel(spec, [])
    with torch.no_grad():
        model.item_tower.id_embedding.weight.copy_(torch.tensor(ITEMS))
    return model


def _batch(users: list[list[float]], positives: list[int], windows: torch.Tensor | None = None) -> PositiveBatch:
    count = len(positives)
    return PositiveBatch(
        users=torch.tensor(users, dtype=torch.float32),
        positive_ids=torch.tensor(positives),
        row_windows=torch.arange(count) if windows is not None else torch.zeros(count, dtype=torch.long),
        history=history_table(windows, 4) if windows is not None else None,
    )


def test_in_batch_loss_matches_hand_value():
    # Users [1,0], [0,1] with positives 1, 2; logits = U I^T / 0.5 = [[2, 0], [0, 2]].
    # Each row: -log(e^2 / (e^2 + 1)) = log(1 + e^-2) = 0.126928; mean the same.
    loss = InBatchObjective("none")(_model(), _batch([[1, 0], [0, 1]], [1, 2]))
    assert loss.item() == pytest.approx(math.log(1 + math.exp(-2)), abs=1e-6)


def test_cached_queue_second_step_uses_older_entries():
    objective = CachedQueueObjective("none", queue_size=3, dim=2, device=CPU)
    model = _model()
    first = objective(model, _batch([[1, 0], [0, 1]], [1, 2]))
    # Step 1: the queue is empty, so this is the in-batch value log(1 + e^-2).
    assert first.item() == pytest.approx(math.log(1 + math.exp(-2)), abs=1e-6)
    # Step 2: user [1,0], positive 3 = [1,1]; candidates [g3, g2, g1] (present,
    # then newest first), logits [1, 0, 1] / 0.5 = [2, 0, 2]:
    # -log(e^2 / (2 e^2 + 1)) = log(2 + e^-2) = 0.758616
    second = objective(model, _batch([[1, 0]], [3]))
    assert second.item() == pytest.approx(math.log(2 + math.exp(-2)), abs=1e-6)
    assert objective.queue.entries()[0].tolist() == [3, 2, 1]


def test_cached_queue_masks_copy_of_positive():
    # Step 2 with positive 1 again: candidates [g1 (present), g2, g1 (queued)],
    # logits [2, 0, 2]. Masking same_item leaves [2, 0]: log(1 + e^-2) = 0.126928;
    # without masking: log(2 + e^-2) = 0.758616.
    values = {}
    for mode in ("same_item", "none"):
        objective = CachedQueueObjective(mode, queue_size=3, dim=2, device=CPU)
        model = _model()
        objective(model, _batch([[1, 0], [0, 1]], [1, 2]))
        values[mode] = objective(model, _batch([[1, 0]], [1])).item()
    assert values["same_item"] == pytest.approx(math.log(1 + math.exp(-2)), abs=1e-6)
    assert values["none"] == pytest.approx(math.log(2 + math.exp(-2)), abs=1e-6)


def test_queue_smaller_than_batch_uses_batch_only():
    # Queue of 1 with 2 positives: all present positives stay candidates
    # (the in-batch value), and the queue keeps only the newest, item 2.
    objective = CachedQueueObjective("none", queue_size=1, dim=2, device=CPU)
    loss = objective(_model(), _batch([[1, 0], [0, 1]], [1, 2]))
    assert loss.item() == pytest.approx(math.log(1 + math.exp(-2)), abs=1e-6)
    assert objective.queue.entries()[0].tolist() == [2]


def _id_gradient(objective, rows_first, rows_second) -> torch.Tensor:
    model = _model()
    objective(model, _batch(*rows_first))
    model.zero_grad()
    objective(model, _batch(*rows_second)).backward()
    return model.item_tower.id_embedding.weight.grad


def test_cached_queue_gradient_skips_cached_entries():
    # Step 1 caches g(1) and g(2). Step 2 (positive 3) must put gradient on
    # row 3 (present) and none on rows 1 and 2 (cached, detached).
    grad = _id_gradient(
        CachedQueueObjective("none", 3, 2, CPU), ([[1, 0], [0, 1]], [1, 2]), ([[1, 0]], [3])
    )
    assert grad[3].abs().sum() > 0
    assert grad[1].abs().sum() == 0
    assert grad[2].abs().sum() == 0


def test_cached_queue_gradient_reaches_present_negatives():
    # Step 2 has positives 3 and 4, so row 0 scores g(4) as a present
    # negative. Both present rows get gradient and the cached rows 1, 2 none.
    grad = _id_gradient(
        CachedQueueObjective("none", 4, 2, CPU), ([[1, 0], [0, 1]], [1, 2]), ([[1, 0], [0, 1]], [3, 4])
    )
    assert grad[3].abs().sum() > 0
    assert grad[4].abs().sum() > 0
    assert grad[1].abs().sum() == 0
    assert grad[2].abs().sum() == 0


def test_raw_queue_gradient_reaches_queued_items():
    # The raw queue encodes the queued ids again, so rows 1 and 2 get gradient.
    grad = _id_gradient(RawQueueObjective("none", 3, CPU), ([[1, 0], [0, 1]], [1, 2]), ([[1, 0]], [3]))
    assert grad[3].abs().sum() > 0
    assert grad[1].abs().sum() > 0
    assert grad[2].abs().sum() > 0


def test_raw_queue_loss_equals_cached_at_same_weights():
    # With unchanged weights, encoding the queued ids again gives the cached
    # values, so step 2 is log(2 + e^-2) as in the cached test.
    objective = RawQueueObjective("none", 3, CPU)
    model = _model()
    objective(model, _batch([[1, 0], [0, 1]], [1, 2]))
    assert objective(model, _batch([[1, 0]], [3])).item() == pytest.approx(math.log(2 + math.exp(-2)), abs=1e-6)


def test_full_softmax_matches_hand_value():
    # Temperature 1, user [1,0], positive 1: logits over items 1..4 are
    # [1, 0, 1, 1]: -log(e / (3e + 1)) = log(3 + e^-1) = 1.214444
    loss = FullSoftmaxObjective("none")(_model(1.0), _batch([[1, 0]], [1]))
    assert loss.item() == pytest.approx(math.log(3 + math.exp(-1)), abs=1e-6)


def test_full_softmax_history_masking():
    # The row's window contains items 3 and 1, so item 3 is masked, leaving
    # [1, 0, -, 1]: log(2 + e^-1) = 0.861995
    windows = torch.tensor([[3, 1]])
    loss = FullSoftmaxObjective("history")(_model(1.0), _batch([[1, 0]], [1], windows))
    assert loss.item() == pytest.approx(math.log(2 + math.exp(-1)), abs=1e-6)


def test_sampled_softmax_matches_formula():
    # Temperature 0.5 and user [0.5, 0]: items 1 and 4 (both [1, 0]) score
    # 0.5 / 0.5 = 1, item 2 scores 0. q = [0, 0.5, 0.01, 0, 0.49]. The
    # temperature divides first, so logit(y) = score(y) / T - ln q(y), and
    # the loss is log(sum_c e^logit(c)) - logit(positive). For a single
    # negative 2 this is the worked example: logits [1 - ln 0.5, 0 - ln 0.01].
    q = torch.tensor([0.0, 0.5, 0.01, 0.0, 0.49])
    sampler = PopularitySampler(q, seed=3)
    objective = SampledSoftmaxObjective("none", sampler, num_negatives=6, encode_negative_features=True)
    loss = objective(_model(0.5), _batch([[0.5, 0.0]], [1]))
    replay = torch.multinomial(q, 6, replacement=True, generator=torch.Generator().manual_seed(3))
    scores = {1: 1.0, 2: 0.0, 4: 1.0}
    logits = [scores[1] - math.log(0.5)] + [scores[int(y)] - math.log(float(q[y])) for y in replay]
    expected = math.log(sum(math.exp(value) for value in logits)) - logits[0]
    assert loss.item() == pytest.approx(expected, abs=1e-5)


def test_sampled_softmax_temperature_before_correction():
    # Dividing after the correction would give logit(y) = (score(y) - ln q(y)) / T;
    # with T = 0.25 that multiplies the ln q terms by 4. The loss must match
    # the divide-first value score(y) / T - ln q(y) and differ from the other.
    q = torch.tensor([0.0, 0.3, 0.3, 0.0, 0.4])
    objective = SampledSoftmaxObjective("none", PopularitySampler(q, seed=3), 6, True)
    loss = objective(_model(0.25), _batch([[0.5, 0.0]], [1])).item()
    replay = torch.multinomial(q, 6, replacement=True, generator=torch.Generator().manual_seed(3))
    raw = {1: 0.5, 2: 0.0, 4: 0.5}
    ids = [1] + [int(y) for y in replay]
    first = [raw[y] / 0.25 - math.log(float(q[y])) for y in ids]
    after = [(raw[y] - math.log(float(q[y]))) / 0.25 for y in ids]

    def cross_entropy(logits: list[float]) -> float:
        return math.log(sum(math.exp(value) for value in logits)) - logits[0]

    assert loss == pytest.approx(cross_entropy(first), abs=1e-5)
    assert abs(loss - cross_entropy(after)) > 0.1


def test_sampled_softmax_masks_drawn_positive():
    # Every draw is item 1 (q(1) = 1), the positive itself. Masked, only the
    # positive remains and the loss is 0; unmasked, five equal logits give log 5.
    q = torch.tensor([0.0, 1.0, 0.0, 0.0, 0.0])
    values = {}
    for mode in ("same_item", "none"):
        objective = SampledSoftmaxObjective(mode, PopularitySampler(q, seed=0), 4, True)
        values[mode] = objective(_model(), _batch([[1, 0]], [1])).item()
    assert values["same_item"] == pytest.approx(0.0, abs=1e-6)
    assert values["none"] == pytest.approx(math.log(5), abs=1e-6)


def test_binary_cross_entropy_matches_hand_value():
    # Temperature 1, user [1, 0], positive 1 (logit 1). q puts all mass on
    # item 2 (logit 0): -log sigmoid(1) - log(1 - sigmoid(0)) = 0.313262 + 0.693147.
    q = torch.tensor([0.0, 0.0, 1.0, 0.0, 0.0])
    objective = BinaryCrossEntropyObjective(PopularitySampler(q, seed=0))
    loss = objective(_model(1.0), _batch([[1, 0]], [1])).item()
    assert loss == pytest.approx(math.log(1 + math.exp(-1)) + math.log(2), abs=1e-6)


def test_binary_cross_entropy_skips_drawn_positive():
    # The only item q can draw is the positive itself, so only the positive term remains.
    q = torch.tensor([0.0, 1.0, 0.0, 0.0, 0.0])
    objective = BinaryCrossEntropyObjective(PopularitySampler(q, seed=0))
    loss = objective(_model(1.0), _batch([[1, 0]], [1])).item()
    assert loss == pytest.approx(math.log(1 + math.exp(-1)), abs=1e-6)


def test_binary_cross_entropy_draws_uniformly():
    counts = np.array([0, 100, 1, 0, 5])
    objective = build_objective(LossConfig(kind="binary_cross_entropy"), _model(), counts, seed=0, device=CPU)
    draws = objective.sampler.sample(4000)
    shares = torch.bincount(draws, minlength=5)[1:].float() / 4000
    assert shares.tolist() == pytest.approx([0.25, 0.25, 0.25, 0.25], abs=0.03)


def test_momentum_queue_enqueues_momentum_embeddings():
    # The momentum copy starts equal to the item tower; after the weights
    # change, it moves by (1 - m) of the difference.
    model = _model()
    objective = MomentumQueueObjective("none", 4, model, momentum=0.9, device=CPU)
    objective(model, _batch([[1, 0]], [1]))
    assert objective.queue.entries()[1].tolist() == [[1.0, 0.0]]
    with torch.no_grad():
        model.item_tower.id_embedding.weight[1] = torch.tensor([2.0, 0.0])
    objective.after_optimizer_step(model)
    # 0.9 * [1, 0] + 0.1 * [2, 0] = [1.1, 0]
    momentum_row = objective.momentum_tower.id_embedding.weight[1]
    assert momentum_row.tolist() == pytest.approx([1.1, 0.0])


def test_build_objective_picks_kind():
    model = _model()
    counts = np.array([0, 3, 1, 0, 2])
    kinds = {
        "in_batch": InBatchObjective,
        "raw_queue": RawQueueObjective,
        "cached_queue": CachedQueueObjective,
        "momentum_queue": MomentumQueueObjective,
        "sampled_softmax": SampledSoftmaxObjective,
        "full_softmax": FullSoftmaxObjective,
        "binary_cross_entropy": BinaryCrossEntropyObjective,
    }
    for kind, expected in kinds.items():
        objective = build_objective(LossConfig(kind=kind, queue_size=8), model, counts, seed=0, device=CPU)
        assert type(objective) is expected, kind


def test_objective_state_carries_queue():
    model = _model()
    objective = CachedQueueObjective("none", 3, 2, CPU)
    objective(model, _batch([[1, 0], [0, 1]], [1, 2]))
    restored = CachedQueueObjective("none", 3, 2, CPU)
    restored.load_state_dict(objective.state_dict())
    assert restored.queue.entries()[0].tolist() == [2, 1]
