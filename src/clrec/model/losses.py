"""Softmax losses over a candidate set: CLRec's contrastive loss and sampled softmax.

Every loss here is a cross-entropy over logits[p, c] = phi(x_p, y_c) / T,
row p's positive sitting in column `positive_columns[p]`:

- contrastive loss: the logits as they are, negatives drawn implicitly from
  the data distribution (the batch or the queue);
- sampled softmax with log-q correction: ln q(y_c) subtracted from every
  logit, the positive's included. The temperature divides the score first,
  so the corrected logit is phi / T - ln q;
- full softmax: the candidates are the whole catalog.

`binary_cross_entropy` is the exception: SASRec's logistic loss, one
positive and one negative per row, each scored on its own.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

# Logit given to a masked candidate. A large finite negative keeps the
# softmax free of NaN (no inf - inf) while giving the candidate a weight of
# exp(-1e9), which is exactly 0 in float32.
MASKED_LOGIT = -1e9


def softmax_cross_entropy(
    logits: torch.Tensor, positive_columns: torch.Tensor, mask: torch.Tensor | None = None
) -> torch.Tensor:
    """Return the mean over rows of -log softmax(logits)[p, positive_columns[p]].

    Args:
        logits: [P, C] scores already divided by the temperature.
        positive_columns: [P] column of each row's positive.
        mask: optional [P, C] bool, True where a candidate is excluded. A
            row's positive column must not be masked.
    """
    logits = logits.float()
    if mask is not None:
        logits = logits.masked_fill(mask, MASKED_LOGIT)
    return F.cross_entropy(logits, positive_columns)


def apply_logq_correction(logits: torch.Tensor, log_q: torch.Tensor) -> torch.Tensor:
    """Return logits - ln q (broadcast), the correction of sampled softmax.

    Example: logits [1, 1] with q = [0.5, 0.01] become
    [1 - ln 0.5, 1 - ln 0.01] = [1.693, 5.605].
    """
    return logits.float() - log_q.float()


def accidental_hit_mask(
    positive_ids: torch.Tensor,
    candidate_ids: torch.Tensor,
    positive_columns: torch.Tensor,
    mode: str,
    history: torch.Tensor | None = None,
    row_windows: torch.Tensor | None = None,
) -> torch.Tensor | None:
    """Return the [P, C] bool mask of negatives that are really positives for their row.

    Args:
        positive_ids: [P] item id of each row's positive.
        candidate_ids: [C] (shared by all rows) or [P, C] item id of each candidate.
        positive_columns: [P] column of each row's own positive, never masked.
        mode: `none` (returns None), `same_item` (candidates equal to the
            row's positive) or `history` (also any item in `history` of the row).
        history: [W, N + 1] bool, history[w, i] is True when window w contains item i.
        row_windows: [P] window index of each row into `history`.
    """
    if mode == "none":
        return None
    if candidate_ids.dim() == 1:
        candidate_ids = candidate_ids.unsqueeze(0)
    mask = candidate_ids == positive_ids.unsqueeze(1)
    if mode == "history":
        if history is None or row_windows is None:
            raise ValueError("mode 'history' needs the history table and each row's window")
        mask = mask | history[row_windows.unsqueeze(1), candidate_ids]
    elif mode != "same_item":
        raise ValueError(f"unknown accidental-hit mode {mode!r}; use none, same_item or history")
    rows = torch.arange(positive_ids.numel(), device=mask.device)
    mask[rows, positive_columns] = False
    return mask


def history_table(windows: torch.Tensor, num_items: int) -> torch.Tensor:
    """Return [W, N + 1] bool: which items each window [W, T] contains (padding 0 excluded)."""
    table = torch.zeros(windows.shape[0], num_items + 1, dtype=torch.bool, device=windows.device)
    table.scatter_(1, windows, True)
    table[:, 0] = False
    return table


def binary_cross_entropy(
    positive_logits: torch.Tensor, negative_logits: torch.Tensor, negative_weights: torch.Tensor
) -> torch.Tensor:
    """Return the mean over rows of -log sigmoid(positive) - weight * log(1 - sigmoid(negative)).

    Args:
        positive_logits: [P] score of each row's positive.
        negative_logits: [P] score of each row's negative.
        negative_weights: [P] float, 0 where the negative is the row's own positive.
    """
    positive_term = F.softplus(-positive_logits.float())
    negative_term = F.softplus(negative_logits.float()) * negative_weights
    return (positive_term + negative_term).mean()
