"""Build the two-tower model from the configuration and the item features."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from clrec.config import ClrecConfig
from clrec.config.train import ModelConfig
from clrec.model.spec import ModelSpec
from clrec.model.two_tower import TwoTowerModel
from clrec.train.data import TrainingData
from clrec.train.item_features import ItemFeatures, load_item_features

logger = logging.getLogger(__name__)


def model_spec(config: ModelConfig, num_items: int, features: ItemFeatures) -> ModelSpec:
    """Return the saved architecture for `config` over N items and the given features."""
    return ModelSpec(
        num_items=num_items,
        dim=config.dim,
        max_length=config.max_length,
        num_layers=config.num_layers,
        num_heads=config.num_heads,
        dropout=config.dropout,
        feature_dim=config.feature_dim,
        share_item_embedding=config.share_item_embedding,
        text_encoder=config.text_encoder,
        text_layers=config.text_layers,
        score=config.score,
        temperature=config.temperature,
        unknown_token=features.unknown_token,
        features=features.specs,
    )


def build_model(config: ModelConfig, num_items: int, features_dir: Path | None) -> TwoTowerModel:
    """Return a freshly initialised model; without features (or features_dir None) it is id-only."""
    if features_dir is None or not config.use_features:
        features = ItemFeatures(specs=[], tables=[])
        reason = "no features directory" if features_dir is None else "train.model.use_features is false"
        logger.info("%s: the item tower uses item ids only", reason)
    else:
        features = load_item_features(
            features_dir, num_items, config.text_encoder, config.text_max_tokens, config.text_vocab_size
        )
    return TwoTowerModel(model_spec(config, num_items, features), features.tables)


def training_fingerprint(
    config: ClrecConfig, data: TrainingData, model: TwoTowerModel, world_size: int
) -> dict[str, Any]:
    """Return what must not change between a checkpoint and the run that resumes from it."""
    train = config.train
    return {
        "seed": config.seed,
        "model": train.model.model_dump(mode="json"),
        "loss": train.loss.model_dump(mode="json"),
        "optim": train.optim.model_dump(mode="json"),
        "batch_size": train.batch_size,
        "world_size": world_size,
        "num_items": data.num_items,
        "windows_sha256": hashlib.sha256(data.windows.tobytes()).hexdigest(),
        "features": [spec.model_dump(mode="json") for spec in model.spec.features],
    }
