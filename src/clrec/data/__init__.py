"""Public datasets: where they come from, how they are verified and cached."""

from clrec.data.catalog import DATASETS, DatasetSpec, get_dataset
from clrec.data.fetch import DataFetchError, default_cache_dir, fetch_dataset

__all__ = [
    "DATASETS",
    "DataFetchError",
    "DatasetSpec",
    "default_cache_dir",
    "fetch_dataset",
    "get_dataset",
]
