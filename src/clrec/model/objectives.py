"""Training objectives, one per `train.loss.kind`.

Each objective turns the user states of a batch and their positive item ids
into a scalar loss, choosing the candidates (negatives) its own way:

- `InBatchObjective` (kind `in_batch`): the batch's positives;
- `RawQueueObjective` (`raw_queue`): the batch's positives plus the ids of
  earlier positives from a FIFO queue, encoded again at every step;
- `CachedQueueObjective` (`cached_queue`): the batch's positives plus the
  cached embeddings of earlier positives, which carry no gradient;
- `MomentumQueueObjective` (`momentum_queue`): as cached, but the queue is
  filled by a momentum copy of the item tower;
- `SampledSoftmaxObjective` (`sampled_softmax`): L negatives drawn from the
  popularity proposal q and shared by the batch, with the log-q correction;
- `FullSoftmaxObjective` (`full_softmax`): every item of the catalog;
- `BinaryCrossEntropyObjective` (`binary_cross_entropy`): SASRec's logistic
  loss with one uniformly drawn negative per positive.

For the queue kinds, the present batch's positives are put in front of the
queue's entries, as if enqueued first: they keep their gradient and are
the newest entries. The candidates are the present positives plus the
newest `queue_size - P` older entries, so the candidate count is
`max(P, queue_size)` once the queue is full. A batch with more positives
than `queue_size` therefore works and uses only in-batch negatives.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from clrec.config.train import LossConfig
from clrec.model.losses import (
    LogitsWorkspace,
    accidental_hit_mask,
    apply_logq_correction,
    binary_cross_entropy,
    contrastive_cross_entropy,
    softmax_cross_entropy,
)
from clrec.model.queue import ItemQueue
from clrec.model.sampler import PopularitySampler, proposal_distribution
from clrec.model.two_tower import TwoTowerModel


@dataclass
class PositiveBatch:
    """The positives of one step, one row per non-padding position.

    Attributes:
        users: [P, d] user states f(x) at each position.
        positive_ids: [P] item that followed each position.
        row_windows: [P] index of the row's training window in the batch.
        history: [W, N + 1] bool table of the items of each window, or None
            when accidental hits are not masked by history.
    """

    users: torch.Tensor
    positive_ids: torch.Tensor
    row_windows: torch.Tensor
    history: torch.Tensor | None


class Objective(nn.Module):
    """Base class: the contrastive cross-entropy over a candidate set with hit masking."""

    def __init__(self, accidental_hits: str) -> None:
        super().__init__()
        self.accidental_hits = accidental_hits
        self.logits_workspace = LogitsWorkspace()

    def forward(self, model: TwoTowerModel, batch: PositiveBatch) -> torch.Tensor:
        raise NotImplementedError

    def after_optimizer_step(self, model: TwoTowerModel) -> None:
        """Update state that follows the weights (the momentum encoder); nothing by default."""

    def contrastive_loss(
        self,
        model: TwoTowerModel,
        batch: PositiveBatch,
        candidates: torch.Tensor,
        candidate_ids: torch.Tensor,
        positive_columns: torch.Tensor,
        cached: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Return the cross-entropy of users [P, d] against candidates [C1, d], then cached [C2, d].

        `cached` contains embeddings without gradient, and `candidate_ids`
        contains the ids of all C1 + C2 columns.
        """
        mask = accidental_hit_mask(
            batch.positive_ids,
            candidate_ids,
            positive_columns,
            self.accidental_hits,
            history=batch.history,
            row_windows=batch.row_windows,
        )
        return contrastive_cross_entropy(
            model.scaled_users(batch.users),
            model.prepared_items(candidates),
            model.prepared_items(cached) if cached is not None else None,
            positive_columns,
            mask,
            self.logits_workspace,
        )


class InBatchObjective(Objective):
    """CLRec with the other positives of the batch as negatives."""

    def forward(self, model: TwoTowerModel, batch: PositiveBatch) -> torch.Tensor:
        present = model.encode_items(batch.positive_ids)  # [P, d]
        columns = torch.arange(batch.positive_ids.numel(), device=present.device)
        return self.contrastive_loss(model, batch, present, batch.positive_ids, columns)


