"""Serve one registry version: encode a history with its user tower and search its index."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import pyarrow.parquet as pq

from clrec.registry.backend import InferenceBackend, load_inference_backend
from clrec.registry.index import load_index, search
from clrec.registry.registry import INDEX_FILE, ITEM_IDS_FILE, Registry, RegistryError
from clrec.registry.tuning import set_search_parameter

logger = logging.getLogger(__name__)


class UnknownItemError(ValueError):
    """A history item that the served version's catalog does not contain."""


@dataclass(frozen=True)
class Recommendation:
    """One recommended item with its rank and score."""

    rank: int  # 1-based position in the list
    item_idx: int  # the served version's item index
    item_id: str  # the raw item id of the dataset
    score: float  # inner product (cosine similarity for a cosine index)


def set_serving_threads(threads: int) -> None:
    """Set the CPU threads of torch and Faiss for the rest of the process; 0 leaves the defaults."""
    if threads < 1:
        return
    import torch  # the user tower needs torch anyway, so this import costs nothing extra

    torch.set_num_threads(threads)
    faiss.omp_set_num_threads(threads)


def default_cache_dir() -> Path:
    """Return $XDG_CACHE_HOME/clrec/registry, else ~/.cache/clrec/registry."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "clrec" / "registry"


class Recommender:
    """A loaded registry version: index, item id map and user tower."""

    def __init__(
        self, version: str, folder: Path, manifest: dict[str, Any], backend: InferenceBackend
    ) -> None:
        self.version = version
        self.manifest = manifest
        self.index = load_index(folder / INDEX_FILE)
        tuning = manifest.get("index", {}).get("tuning", {})
        if tuning.get("parameter") and tuning.get("value"):
            set_search_parameter(self.index, tuning["parameter"], tuning["value"])

        table = pq.read_table(folder / ITEM_IDS_FILE)
        # Row 0 is padding, so item_ids[item_idx] is the raw id of item_idx.
        self.item_ids: list[str] = [""] + [str(value) for value in table.column("item_id").to_pylist()]
        self._index_of = {item_id: item_idx for item_idx, item_id in enumerate(self.item_ids) if item_idx}
        self.backend = backend
        self.user_tower = backend.load_user_tower(folder, device="cpu")
        logger.info("loaded version %s: %d items", version, self.num_items)

    @classmethod
    def from_registry(
        cls,
        registry: Registry,
        cache_dir: Path,
        version: str | None = None,
        backend: InferenceBackend | None = None,
    ) -> Recommender:
        """Load `version`, or the production version when None."""
        if version is None:
            version = registry.production_version()
            if version is None:
                raise RegistryError(
                    f"registry {registry.url} has no production version; publish a model with "
                    "`clrec publish` or choose one with `clrec registry promote VERSION`"
                )
        manifest = registry.read_manifest(version)
        folder = registry.download(version, cache_dir)
        return cls(version, folder, manifest, backend if backend is not None else load_inference_backend())

    @property
    def num_items(self) -> int:
        return len(self.item_ids) - 1

    def _describe_catalog(self) -> str:
        numeric = [int(item_id) for item_id in self.item_ids[1:] if item_id.isdigit()]
        if len(numeric) == self.num_items:
            low, high = min(numeric), max(numeric)
            if high - low + 1 == self.num_items:
                return f"valid ids are integers from {low} to {high} ({self.num_items} items)"
            return f"valid ids are {self.num_items} integers between {low} and {high}, with gaps"
        examples = ", ".join(self.item_ids[1:4])
        return f"the catalog has {self.num_items} items, with ids such as {examples}"

    def item_indices(self, item_ids: list[str]) -> list[int]:
        """Map raw item ids to this version's item indices, naming any unknown id."""
        indices = []
        for item_id in item_ids:
            item_idx = self._index_of.get(item_id)
            if item_idx is None:
                raise UnknownItemError(
                    f"item {item_id!r} is not in the catalog of version {self.version}; "
                    f"{self._describe_catalog()}"
                )
            indices.append(item_idx)
        return indices

    def check_indices(self, item_idx: list[int], source: str) -> None:
        """Raise `UnknownItemError` when an index from `source` lies outside 1..N."""
        # NOTE: an index inside 1..N but from another preprocess run goes unnoticed;
        # the online store and the served version must share the item vocabulary.
        for value in item_idx:
            if not 1 <= value <= self.num_items:
                raise UnknownItemError(
                    f"item_idx {value} from {source} is outside 1..{self.num_items} of version "
                    f"{self.version}; the online store and the served model must come from the "
                    "same preprocess run"
                )

    def recommend(self, history: list[int], k: int, exclude_history: bool = True) -> list[Recommendation]:
        """Return the `k` best items for a history of item indices, oldest first."""
        if not history:
            raise ValueError("the history is empty; give at least one item")
        if k < 1:
            raise ValueError(f"k must be at least 1; got {k}")
        self.check_indices(history, "the history")

        query = np.asarray(self.backend.encode_histories(self.user_tower, [history]), dtype=np.float32)
        excluded = set(history) if exclude_history else set()
        scores, items = search(self.index, query, k + len(excluded))

        results: list[Recommendation] = []
        for score, item_idx in zip(scores[0].tolist(), items[0].tolist()):
            if item_idx < 1 or item_idx in excluded:
                continue
            results.append(Recommendation(len(results) + 1, item_idx, self.item_ids[item_idx], float(score)))
            if len(results) == k:
                break
        return results
