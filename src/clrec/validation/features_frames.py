"""Frames that the item-features suite runs on.

`feature_values` unpacks multi-valued features into one row per value, so
that one `expect_column_values_to_be_in_set` checks categorical and
multi-valued categorical features alike.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from clrec.validation.derived import FrameUnavailable, MissingColumnsError, require_columns
from clrec.validation.inputs import FeatureSchema, FeaturesOutput, Table

EXPECTED_TYPES = {"categorical": "string", "multi_categorical": "list<string>", "text": "string"}

Frames = dict[str, pd.DataFrame | FrameUnavailable]


def item_features_frames(features: FeaturesOutput, items: Table) -> Frames:
    """Build the frames of the item_features suite from the feature output and items.parquet."""
    table = features.item_features
    schema = features.schema
    frames: Frames = {
        "feature_columns": feature_columns_frame(schema, table),
        "item_features": table.frame,
    }
    try:
        require_columns(items, ["item_idx"])
        require_columns(table, ["item_idx"])
        frames["vocabulary_coverage"] = vocabulary_coverage_frame(items.frame, table.frame)
    except MissingColumnsError as error:
        frames["vocabulary_coverage"] = FrameUnavailable(str(error))
    try:
        require_columns(table, ["item_idx"])
        frames["feature_values"] = feature_values_frame(schema, table.frame)
    except MissingColumnsError as error:
        frames["feature_values"] = FrameUnavailable(str(error))
    frames["unknown_shares"] = unknown_shares_frame(schema, table.frame)
    return frames


def feature_columns_frame(schema: FeatureSchema, table: Table) -> pd.DataFrame:
    """Return one row per schema feature with its expected and actual column type."""
    rows = [
        {
            "feature": name,
            "kind": kind,
            "expected_type": EXPECTED_TYPES[kind],
            "actual_type": table.arrow_types.get(name, "missing"),
        }
        for name, kind in schema.features()
    ]
    return pd.DataFrame(rows, columns=["feature", "kind", "expected_type", "actual_type"])


def vocabulary_coverage_frame(items: pd.DataFrame, item_features: pd.DataFrame) -> pd.DataFrame:
    """Return one row per vocabulary item with `has_feature_row`."""
    covered = set(item_features["item_idx"].dropna().astype("int64"))
    vocabulary = items["item_idx"].dropna().astype("int64")
    return pd.DataFrame(
        {
            "item_idx": vocabulary.to_numpy(),
            "has_feature_row": [int(item) in covered for item in vocabulary],
        }
    )


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _cell_values(value: Any, multi_valued: bool) -> list[Any]:
    """Return the values of one cell: its list elements, or the cell itself."""
    if not multi_valued:
        return [value]
    if _is_missing(value):
        return [None]
    if isinstance(value, (list, tuple, np.ndarray)):
        return list(value)
    # A scalar where a list belongs: report it as a value so it shows up.
    return [value]


def feature_values_frame(schema: FeatureSchema, item_features: pd.DataFrame) -> pd.DataFrame:
    """Return (item_idx, feature, value) rows of every categorical and multi-valued feature."""
    parts = []
    kinds = [("categorical", False), ("multi_categorical", True)]
    for kind, multi_valued in kinds:
        for name in getattr(schema, kind):
            if name not in item_features.columns:
                continue
            cells = item_features[["item_idx", name]]
            values = [_cell_values(value, multi_valued) for value in cells[name]]
            lengths = [len(cell) for cell in values]
            parts.append(
                pd.DataFrame(
                    {
                        "item_idx": np.repeat(cells["item_idx"].to_numpy(), lengths),
                        "feature": name,
                        "value": pd.Series(
                            [value for cell in values for value in cell], dtype=object
                        ),
                    }
                )
            )
    if not parts:
        return pd.DataFrame({"item_idx": [], "feature": [], "value": []}, dtype=object)
    return pd.concat(parts, ignore_index=True)


def _is_unknown(value: Any, kind: str, token: str) -> bool:
    if kind == "multi_categorical":
        values = _cell_values(value, multi_valued=True)
        return all(_is_missing(element) or element == token for element in values)
    if _is_missing(value):
        return True
    return value == token or (kind == "text" and str(value).strip() == "")


def unknown_shares_frame(schema: FeatureSchema, item_features: pd.DataFrame) -> pd.DataFrame:
    """Return one row per feature with the share of items whose value is unknown.

    A value is unknown when it is the unknown token or null. A multi-valued
    value is also unknown when it contains no element but the token, and a
    text when it is blank.
    """
    rows = []
    for name, kind in schema.features():
        if name not in item_features.columns:
            continue
        column = item_features[name]
        unknown = sum(_is_unknown(value, kind, schema.unknown_token) for value in column)
        items = len(column)
        rows.append(
            {
                "feature": name,
                "kind": kind,
                "items": items,
                "unknown_items": int(unknown),
                "unknown_share": unknown / items if items else 0.0,
            }
        )
    return pd.DataFrame(rows, columns=["feature", "kind", "items", "unknown_items", "unknown_share"])
