"""The same click log as TSV, CSV with a header, JSON Lines, Parquet and gzip gives the same output."""

from __future__ import annotations

import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from clrec.preprocess import run_preprocess
from tests.preprocess.helpers import HEADERLESS_TSV, make_config, read_table, with_preprocess, write_rows

# (user, item, rating, timestamp); user "u2" has two events at the same second.
EVENTS = [("u1", "i1", 5, 100), ("u2", "i2", 3, 50), ("u1", "i2", 4, 90), ("u2", "i1", 4, 50), ("u1", "i3", 2, 120)]
COLUMNS = {"user": "user", "item": "item", "timestamp": "ts", "rating": "rating"}


def run(tmp_path, preprocess):
    return run_preprocess(make_config(preprocess), tmp_path / "input", tmp_path / "output"), tmp_path / "output"


def write_tsv(tmp_path):
    write_rows(tmp_path / "input" / "log.tsv", ["\t".join(map(str, event)) for event in EVENTS])
    return HEADERLESS_TSV


def write_gzip_tsv(tmp_path):
    path = tmp_path / "input" / "log.tsv.gz"
    path.parent.mkdir(parents=True)
    path.write_bytes(gzip.compress("".join("\t".join(map(str, e)) + "\n" for e in EVENTS).encode()))
    return with_preprocess(HEADERLESS_TSV, input={**HEADERLESS_TSV["input"], "paths": ["log.tsv.gz"]})


def write_csv(tmp_path):
    rows = ["ts,user,rating,item", *(f'{ts},"{user}",{rating},{item}' for user, item, rating, ts in EVENTS)]
    write_rows(tmp_path / "input" / "log.csv", rows)
    return {"input": {"paths": ["log.csv"], "format": "csv", "header": True, "field_names": []}, "columns": COLUMNS}


def write_jsonl(tmp_path):
    rows = [json.dumps({"user": u, "item": i, "rating": r, "ts": t}) for u, i, r, t in EVENTS]
    write_rows(tmp_path / "input" / "log.jsonl", rows)
    return {"input": {"paths": ["*.jsonl"], "format": "jsonl", "field_names": []}, "columns": COLUMNS}


def write_parquet(tmp_path):
    table = pa.table(
        {
            "user": [e[0] for e in EVENTS],
            "item": [e[1] for e in EVENTS],
            "rating": pa.array([e[2] for e in EVENTS], pa.int64()),
            "ts": pa.array([e[3] * 1000 for e in EVENTS], pa.timestamp("ms", tz="UTC")),
        }
    )
    (tmp_path / "input").mkdir(parents=True)
    pq.write_table(table, tmp_path / "input" / "log.parquet")
    return {"input": {"paths": ["log.parquet"], "format": "parquet", "field_names": []}, "columns": COLUMNS}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("tsv")
    return run(tmp_path, write_tsv(tmp_path))


def test_reference_sequences(reference):
    # u1 by time: i2@90, i1@100, i3@120. u2 at 50: i2 (line 2) before i1 (line 4).
    _, output = reference
    sequences = read_table(output, "sequences.parquet").to_pydict()
    assert sequences["train_items"] == [[2], [2, 1]]
    assert sequences["valid_item"] == [1, None]
    assert sequences["test_item"] == [3, None]


@pytest.mark.parametrize("writer", [write_gzip_tsv, write_csv, write_jsonl, write_parquet])
def test_format_matches_tsv(tmp_path, reference, writer):
    _, reference_output = reference
    manifest, output = run(tmp_path, writer(tmp_path))
    for name in ("events.parquet", "sequences.parquet", "items.parquet", "users.parquet"):
        assert read_table(output, name).equals(read_table(reference_output, name)), name
    assert manifest["rows"]["input"] == len(EVENTS)
