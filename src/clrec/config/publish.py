"""Settings of the Faiss index, the model registry and `clrec recommend`."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from clrec.config.base import StrictModel

# Values tried for nprobe (IVF) or efSearch (HNSW), smallest first, until the
# approximate index reaches the recall floor.
DEFAULT_SEARCH_PARAMETER_VALUES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]


class RecommendConfig(StrictModel):
    """Defaults of `clrec recommend`, which serves the production version."""

    k: int = Field(default=50, ge=1, le=10_000, description="Number of items returned per request.")
    exclude_history: bool = Field(
        default=True,
        description="Leave the items of the user's history out of the results.",
    )
    threads: int = Field(
        default=1,
        ge=0,
        description="CPU threads of the user tower (torch) and of the Faiss search in "
        "`clrec recommend`; 0 keeps the libraries' default of one per core. One request "
        "runs faster on one thread when other jobs share the cores, because the OpenMP "
        "workers otherwise wait for each other (see benchmarks/results/registry_publish.md).",
    )
    cache_dir: str = Field(
        default="",
        description="Local folder that stores versions downloaded from a remote registry. "
        "Empty means $XDG_CACHE_HOME/clrec/registry, else ~/.cache/clrec/registry. "
        "A local registry is read in place and never copied.",
    )


class PublishConfig(StrictModel):
    """Settings of the item index, its recall check and the publication of a version."""

    index_factory: str = Field(
        default="Flat",
        description="Faiss index_factory string. 'Flat' is exact search; for large catalogs "
        "use an approximate index such as 'IVF1024,Flat', 'HNSW32' or 'IVF1024,PQ16'.",
    )
    metric: Literal["auto", "inner_product", "cosine"] = Field(
        default="auto",
        description="Similarity of the index. 'auto' follows the model's score function "
        "(dot -> inner_product, cosine -> cosine); 'cosine' normalises items and queries.",
    )
    recall_floor: float = Field(
        default=0.95,
        gt=0.0,
        le=1.0,
        description="Minimum recall@recall_k of an approximate index against exact search, "
        "as a fraction in (0, 1]. Publication fails below it.",
    )
    recall_k: int = Field(
        default=50, ge=1, description="Number of neighbours compared when recall is measured."
    )
    recall_queries: int = Field(
        default=1000,
        ge=1,
        description="Number of users sampled as queries when recall is measured; all users "
        "when there are fewer.",
    )
    search_parameter_values: list[int] = Field(
        default_factory=lambda: list(DEFAULT_SEARCH_PARAMETER_VALUES),
        description="nprobe (IVF) or efSearch (HNSW) values tried in this order until the "
        "recall floor is met. Strictly increasing positive integers.",
    )
    require_gate: bool = Field(
        default=True,
        description="Reject publication when the evaluation gate did not pass. When false, "
        "a version that failed the gate is published but never promoted.",
    )
    promote: bool = Field(
        default=True,
        description="Make the new version the production version once it is published, "
        "when the evaluation gate passed.",
    )
    recommend: RecommendConfig = Field(
        default_factory=RecommendConfig, description="Defaults of `clrec recommend`."
    )

    @field_validator("index_factory")
    @classmethod
    def _check_factory(cls, value: str) -> str:
        text = value.strip()
        if not text or re.search(r"\s", text):
            raise ValueError(
                "must be a non-empty Faiss index_factory string without spaces, "
                "for example 'Flat', 'IVF1024,Flat' or 'HNSW32'"
            )
        if "IDMap" in text or "L2norm" in text:
            raise ValueError(
                "must not contain 'IDMap' or 'L2norm': index rows follow the item order, "
                "and the index normalises by itself when publish.metric is 'cosine'"
            )
        return text

    @field_validator("search_parameter_values")
    @classmethod
    def _check_values(cls, values: list[int]) -> list[int]:
        if not values:
            raise ValueError("must list at least one value, for example [1, 2, 4, 8, 16]")
        if any(value < 1 for value in values):
            raise ValueError("every value must be a positive integer")
        if any(later <= earlier for earlier, later in zip(values, values[1:])):
            raise ValueError("values must be strictly increasing, for example [1, 2, 4, 8, 16]")
        return values
