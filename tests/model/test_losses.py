"""Loss functions and hit masks against values worked out by hand."""

from __future__ import annotations

import math

import pytest
import torch

from clrec.model.losses import (
    MASKED_LOGIT,
    LogitsWorkspace,
    accidental_hit_mask,
    apply_logq_correction,
    contrastive_cross_entropy,
    history_table,
    softmax_cross_entropy,
)


def test_cross_entropy_matches_hand_value():
    # -log(e^2 / (e^2 + e^0 + e^0)) = log(1 + 2 e^-2) = log(1.270671) = 0.239545
    loss = softmax_cross_entropy(torch.tensor([[2.0, 0.0, 0.0]]), torch.tensor([0]))
    assert loss.item() == pytest.approx(math.log(1 + 2 * math.exp(-2)), abs=1e-6)
    assert loss.item() == pytest.approx(0.239545, abs=1e-6)


def test_cross_entropy_masked_column_drops_out():
    # Column 1 masked: -log(e^1 / (e^1 + e^0)) = log(1 + e^-1) = 0.313262
    loss = softmax_cross_entropy(
        torch.tensor([[1.0, 3.0, 0.0]]), torch.tensor([0]), torch.tensor([[False, True, False]])
    )
    assert loss.item() == pytest.approx(0.313262, abs=1e-6)


def test_cross_entropy_positive_not_in_column_zero():
    # Row 0: positive in column 2 of [0, 0, 1]: -log(e / (2 + e)) = log(1 + 2/e) = 0.551444
    # Row 1: positive in column 0 of [1, 1, 1]: log 3 = 1.098612; mean 0.825028
    loss = softmax_cross_entropy(torch.tensor([[0.0, 0.0, 1.0], [1.0, 1.0, 1.0]]), torch.tensor([2, 0]))
    assert loss.item() == pytest.approx((math.log(1 + 2 / math.e) + math.log(3)) / 2, abs=1e-6)


def test_masked_logit_is_large_negative():
    assert MASKED_LOGIT <= -1e6


def test_logq_correction_worked_example():
    # [1, 1] with q = [0.5, 0.01]: [1 - ln 0.5, 1 - ln 0.01] = [1.693147, 5.605170]
    corrected = apply_logq_correction(torch.tensor([1.0, 1.0]), torch.log(torch.tensor([0.5, 0.01])))
    assert corrected[0].item() == pytest.approx(1.693147, abs=1e-5)
    assert corrected[1].item() == pytest.approx(5.605170, abs=1e-5)


def test_logq_corrected_loss_worked_example():
    # Softmax of [1.693, 5.605] at the positive (column 0):
    # -log(1 / (1 + e^(5.605 - 1.693))) = log(1 + 0.5 / 0.01) = log 51 = 3.931826
    corrected = apply_logq_correction(torch.tensor([[1.0, 1.0]]), torch.log(torch.tensor([0.5, 0.01])))
    loss = softmax_cross_entropy(corrected, torch.tensor([0]))
    assert loss.item() == pytest.approx(math.log(51), abs=1e-5)


def test_hit_mask_same_item_spares_own_column():
    # Rows with positives [5, 7] against candidates [5, 7, 5]: row 0 masks
    # the second 5 (column 2) but not its own column 0; row 1 masks nothing.
    mask = accidental_hit_mask(
        torch.tensor([5, 7]), torch.tensor([5, 7, 5]), torch.tensor([0, 1]), "same_item"
    )
    assert mask.tolist() == [[False, False, True], [False, False, False]]


def test_hit_mask_none_returns_none():
    assert accidental_hit_mask(torch.tensor([1]), torch.tensor([1, 1]), torch.tensor([0]), "none") is None


