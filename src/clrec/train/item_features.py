"""Read the features step's output into vocabularies and per-item index tables.

Inputs are `item_features.parquet` (one row per item 1..N) and
`feature_schema.json` (which column is a categorical, a multi-valued
categorical or a text). Each feature becomes a `FeatureSpec` (its vocabulary)
and an integer table with one row per item id 0..N, which the item tower
keeps as a buffer. Index 0 is padding and index 1 a value outside the
vocabulary.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from clrec.model.spec import FeatureKind, FeatureSpec
from clrec.model.text import FIRST_TOKEN_INDEX, OOV_INDEX, build_vocabulary, encode_text

logger = logging.getLogger(__name__)

ITEM_FEATURES_FILE = "item_features.parquet"
FEATURE_SCHEMA_FILE = "feature_schema.json"
DEFAULT_UNKNOWN_TOKEN = "__unknown__"
_SCHEMA_KINDS: tuple[FeatureKind, ...] = ("categorical", "multi_categorical", "text")


@dataclass
class ItemFeatures:
    """Feature specs and tables ready for the item tower, plus what was repaired on the way."""

    specs: list[FeatureSpec]
    tables: list[torch.Tensor]
    unknown_token: str = DEFAULT_UNKNOWN_TOKEN
    # Per feature: values that were null and read as the unknown token, and
    # list values cut because an item had more than the saved width.
    null_values: dict[str, int] = field(default_factory=dict)
    truncated_values: dict[str, int] = field(default_factory=dict)


def read_feature_schema(features_dir: Path) -> dict:
    """Read and check `feature_schema.json`."""
    path = features_dir / FEATURE_SCHEMA_FILE
    if not path.is_file():
        raise FileNotFoundError(f"feature schema not found: {path}; run the features step first")
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"invalid JSON in {path}: {error}") from None
    for kind in _SCHEMA_KINDS:
        names = schema.get(kind, [])
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            raise ValueError(f"{path}: {kind!r} must be a list of column names, got {names!r}")
    return schema


def _schema_features(schema: dict, include_text: bool) -> list[tuple[str, FeatureKind]]:
    kinds: list[FeatureKind] = ["categorical", "multi_categorical"] + (["text"] if include_text else [])
    return [(name, kind) for kind in kinds for name in schema.get(kind, [])]


def _read_feature_frame(features_dir: Path, num_items: int, columns: list[str]) -> pd.DataFrame:
    path = features_dir / ITEM_FEATURES_FILE
    if not path.is_file():
        raise FileNotFoundError(f"item features not found: {path}; run the features step first")
    frame = pd.read_parquet(path)
    missing = [name for name in ["item_idx", *columns] if name not in frame.columns]
    if missing:
        raise ValueError(f"{path} lacks the columns {missing} named in {FEATURE_SCHEMA_FILE}")
    frame = frame.set_index("item_idx").sort_index()
    expected = pd.RangeIndex(1, num_items + 1)
    if len(frame) != num_items or not frame.index.equals(expected):
        absent = sorted(set(expected) - set(frame.index))[:5]
        extra = sorted(set(frame.index) - set(expected))[:5]
        raise ValueError(
            f"{path} must have exactly one row per item 1..{num_items} (items.parquet); "
            f"rows={len(frame)}, first missing ids {absent}, first unexpected ids {extra}"
        )
    return frame


def _value_index(vocabulary: list[str]) -> dict[str, int]:
    return {value: position + FIRST_TOKEN_INDEX for position, value in enumerate(vocabulary)}


def _as_list(value: object) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    return [str(element) for element in value]  # type: ignore[union-attr]


def _categorical_table(values: pd.Series, spec: FeatureSpec | None, unknown: str) -> tuple[FeatureSpec, np.ndarray, int]:
    nulls = int(values.isna().sum())
    strings = values.astype(object).where(values.notna(), unknown).astype(str)
    if spec is None:
        spec = FeatureSpec(name=str(values.name), kind="categorical", vocabulary=sorted(set(strings)), width=1)
    index = _value_index(spec.vocabulary)
    table = np.zeros(len(values) + 1, dtype=np.int64)
    table[1:] = [index.get(value, OOV_INDEX) for value in strings]
    return spec, table, nulls


def _multi_table(
    values: pd.Series, spec: FeatureSpec | None, unknown: str
) -> tuple[FeatureSpec, np.ndarray, int, int]:
    lists = [_as_list(value) for value in values]
    nulls = sum(element is None for element in lists)
    lists = [[unknown] if element is None else element for element in lists]
    if spec is None:
        vocabulary = sorted({value for element in lists for value in element})
        width = max(1, max(len(element) for element in lists))
        spec = FeatureSpec(name=str(values.name), kind="multi_categorical", vocabulary=vocabulary, width=width)
    index = _value_index(spec.vocabulary)
    table = np.zeros((len(lists) + 1, spec.width), dtype=np.int64)
    truncated = 0
    for row, element in enumerate(lists, start=1):
        values = element[: spec.width]
        truncated += len(element) - len(values)
        table[row, : len(values)] = [index.get(value, OOV_INDEX) for value in values]
    return spec, table, nulls, truncated


def _text_table(
    values: pd.Series, spec: FeatureSpec | None, unknown: str, max_tokens: int, vocab_size: int
) -> tuple[FeatureSpec, np.ndarray, int]:
    nulls = int(values.isna().sum())
    # The unknown token stands for "no text": it encodes to no tokens at all.
    texts = ["" if (value is None or value == unknown or pd.isna(value)) else str(value) for value in values]
    if spec is None:
        spec = FeatureSpec(
            name=str(values.name), kind="text", vocabulary=build_vocabulary(texts, vocab_size), width=max_tokens
        )
    index = _value_index(spec.vocabulary)
    table = np.zeros((len(texts) + 1, spec.width), dtype=np.int64)
    for row, text in enumerate(texts, start=1):
        table[row] = encode_text(text, index, spec.width)
    return spec, table, nulls


def load_item_features(
    features_dir: Path,
    num_items: int,
    text_encoder: str,
    text_max_tokens: int,
    text_vocab_size: int,
    specs: list[FeatureSpec] | None = None,
) -> ItemFeatures:
    """Build the feature tables of items 1..N from the features step's output.

    Args:
        text_encoder: `none` leaves text features out.
        specs: vocabularies of a trained model; given, they are reused (new
            values map to the out-of-vocabulary index) instead of built anew.
    """
    schema = read_feature_schema(features_dir)
    unknown = str(schema.get("unknown_token", DEFAULT_UNKNOWN_TOKEN))
    if specs is not None:
        features = [(spec.name, spec.kind) for spec in specs]
    else:
        features = _schema_features(schema, include_text=text_encoder != "none")
        skipped = schema.get("text", []) if text_encoder == "none" else []
        if skipped:
            logger.info("text features %s left out because train.model.text_encoder is none", skipped)
    result = ItemFeatures(specs=[], tables=[], unknown_token=unknown)
    if not features:
        return result
    frame = _read_feature_frame(features_dir, num_items, [name for name, _ in features])
    saved = {spec.name: spec for spec in specs or []}
    for name, kind in features:
        column = frame[name].rename(name)
        truncated = 0
        if kind == "categorical":
            spec, table, nulls = _categorical_table(column, saved.get(name), unknown)
        elif kind == "multi_categorical":
            spec, table, nulls, truncated = _multi_table(column, saved.get(name), unknown)
        else:
            spec, table, nulls = _text_table(column, saved.get(name), unknown, text_max_tokens, text_vocab_size)
        if nulls:
            logger.warning("feature %s: %d null values read as %r", name, nulls, unknown)
        if truncated:
            logger.warning("feature %s: %d list values beyond width %d were cut", name, truncated, spec.width)
        result.specs.append(spec)
        result.tables.append(torch.from_numpy(table))
        result.null_values[name] = nulls
        result.truncated_values[name] = truncated
    logger.info(
        "item features: %s",
        ", ".join(f"{spec.name} ({spec.kind}, {len(spec.vocabulary)} values)" for spec in result.specs),
    )
    return result


def empty_tables(specs: list[FeatureSpec], num_items: int) -> list[torch.Tensor]:
    """Return zero tables of the saved shapes, to be overwritten by a checkpoint's buffers."""
    return [
        torch.zeros(num_items + 1, dtype=torch.long)
        if spec.kind == "categorical"
        else torch.zeros(num_items + 1, spec.width, dtype=torch.long)
        for spec in specs
    ]
