"""Turn Feast's retrieval result into the training item table, with explicit unknown values."""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd
import pyarrow as pa

from clrec.features.item_metadata import FeatureSchema
from clrec.features.names import ITEM_KEY, UNKNOWN_TOKEN


def is_missing(value: object) -> bool:
    """Return whether a retrieved value is absent (None, NaN or pandas' NA)."""
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _fill_list(value: object) -> tuple[list[str], bool]:
    if is_missing(value):
        return [UNKNOWN_TOKEN], True
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise TypeError(f"expected a list of labels from a multi-valued feature, got {value!r}")
    labels = [str(label) for label in value if not is_missing(label)]
    if not labels:
        return [UNKNOWN_TOKEN], True
    return labels, False


def _fill_scalar(value: object) -> tuple[str, bool]:
    if is_missing(value) or value == "":
        return UNKNOWN_TOKEN, True
    return str(value), False


def build_item_table(retrieved: pd.DataFrame, schema: FeatureSchema) -> tuple[pa.Table, dict[str, int], int]:
    """Build `item_features.parquet` from retrieved values indexed by item_idx.

    A missing categorical or text value becomes `__unknown__`, and a missing
    or empty list becomes `["__unknown__"]`. Returns the table, the number of
    values filled per feature and the number of items with any filled value.
    """
    arrays: list[pa.Array] = [pa.array(retrieved.index.to_numpy(), type=pa.int32())]
    names = [ITEM_KEY]
    filled_per_feature: dict[str, int] = {}
    any_filled = [False] * len(retrieved)

    for name in schema.columns:
        is_list = name in schema.multi_categorical
        fill = _fill_list if is_list else _fill_scalar
        results = [fill(value) for value in retrieved[name].tolist()]
        arrays.append(pa.array([value for value, _ in results], type=pa.list_(pa.string()) if is_list else pa.string()))
        names.append(name)
        filled_per_feature[name] = sum(filled for _, filled in results)
        any_filled = [before or filled for before, (_, filled) in zip(any_filled, results)]

    return pa.Table.from_arrays(arrays, names=names), filled_per_feature, sum(any_filled)