def test_hit_mask_history_masks_window_items():
    # Window 0 contains items {1, 2, 3} and window 1 contains {4}. Row 0
    # (window 0, positive 3) masks candidates 1 and 2 but not its own column.
    # Row 1 (window 1, positive 4) masks only the second copy of 4.
    windows = torch.tensor([[0, 1, 2, 3], [0, 0, 0, 4]])
    history = history_table(windows, num_items=5)
    mask = accidental_hit_mask(
        torch.tensor([3, 4]),
        torch.tensor([3, 4, 1, 2, 5, 4]),
        torch.tensor([0, 1]),
        "history",
        history=history,
        row_windows=torch.tensor([0, 1]),
    )
    assert mask[0].tolist() == [False, False, True, True, False, False]
    assert mask[1].tolist() == [False, False, False, False, False, True]


def test_hit_mask_per_row_candidates():
    # Sampled softmax layout: column 0 is the row's positive, the rest the
    # shared negatives [2, 1]; row 0 (positive 1) masks its copy of 1.
    candidates = torch.tensor([[1, 2, 1], [2, 2, 1]])
    mask = accidental_hit_mask(torch.tensor([1, 2]), candidates, torch.tensor([0, 0]), "same_item")
    assert mask.tolist() == [[False, False, True], [False, True, False]]


def test_history_table_excludes_padding():
    table = history_table(torch.tensor([[0, 0, 2]]), num_items=3)
    assert table.tolist() == [[False, False, True, False]]


def test_hit_mask_rejects_unknown_mode():
    with pytest.raises(ValueError, match="unknown accidental-hit mode 'all'"):
        accidental_hit_mask(torch.tensor([1]), torch.tensor([1]), torch.tensor([0]), "all")


def _plain_loss(users, trainable, frozen, columns, mask):
    candidates = torch.cat([trainable, frozen]) if frozen is not None else trainable
    return softmax_cross_entropy(users @ candidates.T, columns, mask)


@pytest.mark.parametrize("with_frozen", [True, False])
@pytest.mark.parametrize("with_mask", [True, False])
def test_contrastive_matches_plain_autograd(with_frozen, with_mask):
    generator = torch.Generator().manual_seed(0)
    users = torch.randn(6, 4, generator=generator, dtype=torch.float64)
    trainable = torch.randn(6, 4, generator=generator, dtype=torch.float64)
    frozen = torch.randn(5, 4, generator=generator, dtype=torch.float64) if with_frozen else None
    columns = torch.tensor([0, 1, 2, 3, 4, 5])
    width = 11 if with_frozen else 6
    mask = torch.zeros(6, width, dtype=torch.bool)
    if with_mask:
        mask[0, 1] = mask[2, width - 1] = mask[5, 0] = True
    expected_inputs = [users.clone().requires_grad_(), trainable.clone().requires_grad_()]
    expected = _plain_loss(*expected_inputs, frozen, columns, mask if with_mask else None)
    expected.backward()
    inputs = [users.clone().requires_grad_(), trainable.clone().requires_grad_()]
    loss = contrastive_cross_entropy(*inputs, frozen, columns, mask if with_mask else None)
    loss.backward()
    assert loss.item() == pytest.approx(expected.item(), abs=1e-6)
    for got, want in zip(inputs, expected_inputs):
        torch.testing.assert_close(got.grad, want.grad, atol=1e-6, rtol=1e-5)


def test_contrastive_hand_value():
    # One user [1, 0] over T = 1 against trainable [[2, 0]] and frozen [[0, 0], [0, 5]]:
    # logits [2, 0, 0]; -log(e^2 / (e^2 + 2)) = log(1 + 2 e^-2) = 0.239545
    users = torch.tensor([[1.0, 0.0]], requires_grad=True)
    loss = contrastive_cross_entropy(
        users, torch.tensor([[2.0, 0.0]]), torch.tensor([[0.0, 0.0], [0.0, 5.0]]), torch.tensor([0])
    )
    assert loss.item() == pytest.approx(0.239545, abs=1e-6)


