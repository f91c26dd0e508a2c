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

`contrastive_cross_entropy` computes the contrastive loss from the
embeddings in one autograd node, so that candidates without gradient (the
cached queue) cost no backward matrix product.
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


class LogitsWorkspace:
    """Memory for the raw [P, C] logits, kept from one step to the next.

    On the CPU, a tensor this large (13 MB for 1,300 x 2,560 floats) tends
    to come from newly mapped pages, and the first write to each page costs
    a page fault. The raw logits live only during the forward pass, so
    reusing their memory is safe even when several forward passes run
    before a backward pass.
    """

    def __init__(self) -> None:
        self.storage: torch.Tensor | None = None

    def take(self, rows: int, columns: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
        """Return an uninitialised contiguous [rows, columns] tensor backed by the kept memory."""
        size = rows * columns
        storage = self.storage
        if storage is None or storage.numel() < size or storage.dtype != dtype or storage.device != device:
            storage = self.storage = torch.empty(size, dtype=dtype, device=device)
        return storage[:size].view(rows, columns)


class ContrastiveCrossEntropy(torch.autograd.Function):
    """Cross-entropy of users against trainable and frozen candidates, computed in one node.

    Through autograd, the [P, C] logits would get a gradient for every
    candidate column, and the columns of frozen candidates would be dropped
    afterwards. Here the backward pass multiplies only the trainable columns,
    and the log-probabilities saved by the forward pass become the gradient
    in place.
    """

    @staticmethod
    def forward(ctx, users, trainable, frozen, positive_columns, mask, compute_dtype, workspace):
        candidates = torch.cat([trainable.to(compute_dtype), frozen.to(compute_dtype)])  # [C, d]
        scaled = users.to(compute_dtype)
        if workspace is not None:
            out = workspace.take(scaled.shape[0], candidates.shape[0], compute_dtype, scaled.device)
            logits = torch.mm(scaled, candidates.T, out=out).float()  # [P, C]
        else:
            logits = (scaled @ candidates.T).float()
        if mask is not None:
            logits.masked_fill_(mask, MASKED_LOGIT)
        log_probs = torch.log_softmax(logits, dim=1)
        del logits
        # gather, unlike indexing, rejects a negative column instead of counting from the end.
        loss = -log_probs.gather(1, positive_columns.unsqueeze(1)).mean()
        ctx.save_for_backward(scaled, candidates, log_probs, positive_columns)
        ctx.trainable_count = trainable.shape[0]
        ctx.input_dtypes = (users.dtype, trainable.dtype)
        return loss

    @staticmethod
    def backward(ctx, grad_loss):
        if torch.is_grad_enabled():
            # create_graph=True: the in-place gradient below has no graph of its own, so a
            # second-order term would silently come out as zero.
            raise RuntimeError(
                "contrastive_cross_entropy has first-order gradients only; call backward without "
                "create_graph=True, or compute this loss with softmax_cross_entropy"
            )
        scaled, candidates, log_probs, positive_columns = ctx.saved_tensors
        count = scaled.shape[0]
        # d loss / d logits = (softmax - one-hot of the positive) / P. Masked columns have softmax 0.
        grad_logits = log_probs.exp_()
        rows = torch.arange(count, device=grad_logits.device)
        grad_logits[rows, positive_columns] -= 1.0
        grad_logits = grad_logits.to(scaled.dtype)
        # An empty batch has a NaN loss; dividing by 1 keeps its (empty) gradients finite, as autograd's are.
        scale = grad_loss / max(count, 1)
        grad_users = grad_trainable = None
        if ctx.needs_input_grad[0]:
            grad_users = (grad_logits @ candidates).mul_(scale).to(ctx.input_dtypes[0])
        if ctx.needs_input_grad[1]:
            grad_trainable = (grad_logits[:, : ctx.trainable_count].T @ scaled).mul_(scale)
            grad_trainable = grad_trainable.to(ctx.input_dtypes[1])
        return grad_users, grad_trainable, None, None, None, None, None


def contrastive_cross_entropy(
    users: torch.Tensor,
    trainable: torch.Tensor,
    frozen: torch.Tensor | None,
    positive_columns: torch.Tensor,
    mask: torch.Tensor | None = None,
    workspace: LogitsWorkspace | None = None,
) -> torch.Tensor:
    """Return softmax_cross_entropy(users @ [trainable; frozen].T, positive_columns, mask).

    The value and the gradients of `users` and `trainable` equal those of
    the plain computation; `frozen` gets no gradient and adds no backward product.

    Args:
        users: [P, d] user embeddings, already prepared for the score and
            divided by the temperature.
        trainable: [C1, d] candidates that receive gradient (columns 0 to C1 - 1).
        frozen: optional [C2, d] candidates without gradient (columns C1 onwards).
        positive_columns: [P] column of each row's positive.
        mask: optional [P, C1 + C2] bool, True where a candidate is excluded.
        workspace: optional memory for the raw logits, reused across calls.
    """
    if frozen is None:
        frozen = trainable.new_empty(0, trainable.shape[1])
    compute_dtype = torch.promote_types(users.dtype, trainable.dtype)
    if torch.is_autocast_enabled(users.device.type) and compute_dtype != torch.float64:
        # The product runs in the autocast dtype, as the matrix product outside this node would.
        # Autocast leaves float64 alone, so this node does too.
        compute_dtype = torch.get_autocast_dtype(users.device.type)
    with torch.autocast(users.device.type, enabled=False):
        return ContrastiveCrossEntropy.apply(
            users, trainable, frozen.detach(), positive_columns, mask, compute_dtype, workspace
        )


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
