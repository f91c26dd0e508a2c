"""Find the input files, check their layout, and read them into events.

Each input file is read by one `ReadClickLogFn` call, in blocks: the raw
bytes feed the file's SHA-256 and are then cut into lines, so a file is read
once. Files ending in `.gz` are decompressed after hashing (the hash is of
the stored file). Events leave the reader grouped by user within each block,
which cuts the number of Beam elements before the shuffle by about the
number of events a user has per block.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import zlib
from collections.abc import Iterator
from typing import Any

import apache_beam as beam
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from clrec.config.preprocess import PreprocessConfig
from clrec.preprocess.errors import PreprocessError
from clrec.preprocess.parsing import (
    DelimitedLineParser,
    JsonLineParser,
    MappingParser,
    RowRejected,
    missing_fields,
)
from clrec.preprocess.records import UNDECODABLE, Event

logger = logging.getLogger(__name__)

BLOCK_BYTES = 4 << 20
REJECTS_TAG = "rejects"
FILES_TAG = "files"
UTF8_BOM = "\ufeff"


def resolve_input_files(patterns: list[str], input_dir: str) -> list[str]:
    """Return the sorted, distinct files that match the glob patterns.

    A relative pattern is joined to `input_dir`; an absolute path or a URL
    (`gs://...`) is used as given. Raises `PreprocessError` naming every
    pattern that matches nothing.
    """
    files: set[str] = set()
    unmatched = []
    for pattern in patterns:
        full = pattern if _is_absolute(pattern) else FileSystems.join(str(input_dir), pattern)
        matched = [meta.path for result in FileSystems.match([full]) for meta in result.metadata_list]
        if not matched:
            unmatched.append(full)
        files.update(matched)
    if unmatched:
        raise PreprocessError(
            f"no input file matches {unmatched}; check preprocess.input.paths "
            f"(relative to the dataset folder {input_dir}) and that the dataset was fetched"
        )
    return sorted(files)


def _is_absolute(pattern: str) -> bool:
    return pattern.startswith("/") or "://" in pattern


def _open_raw(path: str) -> Any:
    return FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED)


def read_header(path: str, config: PreprocessConfig) -> list[str]:
    """Return the field names on the first line of a tsv or csv file with a header."""
    with _open_raw(path) as handle:
        data = handle.read(1 << 16)
    if path.endswith(".gz"):
        data = zlib.decompressobj(wbits=31).decompress(data)
    return parse_header_line(data.split(b"\n", 1)[0].rstrip(b"\r"), path, config)


def parse_header_line(raw: bytes, path: str, config: PreprocessConfig) -> list[str]:
    """Return the field names of a header line given as bytes."""
    try:
        text = raw.decode(config.input.encoding)
    except UnicodeDecodeError as error:
        raise PreprocessError(
            f"the header of {path} does not decode as {config.input.encoding}: {error}; "
            "set preprocess.input.encoding"
        ) from None
    return parse_header_text(text, path, config)


def parse_header_text(text: str, path: str, config: PreprocessConfig) -> list[str]:
    """Return the field names of a header line, raising `PreprocessError` when it is blank."""
    text = text.removeprefix(UTF8_BOM)
    if not text.strip():
        raise PreprocessError(f"{path} has no header line; it is empty or starts with a blank line")
    delimiter = config.input.effective_delimiter
    if config.input.format == "csv":
        names = next(csv.reader([text], delimiter=delimiter))
    else:
        names = text.split(delimiter)
    return [name.strip() for name in names]


def check_input_layout(files: list[str], config: PreprocessConfig) -> None:
    """Raise `PreprocessError` when a file lacks a mapped field, before any row is read.

    Headers of tsv and csv files and Parquet schemas are checked; JSON Lines
    rows are checked one by one while reading (a missing key rejects the row).
    """
    columns = config.columns
    for path in files:
        if config.input.format == "parquet":
            with _open_raw(path) as handle:
                available = pq.read_schema(handle).names
        elif config.input.header:
            available = read_header(path, config)
        else:
            continue
        absent = missing_fields(columns, available)
        if absent:
            raise PreprocessError(
                f"{path} has no field {absent}; its fields are {available}. "
                "Fix preprocess.columns to name fields of the file"
            )


class HashedTextBlocks:
    """Reads a text file in blocks, hashing the stored bytes, and yields each block's lines.

    Each yielded list holds the complete lines of one block, decoded and
    without their line break (`\n` or `\r\n`). A line that does not decode
    is yielded as its bytes, so the caller can reject it. Decoding a whole
    block at once is valid because the encoding is ASCII-compatible (the
    configuration checks this), so a newline byte never sits inside a
    multi-byte character.
    """

    def __init__(self, path: str, encoding: str) -> None:
        self.path = path
        self.encoding = encoding
        self.sha256 = hashlib.sha256()
        self.size_bytes = 0

    def __iter__(self) -> Iterator[list[str | bytes]]:
        decompressor = zlib.decompressobj(wbits=31) if self.path.endswith(".gz") else None
        carry = b""
        first = True
        with _open_raw(self.path) as handle:
            while True:
                block = handle.read(BLOCK_BYTES)
                if not block:
                    break
                self.sha256.update(block)
                self.size_bytes += len(block)
                if decompressor is not None:
                    block = decompressor.decompress(block)
                data = carry + block
                cut = data.rfind(b"\n") + 1
                carry = data[cut:]
                if cut:
                    yield self._decode(data[:cut], first)
                    first = False
        if decompressor is not None:
            carry += decompressor.flush()
        if carry:
            yield self._decode(carry + b"\n", first)

    def _decode(self, piece: bytes, first: bool) -> list[str | bytes]:
        """Split a piece that ends with a newline into lines, decoding each."""
        try:
            text = piece.decode(self.encoding)
        except UnicodeDecodeError:
            lines = [self._decode_line(raw) for raw in piece.split(b"\n")[:-1]]
        else:
            if "\r" in text:
                text = text.replace("\r\n", "\n")
            lines = text.split("\n")
            lines.pop()
        if first and lines and isinstance(lines[0], str):
            lines[0] = lines[0].removeprefix(UTF8_BOM)
        return lines

    def _decode_line(self, raw: bytes) -> str | bytes:
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        try:
            return raw.decode(self.encoding)
        except UnicodeDecodeError:
            return raw


def _undecodable(file_index: int, line_number: int, raw: bytes, encoding: str) -> beam.pvalue.TaggedOutput:
    try:
        raw.decode(encoding)
        detail = f"does not decode as {encoding}"
    except UnicodeDecodeError as error:
        detail = str(error)
    shown = raw.decode(encoding, errors="backslashreplace")
    return beam.pvalue.TaggedOutput(REJECTS_TAG, (file_index, line_number, UNDECODABLE, detail, shown))


class ReadClickLogFn(beam.DoFn):
    """Reads one input file into events grouped by user, plus its rejected rows and statistics.

    Input: (file_index, path). Main output: (user_id, [Event, ...]) for each
    user seen in a block of the file (a text block of `BLOCK_BYTES`, or a
    Parquet record batch). Tagged outputs: `rejects` with (file_index, line,
    reason, detail, raw), and `files` with one dict per file (path, sha256,
    size_bytes, input_rows, blank_lines).

    NOTE: one worker reads each file from start to end because line numbers
    are counted from the start. A single large file is therefore not split
    across workers.
    """

    def __init__(self, config: PreprocessConfig) -> None:
        self.config = config

    def process(self, element: tuple[int, str]) -> Iterator[Any]:
        file_index, path = element
        if self.config.input.format == "parquet":
            yield from self._read_parquet(file_index, path)
        else:
            yield from self._read_text(file_index, path)

    def _read_text(self, file_index: int, path: str) -> Iterator[Any]:
        input_config = self.config.input
        encoding = input_config.encoding
        blocks = HashedTextBlocks(path, encoding)
        needs_header = input_config.header
        parser = None if needs_header else self._text_parser(input_config.field_names)
        input_rows = blank_lines = line_number = 0

        # The loop body runs once per input row, so it is written out inline.
        for lines in blocks:
            by_user: dict[str, list[Event]] = {}
            for line in lines:
                line_number += 1
                if needs_header:
                    if isinstance(line, bytes):
                        field_names = parse_header_line(line, path, self.config)
                    else:
                        field_names = parse_header_text(line, path, self.config)
                    parser = self._text_parser(field_names)
                    needs_header = False
                    continue
                if not line or line.isspace():
                    blank_lines += 1
                    continue
                input_rows += 1
                if line.__class__ is bytes:
                    yield _undecodable(file_index, line_number, line, encoding)
                    continue
                try:
                    user, timestamp, item, rating, event_type = parser.parse(line)
                except RowRejected as rejected:
                    yield beam.pvalue.TaggedOutput(
                        REJECTS_TAG, (file_index, line_number, rejected.reason, rejected.detail, line)
                    )
                    continue
                event = (timestamp, file_index, line_number, item, rating, event_type)
                events = by_user.get(user)
                if events is None:
                    by_user[user] = [event]
                else:
                    events.append(event)
            yield from by_user.items()

        logger.info("read %s: %d rows, %d blank lines", path, input_rows, blank_lines)
        yield beam.pvalue.TaggedOutput(
            FILES_TAG,
            {
                "file_index": file_index,
                "path": path,
                "sha256": blocks.sha256.hexdigest(),
                "size_bytes": blocks.size_bytes,
                "input_rows": input_rows,
                "blank_lines": blank_lines,
            },
        )

    def _text_parser(self, field_names: list[str] | None) -> DelimitedLineParser | JsonLineParser:
        if self.config.input.format == "jsonl":
            return JsonLineParser(self.config.columns)
        if field_names is None:
            raise PreprocessError("a headerless tsv or csv file needs preprocess.input.field_names")
        try:
            return DelimitedLineParser(self.config.input, self.config.columns, field_names)
        except ValueError as error:
            raise PreprocessError(f"{error}; fix preprocess.columns or preprocess.input.field_names") from None

    def _read_parquet(self, file_index: int, path: str) -> Iterator[Any]:
        with _open_raw(path) as handle:
            data = handle.read()
        parquet_file = pq.ParquetFile(io.BytesIO(data))
        names = list(self.config.columns.mapped().values())
        absent = missing_fields(self.config.columns, parquet_file.schema_arrow.names)
        if absent:
            raise PreprocessError(f"{path} has no field {absent}; fix preprocess.columns")
        parser = MappingParser(self.config.columns)
        row_number = 0

        for record_batch in parquet_file.iter_batches(columns=names):
            by_user: dict[str, list[Event]] = {}
            columns = {name: _whole_second_values(record_batch.column(name)) for name in names}
            for values in zip(*columns.values()):
                row_number += 1
                record = dict(zip(columns, values))
                try:
                    user, timestamp, item, rating, event_type = parser.parse(record)
                except RowRejected as rejected:
                    raw = json.dumps(record, default=str)
                    yield beam.pvalue.TaggedOutput(
                        REJECTS_TAG, (file_index, row_number, rejected.reason, rejected.detail, raw)
                    )
                    continue
                by_user.setdefault(user, []).append((timestamp, file_index, row_number, item, rating, event_type))
            yield from by_user.items()

        logger.info("read %s: %d rows", path, row_number)
        yield beam.pvalue.TaggedOutput(
            FILES_TAG,
            {
                "file_index": file_index,
                "path": path,
                "sha256": hashlib.sha256(data).hexdigest(),
                "size_bytes": len(data),
                "input_rows": row_number,
                "blank_lines": 0,
            },
        )


def _whole_second_values(column: pa.Array) -> list[Any]:
    """Return a Parquet column as Python values, with timestamp columns as Unix seconds."""
    if pa.types.is_timestamp(column.type):
        # Sub-second parts are dropped, so events within one second keep
        # their input order rather than their exact time.
        seconds = pc.cast(column, pa.timestamp("s"), safe=False)
        return pc.cast(seconds, pa.int64()).to_pylist()
    return column.to_pylist()
