"""FIFO order, capacity, wrap-around, partial fill and state of the item queue."""

from __future__ import annotations

import pytest
import torch

from clrec.model.queue import ItemQueue


def _embeddings(ids: list[int], dim: int = 2) -> torch.Tensor:
    # Row of item i is [i, -i], so stored embeddings can be checked against ids.
    return torch.tensor([[float(i), -float(i)] for i in ids])[:, :dim]


def test_queue_empty_returns_nothing():
    queue = ItemQueue(5, dim=2)
    ids, embeddings = queue.entries()
    assert len(queue) == 0
    assert ids.numel() == 0
    assert embeddings.shape == (0, 2)


def test_queue_partial_fill_returns_written_entries_newest_first():
    queue = ItemQueue(5, dim=2)
    queue.enqueue(torch.tensor([1, 2, 3]), _embeddings([1, 2, 3]))
    ids, embeddings = queue.entries()
    assert len(queue) == 3
    assert not queue.is_full()
    assert ids.tolist() == [3, 2, 1]
    assert torch.equal(embeddings, _embeddings([3, 2, 1]))


def test_queue_keeps_newest_after_overflow():
    # Batches of 4, 4 and 3 give 11 entries (ids 1..11). A queue of 10
    # evicts only the oldest, id 1, and returns 11 down to 2.
    queue = ItemQueue(10, dim=2)
    for batch in ([1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11]):
        queue.enqueue(torch.tensor(batch), _embeddings(batch))
    ids, embeddings = queue.entries()
    assert len(queue) == 10
    assert queue.is_full()
    assert ids.tolist() == list(range(11, 1, -1))
    assert torch.equal(embeddings, _embeddings(list(range(11, 1, -1))))


def test_queue_wraps_around_the_buffer_end():
    # Capacity 4: [1, 2, 3] fills slots 0-2, [4, 5] writes slot 3 then wraps to 0.
    queue = ItemQueue(4)
    queue.enqueue(torch.tensor([1, 2, 3]))
    queue.enqueue(torch.tensor([4, 5]))
    assert queue.ids.tolist() == [5, 2, 3, 4]
    assert queue.pointer == 1
    assert queue.entries()[0].tolist() == [5, 4, 3, 2]


def test_queue_batch_larger_than_capacity_keeps_newest():
    queue = ItemQueue(3, dim=2)
    queue.enqueue(torch.tensor([1, 2, 3, 4, 5]), _embeddings([1, 2, 3, 4, 5]))
    ids, embeddings = queue.entries()
    assert ids.tolist() == [5, 4, 3]
    assert torch.equal(embeddings, _embeddings([5, 4, 3]))


def test_queue_limit_returns_newest_only():
    queue = ItemQueue(6)
    queue.enqueue(torch.tensor([1, 2, 3, 4]))
    assert queue.entries(limit=2)[0].tolist() == [4, 3]
    assert queue.entries(limit=0)[0].tolist() == []
    assert queue.entries(limit=-3)[0].tolist() == []


def test_queue_stores_detached_in_its_dtype():
    queue = ItemQueue(4, dim=2, dtype=torch.float64)
    source = _embeddings([1, 2]).requires_grad_(True)
    queue.enqueue(torch.tensor([1, 2]), source * 2)
    _, embeddings = queue.entries()
    assert embeddings.dtype == torch.float64
    assert not embeddings.requires_grad
    assert embeddings.tolist() == [[4.0, -4.0], [2.0, -2.0]]


def test_queue_state_round_trip():
    queue = ItemQueue(4, dim=2)
    queue.enqueue(torch.tensor([1, 2, 3, 4, 5]), _embeddings([1, 2, 3, 4, 5]))
    restored = ItemQueue(4, dim=2)
    restored.load_state_dict(queue.state_dict())
    assert restored.pointer == queue.pointer
    assert len(restored) == len(queue)
    assert torch.equal(restored.entries()[0], queue.entries()[0])
    assert torch.equal(restored.entries()[1], queue.entries()[1])


def test_queue_state_rejects_other_capacity():
    queue = ItemQueue(4)
    with pytest.raises(ValueError, match="capacity 4 differs from the configured 8"):
        ItemQueue(8).load_state_dict(queue.state_dict())


def test_queue_rejects_bad_sizes():
    with pytest.raises(ValueError, match="capacity must be at least 1, got 0"):
        ItemQueue(0)
    queue = ItemQueue(4, dim=3)
    with pytest.raises(ValueError, match=r"shape \(2, 2\), expected \(2, 3\)"):
        queue.enqueue(torch.tensor([1, 2]), torch.zeros(2, 2))
    with pytest.raises(ValueError, match="stores ids and embeddings"):
        queue.enqueue(torch.tensor([1, 2]))
