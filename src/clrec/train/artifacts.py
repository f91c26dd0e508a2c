"""Files of the model directory, the train step's output.

| file | content |
|---|---|
| `model.safetensors` | the two-tower state dict (feature tables included) |
| `model_config.json` | the `ModelSpec`: architecture, score, temperature, vocabularies |
| `item_embeddings.npy` | float32 [N + 1, d], row 0 zero, normalised for cosine |
| `train_metrics.json` | per-epoch loss and validation HR@k, time, examples per second |
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
from safetensors.torch import save_model

from clrec.model.two_tower import TwoTowerModel

MODEL_FILE = "model.safetensors"
MODEL_CONFIG_FILE = "model_config.json"
ITEM_EMBEDDINGS_FILE = "item_embeddings.npy"
TRAIN_METRICS_FILE = "train_metrics.json"
USER_TOWER_FILE = "user_tower.safetensors"


def write_json(payload: dict, path: Path) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def write_model_dir(model: TwoTowerModel, output_dir: Path, metrics: dict) -> None:
    """Write the four files of the model directory from the model in its final state."""
    output_dir.mkdir(parents=True, exist_ok=True)
    model.eval()
    save_model(model, str(output_dir / MODEL_FILE), metadata={"format": "clrec-two-tower"})
    model.spec.write(output_dir / MODEL_CONFIG_FILE)
    table = model.item_embedding_table().cpu().numpy().astype(np.float32)
    np.save(output_dir / ITEM_EMBEDDINGS_FILE, table)
    write_json(metrics, output_dir / TRAIN_METRICS_FILE)
