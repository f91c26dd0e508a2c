"""Architecture description saved next to the weights as `model_config.json`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from clrec.model.score import ScoreKind

MODEL_SPEC_VERSION = 1
FeatureKind = Literal["categorical", "multi_categorical", "text"]


class FeatureSpec(BaseModel):
    """One item feature and its vocabulary.

    Index 0 of every feature is padding and index 1 is a value outside the
    vocabulary, so `vocabulary[i]` has index `i + 2`.
    """

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Column name in item_features.parquet.")
    kind: FeatureKind
    vocabulary: list[str] = Field(description="Known values (tokens for text), in index order.")
    width: int = Field(ge=1, description="Indices per item: 1, max values per item, or max tokens.")


class ModelSpec(BaseModel):
    """Everything needed to rebuild the two-tower model before loading its weights."""

    model_config = ConfigDict(extra="forbid")

    format_version: int = MODEL_SPEC_VERSION
    num_items: int = Field(ge=1, description="N: items are 1..N and 0 is padding.")
    dim: int = Field(ge=1)
    max_length: int = Field(ge=1)
    num_layers: int = Field(ge=1)
    num_heads: int = Field(ge=1)
    dropout: float = Field(ge=0.0, lt=1.0)
    feature_dim: int = Field(ge=1)
    share_item_embedding: bool
    text_encoder: Literal["none", "mean", "transformer"]
    # The default lets a model_config.json written before this field existed load as one block.
    text_layers: int = Field(default=1, ge=1, description="Self-attention blocks of the `transformer` text encoder.")
    score: ScoreKind
    temperature: float = Field(gt=0.0)
    unknown_token: str = "__unknown__"
    features: list[FeatureSpec] = Field(default_factory=list)

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.model_dump(mode="json"), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> ModelSpec:
        """Read `model_config.json`, with errors that name the file."""
        if not path.is_file():
            raise FileNotFoundError(f"model configuration not found: {path}")
        try:
            spec = cls.model_validate_json(path.read_text(encoding="utf-8"))
        except ValidationError as error:
            raise ValueError(f"invalid model configuration in {path}: {error}") from None
        if spec.format_version != MODEL_SPEC_VERSION:
            raise ValueError(
                f"{path} has format_version {spec.format_version}; this version of clrec reads "
                f"{MODEL_SPEC_VERSION}, so retrain the model or use a matching clrec"
            )
        return spec
