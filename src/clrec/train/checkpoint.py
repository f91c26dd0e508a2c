"""Checkpoints that resume training exactly where it stopped.

A checkpoint is a folder `step-<global step>/` under the checkpoint
directory with `shared.pt` (model, optimizer, scheduler, loop position,
metrics so far, best weights) and one `rank-<r>.pt` per worker (its queue or
sampler, and its torch, CUDA, numpy and Python RNG states). `latest.json`
names the newest complete folder and is replaced atomically, so a run killed
while writing leaves the previous checkpoint usable. Files are read with
`torch.load(weights_only=True)`, which unpickles no code.
"""

from __future__ import annotations

import json
import logging
import os
import random
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch

logger = logging.getLogger(__name__)

LATEST_FILE = "latest.json"
SHARED_FILE = "shared.pt"


def rank_file(rank: int) -> str:
    return f"rank-{rank}.pt"


def capture_rng_state() -> dict[str, Any]:
    """Return the RNG states of torch (CPU and CUDA), numpy's global generator and `random`."""
    kind, keys, position, has_gauss, cached = np.random.get_state()
    state: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "numpy": {
            "kind": kind,
            "keys": torch.from_numpy(keys.astype(np.int64)),
            "position": int(position),
            "has_gauss": int(has_gauss),
            "cached": float(cached),
        },
        "python": random.getstate(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: dict[str, Any]) -> None:
    """Restore the RNG states written by `capture_rng_state`."""
    torch.set_rng_state(state["torch"])
    numpy_state = state["numpy"]
    np.random.set_state(
        (
            numpy_state["kind"],
            numpy_state["keys"].numpy().astype(np.uint32),
            numpy_state["position"],
            numpy_state["has_gauss"],
            numpy_state["cached"],
        )
    )
    random.setstate(_as_tuples(state["python"]))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _as_tuples(value: Any) -> Any:
    # random.setstate needs tuples where the state was saved as tuples.
    if isinstance(value, (list, tuple)):
        return tuple(_as_tuples(element) for element in value)
    return value


def _save_atomically(payload: dict[str, Any], path: Path) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    torch.save(payload, temporary)
    os.replace(temporary, path)


def checkpoint_folder(directory: Path, global_step: int) -> Path:
    return directory / f"step-{global_step:09d}"


def save_rank_state(directory: Path, global_step: int, rank: int, payload: dict[str, Any]) -> None:
    """Write this worker's part of the checkpoint of `global_step`."""
    folder = checkpoint_folder(directory, global_step)
    folder.mkdir(parents=True, exist_ok=True)
    _save_atomically(payload, folder / rank_file(rank))


def save_shared_state(directory: Path, global_step: int, payload: dict[str, Any], world_size: int) -> None:
    """Write the shared part, mark the folder as latest and delete older folders.

    Call it on the first worker after every worker has written its rank file.
    """
    folder = checkpoint_folder(directory, global_step)
    folder.mkdir(parents=True, exist_ok=True)
    _save_atomically(payload, folder / SHARED_FILE)
    missing = [rank for rank in range(world_size) if not (folder / rank_file(rank)).is_file()]
    if missing:
        raise RuntimeError(f"checkpoint {folder} lacks the files of ranks {missing}")
    pointer = directory / LATEST_FILE
    temporary = pointer.with_suffix(".json.tmp")
    temporary.write_text(json.dumps({"folder": folder.name, "global_step": global_step}) + "\n", encoding="utf-8")
    os.replace(temporary, pointer)
    for old in directory.glob("step-*"):
        if old.is_dir() and old.name != folder.name:
            shutil.rmtree(old)
    logger.info("checkpoint written: %s", folder)


def latest_checkpoint(directory: Path) -> Path | None:
    """Return the newest complete checkpoint folder, or None when there is none."""
    pointer = directory / LATEST_FILE
    if not pointer.is_file():
        return None
    try:
        folder = directory / json.loads(pointer.read_text(encoding="utf-8"))["folder"]
    except (json.JSONDecodeError, KeyError) as error:
        raise ValueError(f"unreadable checkpoint pointer {pointer}: {error}; delete it to start over") from None
    if not (folder / SHARED_FILE).is_file():
        raise ValueError(f"{pointer} names {folder}, which has no {SHARED_FILE}; delete {directory} to start over")
    return folder


def load_checkpoint_file(path: Path) -> dict[str, Any]:
    """Read one checkpoint file without unpickling code."""
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint file not found: {path}")
    return torch.load(path, map_location="cpu", weights_only=True)
