"""The Beam graph of the preprocessing step.

    input files ─ReadClickLogs─▶ (user, events of a block) ─GroupByUser─▶
      ─PrepareUserEvents (order, drop duplicates, rating/event-type filters)─▶
      ─KCore (optional)─▶ ─TrimToCutoff (time_cutoff only)─▶
      ─SplitUsers─▶ ─WriteSequenceTables (numbering, popularity)─▶ Parquet files

Rejected rows, removed events and counters flow to their own writers. Every
writer sorts what it writes, so no file depends on bundle order.
"""

from __future__ import annotations

import apache_beam as beam

from clrec.config.preprocess import PreprocessConfig
from clrec.preprocess.kcore import KCoreFilter
from clrec.preprocess.ordering import REMOVED_TAG, STATS_TAG, PrepareUserEventsFn
from clrec.preprocess.reading import FILES_TAG, REJECTS_TAG, ReadClickLogFn
from clrec.preprocess.splits import TrimToCutoffFn
from clrec.preprocess.tables import SplitUserFn
from clrec.preprocess.writers import WriteRejectsFn, WriteRemovedFn, WriteSequenceTablesFn, WriteStatsFn


class CollectAll(beam.PTransform):
    """Gathers a whole PCollection into one list element, which is [] when it is empty.

    `beam.combiners.ToList` does the same, but in apache-beam 2.77 it passes
    its result through a side input (to supply the default for empty input),
    and the worker's state cache then measures the deep size of the whole
    list: seconds for 40,000 records in a profile of Amazon Beauty. Here one
    marker element joins the data under a single key instead, so the list
    exists even for empty input and no side input is involved.
    """

    def expand(self, pcoll: beam.PCollection) -> beam.PCollection:
        marked = pcoll | "Mark" >> beam.Map(lambda element: (0, (True, element)))
        marker = pcoll.pipeline | "Marker" >> beam.Create([(0, (False, None))])
        return (
            (marked, marker)
            | "Merge" >> beam.Flatten()
            | "GroupAll" >> beam.GroupByKey()
            | "Unmark" >> beam.MapTuple(lambda _, values: [element for is_data, element in values if is_data])
        )


class BuildSequences(beam.PTransform):
    """From (user_id, [Event, ...]) chunks in any order to the written sequence files.

    Returns a dict of PCollections: `summary` (the counts of the written
    tables), `removed` ((user_id, reason, [Event, ...])) and `stats`
    ((name, count) pairs).
    """

    def __init__(self, config: PreprocessConfig, output_dir: str) -> None:
        super().__init__()
        self.config = config
        self.output_dir = output_dir

    def expand(self, chunks: beam.PCollection) -> dict[str, beam.PCollection]:
        config = self.config
        has_timestamps = config.columns.timestamp is not None
        prepared = (
            chunks
            | "GroupByUser" >> beam.GroupByKey()
            | "PrepareUserEvents"
            >> beam.ParDo(PrepareUserEventsFn(config.filter, has_timestamps)).with_outputs(
                REMOVED_TAG, STATS_TAG, main="users"
            )
        )
        users = prepared.users
        removed = [prepared[REMOVED_TAG]]
        stats = [prepared[STATS_TAG]]

        if config.kcore.enabled:
            core = users | "KCore" >> KCoreFilter(config.kcore)
            users = core["users"]
            removed.append(core["removed"])
            stats.append(core[STATS_TAG])

        if config.split.strategy == "time_cutoff":
            # NOTE: trimming runs after k-core filtering, so an item or user can
            # end up below its k-core minimum here.
            trimmed = users | "TrimToCutoff" >> beam.ParDo(TrimToCutoffFn(config.split.time_cutoff)).with_outputs(
                REMOVED_TAG, main="users"
            )
            users = trimmed.users
            removed.append(trimmed[REMOVED_TAG])

        summary = (
            users
            | "SplitUsers" >> beam.ParDo(SplitUserFn(has_timestamps, config.split))
            | "CollectRecords" >> CollectAll()
            | "WriteSequenceTables" >> beam.ParDo(WriteSequenceTablesFn(self.output_dir))
        )
        all_removed = removed | "MergeRemoved" >> beam.Flatten()
        removed_stats = all_removed | "CountRemoved" >> beam.MapTuple(
            lambda user, reason, events: (f"removed.{reason}", len(events))
        )
        all_stats = (*stats, removed_stats) | "MergeStats" >> beam.Flatten()
        return {"summary": summary, "removed": all_removed, STATS_TAG: all_stats}


def build_pipeline(pipeline: beam.Pipeline, files: list[str], config: PreprocessConfig, output_dir: str) -> None:
    """Add every step, from reading `files` to writing the outputs and counters, to `pipeline`."""
    read = (
        pipeline
        | "ListInputFiles" >> beam.Create(list(enumerate(files)))
        | "ReadClickLogs" >> beam.ParDo(ReadClickLogFn(config)).with_outputs(REJECTS_TAG, FILES_TAG, main="chunks")
    )
    built = read.chunks | "BuildSequences" >> BuildSequences(config, output_dir)

    rejects = read[REJECTS_TAG]
    _ = rejects | "CollectRejects" >> CollectAll() | "WriteRejects" >> beam.ParDo(
        WriteRejectsFn(output_dir, files)
    )
    _ = built["removed"] | "CollectRemoved" >> CollectAll() | "WriteRemoved" >> beam.ParDo(
        WriteRemovedFn(output_dir, files)
    )
    reject_stats = rejects | "CountRejects" >> beam.Map(lambda reject: (f"rejected.{reject[2]}", 1))
    counters = (
        (built[STATS_TAG], reject_stats) | "MergeCounters" >> beam.Flatten() | "SumCounters" >> beam.CombinePerKey(sum)
    )
    _ = (
        pipeline
        | "StatsTrigger" >> beam.Create([None])
        | "WriteStats"
        >> beam.ParDo(
            WriteStatsFn(output_dir),
            counters=beam.pvalue.AsList(counters),
            files=beam.pvalue.AsList(read[FILES_TAG]),
            summaries=beam.pvalue.AsList(built["summary"]),
        )
    )
