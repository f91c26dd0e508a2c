"""FIFO queue of earlier positive items, the negative sampler of CLRec.

The queue is a ring buffer of `capacity` slots. Each slot stores an item id
and, for the cached variant, the item embedding computed when the item was a
positive. `enqueue` writes the newest entries at the write pointer and wraps
around to slot 0, so the oldest entries are overwritten (evicted) first.

While the queue is not yet full, `entries` returns only the slots written so
far. The first steps of training therefore get fewer negatives, and the very
first step gets none from the queue. The stored embeddings never carry gradient.
"""

from __future__ import annotations

import torch


class ItemQueue:
    """Ring buffer of item ids and, optionally, their cached embeddings.

    Args:
        capacity: number of entries kept; the oldest are evicted first.
        dim: width of the cached embeddings, or None to store ids only.
        dtype: dtype of the stored embeddings (ids are always int64).
        device: where the buffers live; enqueued tensors are moved there.
    """

    def __init__(
        self,
        capacity: int,
        dim: int | None = None,
        dtype: torch.dtype = torch.float32,
        device: str | torch.device = "cpu",
    ) -> None:
        if capacity < 1:
            raise ValueError(f"queue capacity must be at least 1, got {capacity}")
        if dim is not None and dim < 1:
            raise ValueError(f"queue embedding width must be at least 1, got {dim}")
        self.capacity = capacity
        self.dim = dim
        self.ids = torch.zeros(capacity, dtype=torch.long, device=device)
        self.embeddings = (
            torch.zeros(capacity, dim, dtype=dtype, device=device) if dim is not None else None
        )
        # Slot that the next entry is written to, and how many slots hold data.
        self.pointer = 0
        self.size = 0

    @property
    def device(self) -> torch.device:
        return self.ids.device

    def __len__(self) -> int:
        return self.size

    def is_full(self) -> bool:
        return self.size == self.capacity

    @torch.no_grad()
    def enqueue(self, ids: torch.Tensor, embeddings: torch.Tensor | None = None) -> None:
        """Append entries in order; when more than `capacity` arrive, only the newest stay."""
        ids = ids.reshape(-1)
        if (embeddings is None) != (self.embeddings is None):
            stores = "ids and embeddings" if self.embeddings is not None else "ids only"
            raise ValueError(f"this queue stores {stores}; pass embeddings accordingly")
        if embeddings is not None and embeddings.shape != (ids.numel(), self.dim):
            raise ValueError(
                f"embeddings have shape {tuple(embeddings.shape)}, expected ({ids.numel()}, {self.dim})"
            )
        count = ids.numel()
        if count == 0:
            return
        if count > self.capacity:
            ids = ids[-self.capacity :]
            embeddings = embeddings[-self.capacity :] if embeddings is not None else None
            count = self.capacity
        slots = (self.pointer + torch.arange(count, device=self.device)) % self.capacity
        self.ids[slots] = ids.to(self.device)
        if embeddings is not None:
            self.embeddings[slots] = embeddings.detach().to(self.device, self.embeddings.dtype)
        self.pointer = (self.pointer + count) % self.capacity
        self.size = min(self.capacity, self.size + count)

    def _newest_first_slots(self, limit: int | None) -> torch.Tensor:
        count = self.size if limit is None else max(0, min(limit, self.size))
        return (self.pointer - 1 - torch.arange(count, device=self.device)) % self.capacity

    def entries(self, limit: int | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Return up to `limit` stored (ids, embeddings), newest first, without gradient."""
        slots = self._newest_first_slots(limit)
        embeddings = self.embeddings[slots] if self.embeddings is not None else None
        return self.ids[slots], embeddings

    def state_dict(self) -> dict[str, object]:
        """Return the buffers and pointers for a checkpoint (tensors on the CPU)."""
        state: dict[str, object] = {
            "capacity": self.capacity,
            "pointer": self.pointer,
            "size": self.size,
            "ids": self.ids.cpu(),
        }
        if self.embeddings is not None:
            state["embeddings"] = self.embeddings.cpu()
        return state

    def load_state_dict(self, state: dict[str, object]) -> None:
        """Restore a state written by `state_dict`; the capacity and width must match."""
        if state["capacity"] != self.capacity:
            raise ValueError(
                f"checkpoint queue capacity {state['capacity']} differs from the configured {self.capacity}; "
                "resume with the same train.loss.queue_size"
            )
        if ("embeddings" in state) != (self.embeddings is not None):
            raise ValueError("checkpoint queue does not store the same fields as this queue")
        self.ids.copy_(state["ids"])
        if self.embeddings is not None:
            self.embeddings.copy_(state["embeddings"])
        self.pointer = int(state["pointer"])
        self.size = int(state["size"])
