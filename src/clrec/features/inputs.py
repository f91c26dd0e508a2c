"""Read the preprocessing output that the feature step consumes, and check its contract."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from clrec.features.errors import FeatureStepError

logger = logging.getLogger(__name__)

ITEMS_FILE = "items.parquet"
SEQUENCES_FILE = "sequences.parquet"

# Columns the step reads, and the Arrow type family each must have.
_ITEMS_COLUMNS = {"item_idx": "integer", "item_id": "string", "popularity": "integer"}
_SEQUENCES_COLUMNS = {
    "user_idx": "integer",
    "user_id": "string",
    "train_items": "integer list",
    "train_timestamps": "integer list",
    "valid_item": "integer",
    "valid_timestamp": "integer",
    "test_item": "integer",
    "test_timestamp": "integer",
}


@dataclass(frozen=True)
class PreprocessedData:
    """The vocabulary and the per-user sequences of one preprocessing run."""

    # item_idx int32 (1..N, sorted), item_id string, popularity int64.
    items: pa.Table
    # One row per user, with the columns of `sequences.parquet`.
    sequences: pa.Table

    @property
    def num_items(self) -> int:
        return self.items.num_rows


def _type_family(data_type: pa.DataType) -> str:
    if pa.types.is_integer(data_type):
        return "integer"
    if pa.types.is_string(data_type) or pa.types.is_large_string(data_type):
        return "string"
    if (pa.types.is_list(data_type) or pa.types.is_large_list(data_type)) and pa.types.is_integer(
        data_type.value_type
    ):
        return "integer list"
    return str(data_type)


def _read_table(path: Path, columns: dict[str, str]) -> pa.Table:
    if not path.is_file():
        raise FeatureStepError(
            f"preprocessing output not found: {path}; run `clrec preprocess` first "
            "or pass the folder that holds its output"
        )
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as error:
        raise FeatureStepError(f"invalid Parquet file {path}: {error}") from error

    for name, family in columns.items():
        if name not in table.column_names:
            raise FeatureStepError(
                f"column {name!r} missing from {path}; expected the preprocessing output "
                f"columns {', '.join(columns)}"
            )
        found = _type_family(table.schema.field(name).type)
        if found != family:
            raise FeatureStepError(
                f"column {name!r} of {path} has type {table.schema.field(name).type}, "
                f"expected {family}"
            )
    return table.select(list(columns))


def _check_items(items: pa.Table, path: Path) -> pa.Table:
    """Check that item indices are exactly 1..N in order and ids are unique."""
    indices = items.column("item_idx").cast(pa.int64()).to_numpy(zero_copy_only=False)
    expected = np.arange(1, len(indices) + 1)
    mismatches = np.flatnonzero(indices != expected)
    if mismatches.size:
        row = int(mismatches[0])
        raise FeatureStepError(
            f"{path}: row {row + 1} has item_idx {indices[row]}, expected {row + 1}; the item "
            "vocabulary must hold indices 1..N sorted, with 0 reserved for padding"
        )
    item_ids = items.column("item_id")
    if item_ids.null_count:
        raise FeatureStepError(f"{path}: {item_ids.null_count} rows have no item_id")
    if pc.count_distinct(item_ids).as_py() != items.num_rows:
        raise FeatureStepError(f"{path}: item_id values are not unique")
    return items.set_column(0, "item_idx", items.column("item_idx").cast(pa.int32()))


def read_preprocessed(sequences_dir: Path) -> PreprocessedData:
    """Read `items.parquet` and `sequences.parquet` from a preprocessing output folder.

    Raises `FeatureStepError` naming the file and column when a file is
    missing or does not follow the preprocessing contract.
    """
    items_path = sequences_dir / ITEMS_FILE
    sequences_path = sequences_dir / SEQUENCES_FILE
    items = _check_items(_read_table(items_path, _ITEMS_COLUMNS), items_path)
    sequences = _read_table(sequences_path, _SEQUENCES_COLUMNS)
    if items.num_rows == 0:
        raise FeatureStepError(f"{items_path} has no items; the preprocessing output is empty")
    logger.info(
        "read %d items from %s and %d users from %s",
        items.num_rows,
        items_path,
        sequences.num_rows,
        sequences_path,
    )
    return PreprocessedData(items=items, sequences=sequences)
