"""Test-only stand-in for `clrec.train.inference`, with the same four functions.

Its user tower is the mean of the history's item embeddings, stored with
safetensors. Registry and serving tests use it so they do not depend on the
training package and run without torch.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file

MAX_HISTORY = 50  # items of a history the stand-in tower reads, most recent last


@dataclass
class MeanTower:
    """User tower of the stand-in: average of item embeddings."""

    item_embeddings: np.ndarray  # float32 [N + 1, d], row 0 is padding
    score: str


def write_model(model_dir: Path, embeddings: np.ndarray, score: str = "dot") -> Path:
    """Write a model folder in the training step's layout around `embeddings` ([N + 1, d])."""
    model_dir.mkdir(parents=True, exist_ok=True)
    np.save(model_dir / "item_embeddings.npy", np.asarray(embeddings, dtype=np.float32))
    (model_dir / "model_config.json").write_text(json.dumps({"score": score, "standin": True}))
    save_file({"item_embeddings": np.asarray(embeddings, dtype=np.float32)}, str(model_dir / "model.safetensors"))
    return model_dir


def load_model(model_dir: Path, device: str = "cpu") -> MeanTower:
    config = json.loads((Path(model_dir) / "model_config.json").read_text())
    table = np.load(Path(model_dir) / "item_embeddings.npy", allow_pickle=False)
    return MeanTower(table, config["score"])


def encode_histories(model_or_user_tower: MeanTower, histories: list[list[int]], batch_size: int = 1024) -> np.ndarray:
    table = model_or_user_tower.item_embeddings
    rows = [table[np.asarray(history[-MAX_HISTORY:], dtype=np.int64)].mean(axis=0) for history in histories]
    queries = np.asarray(rows, dtype=np.float32).reshape(len(histories), table.shape[1])
    if model_or_user_tower.score == "cosine":
        norms = np.linalg.norm(queries, axis=1, keepdims=True)
        queries = queries / np.maximum(norms, 1e-12)
    return queries


def export_user_tower(model_dir: Path, output_dir: Path) -> None:
    table = np.load(Path(model_dir) / "item_embeddings.npy", allow_pickle=False)
    save_file({"item_embeddings": table}, str(Path(output_dir) / "user_tower.safetensors"))
    shutil.copyfile(Path(model_dir) / "model_config.json", Path(output_dir) / "model_config.json")


def load_user_tower(directory: Path, device: str = "cpu") -> MeanTower:
    config = json.loads((Path(directory) / "model_config.json").read_text())
    tensors = load_file(str(Path(directory) / "user_tower.safetensors"))
    return MeanTower(tensors["item_embeddings"], config["score"])
