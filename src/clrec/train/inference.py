"""Load a trained model and encode users and items, for evaluation, publishing and serving.

Weights are read with safetensors, which executes no code. The registry
keeps only the user tower (`export_user_tower`); `encode_histories` accepts
either the whole model or that tower.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_model as load_safetensors_model
from safetensors.torch import save_model as save_safetensors_model
from torch import nn

from clrec.model.spec import ModelSpec
from clrec.model.two_tower import TwoTowerModel
from clrec.model.user_tower import UserTower
from clrec.train.artifacts import MODEL_CONFIG_FILE, MODEL_FILE, USER_TOWER_FILE
from clrec.train.data import pad_histories
from clrec.train.item_features import empty_tables, load_item_features

logger = logging.getLogger(__name__)


def _load_weights(module: nn.Module, path: Path, device: torch.device) -> None:
    if not path.is_file():
        raise FileNotFoundError(f"weights not found: {path}")
    try:
        missing, unexpected = load_safetensors_model(module, str(path), strict=False, device=str(device))
    except (SafetensorError, RuntimeError) as error:
        raise ValueError(f"cannot load {path} into the architecture of its model_config.json: {error}") from None
    if missing or unexpected:
        raise ValueError(
            f"{path} does not match its model_config.json: missing {sorted(missing)[:5]}, "
            f"unexpected {sorted(unexpected)[:5]}"
        )


def load_model(model_dir: Path, device: str | torch.device = "cpu") -> TwoTowerModel:
    """Return the two-tower model of a model directory, on `device` and in eval mode."""
    model_dir = Path(model_dir)
    device = torch.device(device)
    spec = ModelSpec.read(model_dir / MODEL_CONFIG_FILE)
    model = TwoTowerModel(spec, empty_tables(spec.features, spec.num_items))
    _load_weights(model, model_dir / MODEL_FILE, device)
    return model.to(device).eval()


def _user_tower_of(model: TwoTowerModel | UserTower) -> UserTower:
    if isinstance(model, TwoTowerModel):
        return model.user_tower
    if isinstance(model, UserTower):
        return model
    raise TypeError(f"expected a TwoTowerModel or a UserTower, got {type(model).__name__}")


@torch.no_grad()
def encode_histories(
    model: TwoTowerModel | UserTower, histories: list[list[int]], batch_size: int = 1024
) -> np.ndarray:
    """Return the user embeddings of item histories as float32 [B, d].

    Each history keeps its last `max_length` items, as in training, and is
    normalised when the score is cosine. Ids must lie in 1..N; an empty
    history raises ValueError.
    """
    tower = _user_tower_of(model)
    device = tower.position_embedding.weight.device
    num_items = tower.num_items
    for row, history in enumerate(histories):
        if len(history) and (min(history) < 1 or max(history) > num_items):
            raise ValueError(f"history {row} has item ids outside 1..{num_items}: {list(history)[:10]}")
    was_training = tower.training
    tower.eval()
    outputs = [np.zeros((0, tower.item_embedding.embedding_dim), dtype=np.float32)]
    for start in range(0, len(histories), batch_size):
        items = pad_histories(histories[start : start + batch_size], tower.max_length).to(device)
        outputs.append(tower.encode(items).float().cpu().numpy())
    tower.train(was_training)
    return np.concatenate(outputs).astype(np.float32, copy=False)


@torch.no_grad()
def encode_items(model: TwoTowerModel, features_dir: Path | None = None, batch_size: int = 4096) -> np.ndarray:
    """Return the item embeddings as float32 [N + 1, d], row 0 zero, normalised for cosine.

    With `features_dir`, the model's feature tables are replaced by tables
    built from that features output with the model's vocabularies, so
    refreshed features are encoded. Values not seen in training map to the
    out-of-vocabulary index. Without it, the tables saved with the model are
    used, which gives the rows of `item_embeddings.npy`.
    """
    if features_dir is not None:
        spec = model.spec
        features = load_item_features(
            Path(features_dir), spec.num_items, spec.text_encoder, 1, 1, specs=spec.features
        )
        for encoder, table in zip(model.item_tower.feature_encoders, features.tables):
            encoder.table.copy_(table.reshape(encoder.table.shape))
    was_training = model.training
    model.eval()
    table = model.item_embedding_table(batch_size).cpu().numpy().astype(np.float32)
    model.train(was_training)
    return table


def export_user_tower(model_dir: Path, output_dir: Path) -> None:
    """Write `user_tower.safetensors` and `model_config.json` of a model directory to `output_dir`."""
    model = load_model(model_dir, "cpu")
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    save_safetensors_model(model.user_tower, str(output_dir / USER_TOWER_FILE), metadata={"format": "clrec-user-tower"})
    model.spec.write(output_dir / MODEL_CONFIG_FILE)
    logger.info("user tower of %s exported to %s", model_dir, output_dir)


def load_user_tower(directory: Path, device: str | torch.device = "cpu") -> UserTower:
    """Return the user tower written by `export_user_tower`, on `device` and in eval mode.

    The returned module has a `spec` attribute with the saved `ModelSpec`.
    """
    directory = Path(directory)
    device = torch.device(device)
    spec = ModelSpec.read(directory / MODEL_CONFIG_FILE)
    tower = UserTower(
        item_embedding=nn.Embedding(spec.num_items + 1, spec.dim, padding_idx=0),
        max_length=spec.max_length,
        num_layers=spec.num_layers,
        num_heads=spec.num_heads,
        dropout=spec.dropout,
        normalize_output=spec.score == "cosine",
    )
    _load_weights(tower, directory / USER_TOWER_FILE, device)
    tower.spec = spec
    return tower.to(device).eval()
