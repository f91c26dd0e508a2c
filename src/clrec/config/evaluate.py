"""Settings of evaluation and the promotion gate."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from clrec.config.base import StrictModel


class SampledConfig(StrictModel):
    """The sampled-negative protocol of BERT4Rec, reported next to the full-corpus metrics."""

    enabled: bool = Field(
        default=True,
        description="Run the sampled-negative protocol on the test split.",
    )
    sampler: Literal["popularity", "uniform"] = Field(
        default="popularity",
        description="How negatives are drawn: in proportion to training popularity "
        "(BERT4Rec's protocol) or uniformly over the catalog.",
    )
    num_negatives: int = Field(
        default=100,
        ge=1,
        description="Negatives ranked against each test target (items, distinct per user).",
    )
    seed: int = Field(
        default=42,
        ge=0,
        description="Seed of the negative sampler and of the user subsample, so that "
        "the same model gets the same numbers twice.",
    )
    max_users: int = Field(
        default=0,
        ge=0,
        description="Evaluate a seeded random subsample of this many test users; "
        "0 evaluates every test user.",
    )


class GateConfig(StrictModel):
    """Thresholds of the promotion gate, all on the test split."""

    cutoff: int = Field(
        default=50,
        ge=1,
        description="K of the gate's metric HR@K; must be one of evaluate.cutoffs.",
    )
    hr_floor: float = Field(
        default=0.10,
        ge=0.0,
        le=1.0,
        description="Minimum HR@K (fraction of test users, 0 to 1) a model needs to be promoted.",
    )
    production_tolerance: float = Field(
        default=0.01,
        ge=0.0,
        le=1.0,
        description="How far HR@K may fall below the production model's HR@K on the same "
        "test data (absolute difference, 0 to 1) and still be promoted.",
    )
    popularity_index_ceiling: float = Field(
        default=0.95,
        ge=0.0,
        le=1.0,
        description="Maximum popularity index of the top-K lists (0 = least popular "
        "items, 1 = most popular) a model may have to be promoted.",
    )


class EvaluateConfig(StrictModel):
    """Full-corpus metrics, bias metrics and the promotion gate."""

    cutoffs: list[int] = Field(
        default=[10, 20, 50],
        description="Values of K for HR@K, NDCG@K and Recall@K (list lengths in items).",
    )
    exclude_history: bool = Field(
        default=True,
        description="Remove the items of the user's input history from the ranking "
        "(the target itself is never removed).",
    )
    bias_list_length: int = Field(
        default=50,
        ge=1,
        description="Length of the top-K lists (items) that the bias metrics and the "
        "popularity plot are computed over.",
    )
    long_tail_fraction: float = Field(
        default=0.8,
        gt=0.0,
        lt=1.0,
        description="Share of the catalog, least popular first, that counts as the long "
        "tail (0.8 = the bottom 80% of items by training popularity).",
    )
    batch_size: int = Field(
        default=1024,
        ge=1,
        description="Users per encoding and Faiss search batch.",
    )
    sampled: SampledConfig = SampledConfig()
    gate: GateConfig = GateConfig()

    @field_validator("cutoffs")
    @classmethod
    def _check_cutoffs(cls, value: list[int]) -> list[int]:
        if not value:
            raise ValueError("cutoffs must list at least one K, for example [10, 20, 50]")
        if any(k < 1 for k in value):
            raise ValueError(f"every cutoff must be a positive number of items, got {value}")
        if len(set(value)) != len(value):
            raise ValueError(f"cutoffs must not repeat a value, got {value}")
        return sorted(value)

    @model_validator(mode="after")
    def _check_gate_cutoff(self) -> EvaluateConfig:
        if self.gate.cutoff not in self.cutoffs:
            raise ValueError(
                f"gate.cutoff={self.gate.cutoff} is not one of cutoffs={self.cutoffs}; "
                "add it to cutoffs or pick one of them"
            )
        return self

    @property
    def search_depth(self) -> int:
        """Items retrieved per user: enough for every cutoff and for the bias lists."""
        return max(max(self.cutoffs), self.bias_list_length)
