"""DoFns that write the step's files through Beam's FileSystems (local paths, gs://, s3://, ...).

Each writer receives everything it writes as one element (a list built by
`CollectAll` in `clrec.preprocess.pipeline`), sorts it, and writes one file. One worker writes
each file, which is what makes the files independent of bundle order.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from clrec.preprocess.records import EVENT_TYPE, FILE_INDEX, ITEM, LINE, RATING, TIMESTAMP, Event, Reject
from clrec.preprocess.schemas import REJECTS_FILE, REMOVED_FILE, REMOVED_SCHEMA
from clrec.preprocess.tables import UserRecord, build_output_tables, summarize_tables

STATS_FILE = "_stats.json"


def write_parquet(table: pa.Table, path: str) -> None:
    """Write one Arrow table as a single Parquet file at a local path or URL."""
    with FileSystems.create(path) as handle:
        pq.write_table(table, handle)


class WriteSequenceTablesFn(beam.DoFn):
    """Writes events, sequences, users and items Parquet files; yields the summary counts."""

    def __init__(self, output_dir: str) -> None:
        self.output_dir = output_dir

    def process(self, records: list[UserRecord]) -> Iterator[dict[str, Any]]:
        tables = build_output_tables(records)
        for file_name, table in tables.items():
            write_parquet(table, FileSystems.join(self.output_dir, file_name))
        yield summarize_tables(tables)


class WriteRejectsFn(beam.DoFn):
    """Writes rejected rows as JSON Lines in input order: source, line, reason, detail, raw."""

    def __init__(self, output_dir: str, sources: Sequence[str]) -> None:
        self.output_dir = output_dir
        self.sources = list(sources)

    def process(self, rejects: list[Reject]) -> None:
        path = FileSystems.join(self.output_dir, REJECTS_FILE)
        with FileSystems.create(path) as handle:
            for file_index, line, reason, detail, raw in sorted(rejects):
                record = {"source": self.sources[file_index], "line": line, "reason": reason, "detail": detail, "raw": raw}
                handle.write((json.dumps(record) + "\n").encode("utf-8"))


def removed_table(removed: list[tuple[str, str, list[Event]]], sources: Sequence[str]) -> pa.Table:
    """Return the removed events as a table sorted by input order (file, then line)."""
    rows = [(event, user, reason) for user, reason, events in removed for event in events]
    rows.sort(key=lambda row: (row[0][FILE_INDEX], row[0][LINE]))
    columns = {
        "source": [sources[event[FILE_INDEX]] for event, _, _ in rows],
        "line": [event[LINE] for event, _, _ in rows],
        "user_id": [user for _, user, _ in rows],
        "item_id": [event[ITEM] for event, _, _ in rows],
        "timestamp": [event[TIMESTAMP] for event, _, _ in rows],
        "rating": [event[RATING] for event, _, _ in rows],
        "event_type": [event[EVENT_TYPE] for event, _, _ in rows],
        "reason": [reason for _, _, reason in rows],
    }
    return pa.Table.from_pydict(columns, schema=REMOVED_SCHEMA)


class WriteRemovedFn(beam.DoFn):
    """Writes the accepted events that the filters, k-core or time cutoff left out."""

    def __init__(self, output_dir: str, sources: Sequence[str]) -> None:
        self.output_dir = output_dir
        self.sources = list(sources)

    def process(self, removed: list[tuple[str, str, list[Event]]]) -> None:
        write_parquet(removed_table(removed, self.sources), FileSystems.join(self.output_dir, REMOVED_FILE))


class WriteStatsFn(beam.DoFn):
    """Writes the pipeline's counts for the driver, which turns them into the manifest."""

    def __init__(self, output_dir: str) -> None:
        self.output_dir = output_dir

    def process(
        self,
        _: Any,
        counters: list[tuple[str, int]],
        files: list[dict[str, Any]],
        summaries: list[dict[str, Any]],
    ) -> None:
        stats = {
            "counters": dict(sorted(counters)),
            "files": sorted(files, key=lambda entry: entry["file_index"]),
            "outputs": summaries[0] if summaries else None,
        }
        with FileSystems.create(FileSystems.join(self.output_dir, STATS_FILE)) as handle:
            handle.write(json.dumps(stats, indent=2).encode("utf-8"))


def read_stats(output_dir: str) -> dict[str, Any]:
    """Read the counts that `WriteStatsFn` wrote, then delete the file."""
    path = FileSystems.join(output_dir, STATS_FILE)
    with FileSystems.open(path) as handle:
        stats = json.loads(handle.read().decode("utf-8"))
    FileSystems.delete([path])
    return stats