class RawQueueObjective(Objective):
    """CLRec with a queue of earlier positive ids, encoded again (with gradient) at every step."""

    def __init__(self, accidental_hits: str, queue_size: int, device: torch.device) -> None:
        super().__init__(accidental_hits)
        self.queue = ItemQueue(queue_size, dim=None, device=device)

    def forward(self, model: TwoTowerModel, batch: PositiveBatch) -> torch.Tensor:
        count = batch.positive_ids.numel()
        older_ids, _ = self.queue.entries(limit=self.queue.capacity - count)
        candidate_ids = torch.cat([batch.positive_ids, older_ids])  # [C]
        candidates = model.encode_items(candidate_ids)  # [C, d]
        columns = torch.arange(count, device=candidates.device)
        loss = self.contrastive_loss(model, batch, candidates, candidate_ids, columns)
        self.queue.enqueue(batch.positive_ids)
        return loss

    def get_extra_state(self) -> dict:
        return {"queue": self.queue.state_dict()}

    def set_extra_state(self, state: dict) -> None:
        self.queue.load_state_dict(state["queue"])


class CachedQueueObjective(Objective):
    """CLRec with a queue of cached item embeddings, the default loss of CLRec.

    Only the present batch's positives are encoded; the older entries are
    reused as they were computed, without gradient.
    """

    def __init__(self, accidental_hits: str, queue_size: int, dim: int, device: torch.device) -> None:
        super().__init__(accidental_hits)
        self.queue = ItemQueue(queue_size, dim=dim, device=device)

    def queue_keys(self, model: TwoTowerModel, batch: PositiveBatch, present: torch.Tensor) -> torch.Tensor:
        """Return the embeddings to enqueue for the present positives."""
        return present.detach()

    def forward(self, model: TwoTowerModel, batch: PositiveBatch) -> torch.Tensor:
        count = batch.positive_ids.numel()
        present = model.encode_items(batch.positive_ids)  # [P, d], with gradient
        older_ids, older = self.queue.entries(limit=self.queue.capacity - count)  # [K], [K, d]
        candidate_ids = torch.cat([batch.positive_ids, older_ids])  # [P + K]
        columns = torch.arange(count, device=present.device)
        loss = self.contrastive_loss(model, batch, present, candidate_ids, columns, cached=older)
        self.queue.enqueue(batch.positive_ids, self.queue_keys(model, batch, present))
        return loss

    def get_extra_state(self) -> dict:
        return {"queue": self.queue.state_dict()}

    def set_extra_state(self, state: dict) -> None:
        self.queue.load_state_dict(state["queue"])


class MomentumQueueObjective(CachedQueueObjective):
    """Cached queue whose entries come from a momentum (exponential moving average) item tower.

    The present positives are still encoded by the trained item tower, with
    gradient; only what is enqueued comes from the momentum copy.
    """

    def __init__(
        self, accidental_hits: str, queue_size: int, model: TwoTowerModel, momentum: float, device: torch.device
    ) -> None:
        super().__init__(accidental_hits, queue_size, model.spec.dim, device)
        self.momentum = momentum
        self.momentum_tower = copy.deepcopy(model.item_tower)
        self.momentum_tower.requires_grad_(False)

    @torch.no_grad()
    def queue_keys(self, model: TwoTowerModel, batch: PositiveBatch, present: torch.Tensor) -> torch.Tensor:
        return self.momentum_tower(batch.positive_ids)

    @torch.no_grad()
    def after_optimizer_step(self, model: TwoTowerModel) -> None:
        for slow, fast in zip(self.momentum_tower.parameters(), model.item_tower.parameters()):
            slow.mul_(self.momentum).add_(fast.detach(), alpha=1.0 - self.momentum)