def test_contrastive_frozen_gets_no_gradient():
    frozen = torch.randn(3, 2, requires_grad=True)
    users = torch.randn(2, 2, requires_grad=True)
    trainable = torch.randn(2, 2, requires_grad=True)
    contrastive_cross_entropy(users, trainable, frozen, torch.tensor([0, 1])).backward()
    assert frozen.grad is None
    assert users.grad is not None
    assert trainable.grad is not None


def test_contrastive_under_cpu_autocast():
    users = torch.randn(4, 8, requires_grad=True)
    trainable = torch.randn(4, 8, requires_grad=True)
    frozen = torch.randn(3, 8)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = contrastive_cross_entropy(users, trainable, frozen, torch.arange(4))
    loss.backward()
    assert loss.dtype == torch.float32
    assert users.grad.dtype == torch.float32
    assert trainable.grad.dtype == torch.float32
    expected = _plain_loss(users.detach(), trainable.detach(), frozen, torch.arange(4), None)
    # bfloat16 keeps 8 significant bits, so the product differs from float32 in the second decimal.
    assert loss.item() == pytest.approx(expected.item(), abs=0.1)


def test_contrastive_rejects_second_backward():
    users = torch.randn(2, 2, requires_grad=True)
    loss = contrastive_cross_entropy(users, torch.randn(2, 2), None, torch.tensor([0, 1]))
    loss.backward(retain_graph=True)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_workspace_reuses_and_grows():
    workspace = LogitsWorkspace()
    first = workspace.take(3, 4, torch.float32, torch.device("cpu"))
    smaller = workspace.take(2, 5, torch.float32, torch.device("cpu"))
    assert smaller.data_ptr() == first.data_ptr()
    larger = workspace.take(4, 5, torch.float32, torch.device("cpu"))
    assert larger.shape == (4, 5)
    assert workspace.storage.numel() == 20


def test_contrastive_workspace_matches_plain():
    generator = torch.Generator().manual_seed(1)
    workspace = LogitsWorkspace()
    for rows, frozen_rows in ((5, 7), (3, 2), (6, 9)):
        users = torch.randn(rows, 4, generator=generator)
        trainable = torch.randn(rows, 4, generator=generator)
        frozen = torch.randn(frozen_rows, 4, generator=generator)
        columns = torch.arange(rows)
        with_workspace = contrastive_cross_entropy(users, trainable, frozen, columns, workspace=workspace)
        without = contrastive_cross_entropy(users, trainable, frozen, columns)
        assert with_workspace.item() == pytest.approx(without.item(), abs=1e-6)


def test_contrastive_rejects_negative_column():
    with pytest.raises(RuntimeError, match="out of bounds"):
        contrastive_cross_entropy(torch.randn(2, 3), torch.randn(2, 3), torch.randn(2, 3), torch.tensor([0, -1]))


def test_contrastive_empty_batch_finite_gradients():
    users = torch.randn(0, 3, requires_grad=True)
    trainable = torch.randn(2, 3, requires_grad=True)
    loss = contrastive_cross_entropy(users, trainable, None, torch.zeros(0, dtype=torch.long))
    loss.backward()
    assert torch.isnan(loss)
    assert torch.isfinite(trainable.grad).all()


def test_contrastive_keeps_float64_under_autocast():
    users = torch.randn(3, 4, dtype=torch.float64)
    trainable = torch.randn(3, 4, dtype=torch.float64)
    expected = _plain_loss(users, trainable, None, torch.arange(3), None)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = contrastive_cross_entropy(users, trainable, None, torch.arange(3))
    assert loss.item() == pytest.approx(expected.item(), abs=1e-6)


def test_contrastive_rejects_second_order_gradients():
    users = torch.randn(2, 2, requires_grad=True)
    loss = contrastive_cross_entropy(users, torch.randn(2, 2), None, torch.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="first-order gradients only"):
        torch.autograd.grad(loss, users, create_graph=True)
