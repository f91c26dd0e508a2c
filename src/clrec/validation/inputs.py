"""Read the preprocess and feature outputs that the suites validate.

Only missing or unreadable files raise here. Wrong content is left for the
expectations to report, so that one run lists every fault at once.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

logger = logging.getLogger(__name__)

FEATURE_KINDS = ("categorical", "multi_categorical", "text")


class ValidationInputError(ValueError):
    """An input file of the validation step that is missing or cannot be read."""


@dataclass(frozen=True)
class Table:
    """A Parquet file read into pandas, with the Arrow type of each column."""

    file_name: str
    frame: pd.DataFrame
    # Column name -> Arrow type as text, `list<type>` for list columns.
    arrow_types: dict[str, str]


@dataclass(frozen=True)
class PreprocessOutput:
    """The files of one preprocess output directory."""

    directory: Path
    events: Table
    sequences: Table
    items: Table
    users: Table
    manifest: dict[str, Any]
    # Lines of rejects.jsonl: one per raw row that preprocessing rejected.
    rejected_rows: int

    @property
    def has_timestamps(self) -> bool:
        """Whether the timestamp column contains Unix times (false: positions in the sequence)."""
        return bool(self.manifest["has_timestamps"])


@dataclass(frozen=True)
class FeatureSchema:
    """The content of feature_schema.json."""

    categorical: list[str]
    multi_categorical: list[str]
    text: list[str]
    unknown_token: str

    def features(self) -> list[tuple[str, str]]:
        """Return (feature, kind) for every feature, in schema order."""
        return [(name, kind) for kind in FEATURE_KINDS for name in getattr(self, kind)]


@dataclass(frozen=True)
class FeaturesOutput:
    """The files of one feature output directory."""

    directory: Path
    item_features: Table
    schema: FeatureSchema
    report: dict[str, Any]


def arrow_type_name(data_type: pa.DataType) -> str:
    """Name an Arrow type as the suites write it: `string`, `int32`, `list<int64>`."""
    if pa.types.is_list(data_type) or pa.types.is_large_list(data_type):
        return f"list<{arrow_type_name(data_type.value_type)}>"
    if pa.types.is_string(data_type) or pa.types.is_large_string(data_type):
        return "string"
    if pa.types.is_dictionary(data_type):
        return arrow_type_name(data_type.value_type)
    return str(data_type)


def _require_file(directory: Path, file_name: str, producer: str) -> Path:
    if not directory.is_dir():
        raise ValidationInputError(
            f"input directory not found: {directory}; pass the output directory of the "
            f"{producer} step"
        )
    path = directory / file_name
    if not path.is_file():
        raise ValidationInputError(
            f"{file_name} not found in {directory}; pass the output directory of the "
            f"{producer} step, or rerun that step if it was interrupted"
        )
    return path


def read_table(directory: Path, file_name: str, producer: str) -> Table:
    """Read one Parquet file of an output directory."""
    path = _require_file(directory, file_name, producer)
    try:
        arrow_table = pq.read_table(path)
    except (pa.ArrowException, OSError) as error:
        raise ValidationInputError(f"cannot read {path} as Parquet: {error}") from error
    types = {field.name: arrow_type_name(field.type) for field in arrow_table.schema}
    logger.debug("read %s: %d rows, columns %s", path, arrow_table.num_rows, types)
    return Table(file_name=file_name, frame=arrow_table.to_pandas(), arrow_types=types)


def read_json_object(directory: Path, file_name: str, producer: str) -> dict[str, Any]:
    """Read a JSON file that must hold one object."""
    path = _require_file(directory, file_name, producer)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValidationInputError(f"invalid JSON in {path}: {error}") from error
    if not isinstance(data, dict):
        raise ValidationInputError(f"invalid {path}: expected a JSON object at the top level")
    return data


def count_lines(directory: Path, file_name: str, producer: str) -> int:
    """Count the non-empty lines of a JSON Lines file."""
    path = _require_file(directory, file_name, producer)
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


def read_preprocess_output(directory: Path) -> PreprocessOutput:
    """Read every file of a preprocess output directory that the suites use."""
    producer = "preprocess"
    manifest = read_json_object(directory, "manifest.json", producer)
    if not isinstance(manifest.get("has_timestamps"), bool):
        raise ValidationInputError(
            f"manifest.json in {directory} has no boolean has_timestamps key "
            f"(got {manifest.get('has_timestamps')!r}); rerun the preprocess step, which writes it"
        )
    return PreprocessOutput(
        directory=directory,
        events=read_table(directory, "events.parquet", producer),
        sequences=read_table(directory, "sequences.parquet", producer),
        items=read_table(directory, "items.parquet", producer),
        users=read_table(directory, "users.parquet", producer),
        manifest=manifest,
        rejected_rows=count_lines(directory, "rejects.jsonl", producer),
    )


def parse_feature_schema(data: dict[str, Any], source: str) -> FeatureSchema:
    """Check the structure of feature_schema.json; `source` names the file in errors."""
    lists: dict[str, list[str]] = {}
    for kind in FEATURE_KINDS:
        names = data.get(kind)
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            raise ValidationInputError(
                f"invalid {source}: {kind!r} must be a list of column names (got {names!r})"
            )
        lists[kind] = names
    token = data.get("unknown_token")
    if not isinstance(token, str) or not token:
        raise ValidationInputError(
            f"invalid {source}: 'unknown_token' must be a non-empty string (got {token!r})"
        )
    every_name = [name for names in lists.values() for name in names]
    if "item_idx" in every_name or len(set(every_name)) != len(every_name):
        raise ValidationInputError(
            f"invalid {source}: a feature is listed twice or is named item_idx ({every_name})"
        )
    return FeatureSchema(unknown_token=token, **lists)


def read_features_output(directory: Path) -> FeaturesOutput:
    """Read every file of a feature output directory that the suites use."""
    producer = "features"
    schema_data = read_json_object(directory, "feature_schema.json", producer)
    schema = parse_feature_schema(schema_data, str(directory / "feature_schema.json"))
    return FeaturesOutput(
        directory=directory,
        item_features=read_table(directory, "item_features.parquet", producer),
        schema=schema,
        report=read_json_object(directory, "feature_report.json", producer),
    )