class SampledSoftmaxObjective(Objective):
    """Sampled softmax with log-q correction: L shared negatives drawn from q.

    Corrected logit: phi(x, y) / T - ln q(y) for the positive and every
    negative alike (the temperature divides first).
    """

    def __init__(
        self,
        accidental_hits: str,
        sampler: PopularitySampler,
        num_negatives: int,
        encode_negative_features: bool,
    ) -> None:
        super().__init__(accidental_hits)
        self.sampler = sampler
        self.num_negatives = num_negatives
        self.encode_negative_features = encode_negative_features

    def forward(self, model: TwoTowerModel, batch: PositiveBatch) -> torch.Tensor:
        count = batch.positive_ids.numel()
        negative_ids = self.sampler.sample(self.num_negatives)  # [L]
        present = model.encode_items(batch.positive_ids)  # [P, d]
        negatives = model.encode_items(negative_ids, use_features=self.encode_negative_features)  # [L, d]
        positive_logits = model.paired_logits(batch.users, present)  # [P]
        negative_logits = model.logits(batch.users, negatives)  # [P, L]
        logits = torch.cat([positive_logits.unsqueeze(1), negative_logits], dim=1)  # [P, 1 + L]
        log_q = torch.cat(
            [
                self.sampler.log_q[batch.positive_ids].unsqueeze(1),
                self.sampler.log_q[negative_ids].unsqueeze(0).expand(count, -1),
            ],
            dim=1,
        )
        candidate_ids = torch.cat(
            [batch.positive_ids.unsqueeze(1), negative_ids.unsqueeze(0).expand(count, -1)], dim=1
        )
        columns = torch.zeros(count, dtype=torch.long, device=logits.device)
        mask = accidental_hit_mask(
            batch.positive_ids,
            candidate_ids,
            columns,
            self.accidental_hits,
            history=batch.history,
            row_windows=batch.row_windows,
        )
        return softmax_cross_entropy(apply_logq_correction(logits, log_q), columns, mask)

    def get_extra_state(self) -> dict:
        return {"sampler": self.sampler.state_dict()}

    def set_extra_state(self, state: dict) -> None:
        self.sampler.load_state_dict(state["sampler"])


class FullSoftmaxObjective(Objective):
    """Exact softmax over all N items, the reference for small catalogs."""

    def forward(self, model: TwoTowerModel, batch: PositiveBatch) -> torch.Tensor:
        device = batch.positive_ids.device
        candidate_ids = torch.arange(1, model.num_items + 1, device=device)  # [N]
        candidates = model.encode_items(candidate_ids)
        return self.contrastive_loss(model, batch, candidates, candidate_ids, batch.positive_ids - 1)


class BinaryCrossEntropyObjective(Objective):
    """SASRec's binary cross-entropy: each positive against one negative drawn uniformly.

    A drawn negative that equals its row's positive is left out of the loss.
    The accidental-hit setting does not apply, because no negative is shared.
    """

    def __init__(self, sampler: PopularitySampler) -> None:
        super().__init__("none")
        self.sampler = sampler

    def forward(self, model: TwoTowerModel, batch: PositiveBatch) -> torch.Tensor:
        negative_ids = self.sampler.sample(batch.positive_ids.numel())  # [P]
        present = model.encode_items(batch.positive_ids)  # [P, d]
        negatives = model.encode_items(negative_ids)  # [P, d]
        positive_logits = model.paired_logits(batch.users, present)  # [P]
        negative_logits = model.paired_logits(batch.users, negatives)  # [P]
        weights = (negative_ids != batch.positive_ids).float()
        return binary_cross_entropy(positive_logits, negative_logits, weights)

    def get_extra_state(self) -> dict:
        return {"sampler": self.sampler.state_dict()}

    def set_extra_state(self, state: dict) -> None:
        self.sampler.load_state_dict(state["sampler"])


def build_objective(
    loss: LossConfig,
    model: TwoTowerModel,
    item_counts: np.ndarray,
    seed: int,
    device: torch.device,
) -> Objective:
    """Return the objective of `loss.kind`, its queue or sampler on `device`.

    Args:
        item_counts: [N + 1] training count of each item, for the proposal q.
        seed: seed of the negative sampler's own generator.
    """
    hits = loss.accidental_hits
    if loss.kind == "in_batch":
        return InBatchObjective(hits)
    if loss.kind == "raw_queue":
        return RawQueueObjective(hits, loss.queue_size, device)
    if loss.kind == "cached_queue":
        return CachedQueueObjective(hits, loss.queue_size, model.spec.dim, device)
    if loss.kind == "momentum_queue":
        return MomentumQueueObjective(hits, loss.queue_size, model, loss.momentum, device)
    if loss.kind == "sampled_softmax":
        q = proposal_distribution(item_counts, loss.sampling_power, loss.count_smoothing)
        sampler = PopularitySampler(q, seed=seed, device=device)
        return SampledSoftmaxObjective(hits, sampler, loss.num_negatives, loss.encode_negative_features)
    if loss.kind == "full_softmax":
        return FullSoftmaxObjective(hits)
    if loss.kind == "binary_cross_entropy":
        uniform = proposal_distribution(item_counts, power=0.0, smoothing=1.0)
        return BinaryCrossEntropyObjective(PopularitySampler(uniform, seed=seed, device=device))
    raise ValueError(f"unknown loss kind {loss.kind!r}")
