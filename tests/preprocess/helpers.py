"""Helpers shared by the preprocessing tests: small logs on disk, configurations, output readers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq

from clrec.config import ClrecConfig
from clrec.preprocess.reading import FILES_TAG, REJECTS_TAG, ReadClickLogFn

HEADERLESS_TSV = {
    "input": {"paths": ["log.tsv"], "format": "tsv", "field_names": ["user", "item", "rating", "ts"]},
    "columns": {"user": "user", "item": "item", "timestamp": "ts", "rating": "rating"},
}


def make_config(preprocess: dict[str, Any] | None = None, **sections: Any) -> ClrecConfig:
    """Return a validated configuration whose preprocess section is `preprocess` (default: headerless TSV)."""
    return ClrecConfig.model_validate({"preprocess": preprocess or HEADERLESS_TSV, **sections})


def with_preprocess(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """Return a copy of a preprocess section with top-level keys replaced or added."""
    merged = {key: dict(value) if isinstance(value, dict) else value for key, value in base.items()}
    merged.update(changes)
    return merged


def write_rows(path: Path, rows: list[str]) -> Path:
    """Write text rows, one per line, with a final newline."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def read_table(output_dir: Path, name: str) -> pa.Table:
    """Read one output Parquet file."""
    return pq.read_table(output_dir / name)


def read_rejects(output_dir: Path) -> list[dict[str, Any]]:
    """Read rejects.jsonl as a list of dicts."""
    text = (output_dir / "rejects.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def read_file(path: Path, preprocess: dict[str, Any] = HEADERLESS_TSV) -> tuple[list, list, list]:
    """Run the reader on one file; return (events as (user, event) pairs, rejects, file statistics)."""
    events, rejects, files = [], [], []
    for output in ReadClickLogFn(make_config(preprocess).preprocess).process((0, str(path))):
        if isinstance(output, beam.pvalue.TaggedOutput):
            (rejects if output.tag == REJECTS_TAG else files).append(output.value)
            assert output.tag in (REJECTS_TAG, FILES_TAG)
        else:
            user, user_events = output
            events.extend((user, event) for event in user_events)
    return events, rejects, files
