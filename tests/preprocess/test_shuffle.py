"""The output does not depend on the order in which rows or Beam elements arrive."""

from __future__ import annotations

import random

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions

from clrec.preprocess import run_preprocess
from clrec.preprocess.pipeline import BuildSequences
from clrec.preprocess.reading import ReadClickLogFn
from clrec.preprocess.writers import removed_table
from tests.preprocess.helpers import HEADERLESS_TSV, make_config, read_table, write_rows
from tests.preprocess.test_golden import GOLDEN_CONFIG, ROWS

OUTPUT_FILES = ("events.parquet", "sequences.parquet", "items.parquet", "users.parquet", "removed_events.parquet")


def golden_events(tmp_path):
    """Read the golden log once; return its events as one-event chunks (user, [event])."""
    path = write_rows(tmp_path / "log.tsv", ROWS)
    reader = ReadClickLogFn(make_config(GOLDEN_CONFIG).preprocess)
    chunks = [output for output in reader.process((0, str(path))) if not isinstance(output, beam.pvalue.TaggedOutput)]
    return [(user, [event]) for user, events in chunks for event in events]


def build(chunks, output_dir):
    config = make_config(GOLDEN_CONFIG).preprocess
    with beam.Pipeline(options=PipelineOptions(["--runner=FnApiRunner"])) as pipeline:
        built = pipeline | beam.Create(chunks, reshuffle=False) | BuildSequences(config, str(output_dir))
        _ = built["removed"] | beam.combiners.ToList() | beam.Map(
            lambda removed: removed_table(removed, ["log.tsv"]).to_pylist()
        ) | beam.io.WriteToText(str(output_dir / "removed"), shard_name_template="")


def test_shuffled_elements_same_output(tmp_path):
    chunks = golden_events(tmp_path)
    shuffled = list(chunks)
    random.Random(7).shuffle(shuffled)
    assert shuffled != chunks
    build(chunks, tmp_path / "in_order")
    build(shuffled, tmp_path / "shuffled")
    for name in OUTPUT_FILES[:4]:
        assert read_table(tmp_path / "shuffled", name).equals(read_table(tmp_path / "in_order", name)), name
    assert (tmp_path / "shuffled" / "removed").read_text() == (tmp_path / "in_order" / "removed").read_text()


def test_shuffled_rows_same_output(tmp_path):
    # 40 users with 2 to 14 events on 25 items; timestamps never repeat within a user,
    # so file order never breaks a tie and any row order must give the same output.
    generator = random.Random(3)
    rows = []
    for user in range(1, 41):
        times = generator.sample(range(1_000, 2_000), generator.randint(2, 14))
        rows += [f"{user}\t{generator.randint(1, 25)}\t{generator.randint(1, 5)}\t{t}" for t in times]
    shuffled = list(rows)
    generator.shuffle(shuffled)

    manifests = {}
    for name, lines in (("original", rows), ("shuffled", shuffled)):
        write_rows(tmp_path / name / "input" / "log.tsv", lines)
        manifests[name] = run_preprocess(make_config(HEADERLESS_TSV), tmp_path / name / "input", tmp_path / name / "output")

    for name in OUTPUT_FILES[:4]:
        original = read_table(tmp_path / "original" / "output", name)
        assert read_table(tmp_path / "shuffled" / "output", name).equals(original), name
    for key in ("rows", "users", "items", "events", "events_by_split"):
        assert manifests["shuffled"][key] == manifests["original"][key], key
