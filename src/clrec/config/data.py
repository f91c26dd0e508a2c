"""Dataset selection and the location of the dataset cache."""

from __future__ import annotations

from typing import Literal

from clrec.config.base import StrictModel

DatasetName = Literal["ml-100k", "amazon-beauty"]


class DataConfig(StrictModel):
    """Dataset selection; the files are fetched by `clrec data fetch`."""

    dataset: DatasetName = "ml-100k"
    # Directory with one folder per fetched dataset. Empty means the
    # default: $CLREC_CACHE_DIR, else $XDG_CACHE_HOME/clrec/datasets, else
    # ~/.cache/clrec/datasets.
    cache_dir: str = ""
