"""Turn the pipeline's counters into `manifest.json`, and check them before anything is published.

Every input row is accounted for: it is rejected, a duplicate, or accepted,
and every accepted event is either in the output or removed for a named
reason. `check_manifest` raises `PreprocessError` when those sums do not
hold, when too many rows were rejected, when k-core filtering did not
converge, or when nothing is left (naming the filter that removed the rest).
"""

from __future__ import annotations

from typing import Any

from clrec import __version__
from clrec.config import ClrecConfig
from clrec.preprocess.errors import PreprocessError
from clrec.preprocess.kcore import PENDING_ITEMS_STAT, ROUND_STAT_PREFIX
from clrec.preprocess.records import (
    AFTER_TEST_TARGET,
    BELOW_MIN_RATING,
    DUPLICATE,
    EVENT_TYPE_NOT_KEPT,
    KCORE,
    NO_EVENTS_BEFORE_CUTOFF,
    REJECT_REASONS,
    REMOVAL_REASONS,
    SPLITS,
)
from clrec.preprocess.schemas import (
    EVENTS_FILE,
    ITEMS_FILE,
    REJECTS_FILE,
    REMOVED_FILE,
    SEQUENCES_FILE,
    USERS_FILE,
)

MANIFEST_VERSION = 1
EMPTY_OUTPUTS = {
    "events": 0,
    "users": 0,
    "items": 0,
    "events_by_split": {name: 0 for name in SPLITS},
    "users_train_only": 0,
}


def build_manifest(stats: dict[str, Any], config: ClrecConfig) -> dict[str, Any]:
    """Return the manifest dict from the counters that the pipeline wrote."""
    preprocess = config.preprocess
    counters: dict[str, int] = stats["counters"]
    outputs = stats["outputs"] or EMPTY_OUTPUTS
    inputs = [
        {
            "path": entry["path"],
            "sha256": entry["sha256"],
            "size_bytes": entry["size_bytes"],
            "rows": entry["input_rows"],
            "blank_lines": entry["blank_lines"],
        }
        for entry in stats["files"]
    ]
    rejected_by_reason = {reason: counters.get(f"rejected.{reason}", 0) for reason in REJECT_REASONS}
    removed_by_reason = {reason: counters.get(f"removed.{reason}", 0) for reason in REMOVAL_REASONS}
    input_rows = sum(entry["rows"] for entry in inputs)
    rejected = sum(rejected_by_reason.values())
    has_timestamps = preprocess.columns.timestamp is not None
    round_removals = [
        counters.get(f"{ROUND_STAT_PREFIX}{index}", 0) for index in range(1, preprocess.kcore.max_rounds + 1)
    ]

    return {
        "manifest_version": MANIFEST_VERSION,
        "clrec_version": __version__,
        "dataset": config.data.dataset,
        "has_timestamps": has_timestamps,
        "timestamp_meaning": "unix_seconds_utc" if has_timestamps else "position_in_user_sequence",
        "inputs": inputs,
        "rows": {
            "input": input_rows,
            "accepted": counters.get("accepted_rows", 0),
            "rejected": rejected,
            "duplicates": removed_by_reason[DUPLICATE],
            "blank_lines_skipped": sum(entry["blank_lines"] for entry in inputs),
        },
        "rejected_by_reason": rejected_by_reason,
        "rejected_fraction": rejected / input_rows if input_rows else 0.0,
        "max_rejected_fraction": preprocess.max_rejected_fraction,
        "removed_by_reason": removed_by_reason,
        "events_removed_by_kcore": removed_by_reason[KCORE],
        "kcore": {
            "enabled": preprocess.kcore.enabled,
            "min_user_events": preprocess.kcore.min_user_events,
            "min_item_events": preprocess.kcore.min_item_events,
            "rounds_with_removals": sum(1 for removed in round_removals if removed),
            "events_dropped_per_round": round_removals if preprocess.kcore.enabled else [],
            "pending_items": counters.get(PENDING_ITEMS_STAT, 0),
        },
        "split": preprocess.split.model_dump(),
        "users": outputs["users"],
        "items": outputs["items"],
        "events": outputs["events"],
        "events_by_split": outputs["events_by_split"],
        "users_train_only": outputs["users_train_only"],
        "files": {
            "events": EVENTS_FILE,
            "sequences": SEQUENCES_FILE,
            "items": ITEMS_FILE,
            "users": USERS_FILE,
            "rejects": REJECTS_FILE,
            "removed_events": REMOVED_FILE,
        },
    }


def check_row_accounting(manifest: dict[str, Any]) -> None:
    """Raise when input rows != accepted + rejected + duplicates, or accepted != kept + removed."""
    rows = manifest["rows"]
    if rows["input"] != rows["accepted"] + rows["rejected"] + rows["duplicates"]:
        raise PreprocessError(
            f"row accounting does not add up: {rows['input']} input rows but {rows['accepted']} accepted + "
            f"{rows['rejected']} rejected + {rows['duplicates']} duplicates = "
            f"{rows['accepted'] + rows['rejected'] + rows['duplicates']}. Rows were lost or repeated between "
            "steps, which points to a runner fault or a bug; rerun with the default FnApiRunner"
        )
    removed_after_accept = sum(
        count for reason, count in manifest["removed_by_reason"].items() if reason != DUPLICATE
    )
    if rows["accepted"] != manifest["events"] + removed_after_accept:
        raise PreprocessError(
            f"event accounting does not add up: {rows['accepted']} accepted rows but {manifest['events']} "
            f"written events + {removed_after_accept} removed = {manifest['events'] + removed_after_accept}. "
            "Events were lost or repeated between steps, which points to a runner fault or a bug"
        )


def check_rejected_share(manifest: dict[str, Any], output_dir: str) -> None:
    """Raise when the share of rejected input rows exceeds `max_rejected_fraction`."""
    share = manifest["rejected_fraction"]
    limit = manifest["max_rejected_fraction"]
    if share > limit:
        reasons = {reason: count for reason, count in manifest["rejected_by_reason"].items() if count}
        raise PreprocessError(
            f"{manifest['rows']['rejected']} of {manifest['rows']['input']} input rows were rejected "
            f"({share:.2%}), more than preprocess.max_rejected_fraction={limit} ({limit:.2%}); reasons: {reasons}. "
            f"See {output_dir}/{REJECTS_FILE} for each row, then fix the input or its column mapping, "
            "or raise the limit"
        )


def check_kcore_converged(manifest: dict[str, Any]) -> None:
    """Raise when items were still below the k-core minimum after the last round."""
    pending = manifest["kcore"]["pending_items"]
    if pending:
        rounds = len(manifest["kcore"]["events_dropped_per_round"])
        raise PreprocessError(
            f"k-core filtering did not converge in {rounds} rounds: {pending} items are still below "
            "preprocess.kcore.min_item_events; raise preprocess.kcore.max_rounds"
        )


def _stage_descriptions(config: ClrecConfig) -> list[tuple[str, str]]:
    preprocess = config.preprocess
    cutoff = f"the time cutoff (preprocess.split.time_cutoff={preprocess.split.time_cutoff})"
    return [
        (BELOW_MIN_RATING, f"the rating filter (preprocess.filter.min_rating={preprocess.filter.min_rating})"),
        (EVENT_TYPE_NOT_KEPT, f"the event-type filter (preprocess.filter.event_types={preprocess.filter.event_types})"),
        (
            KCORE,
            "k-core filtering (preprocess.kcore.min_user_events="
            f"{preprocess.kcore.min_user_events}, min_item_events={preprocess.kcore.min_item_events})",
        ),
        (NO_EVENTS_BEFORE_CUTOFF, cutoff),
        (AFTER_TEST_TARGET, cutoff),
    ]


def check_not_empty(manifest: dict[str, Any], config: ClrecConfig) -> None:
    """Raise when no event is left, naming the input or the filter that removed the last events."""
    if manifest["events"] > 0:
        return
    rows = manifest["rows"]
    paths = [entry["path"] for entry in manifest["inputs"]]
    if rows["input"] == 0:
        raise PreprocessError(f"the input files {paths} contain no rows; check preprocess.input.paths and the dataset")
    if rows["accepted"] == 0:
        raise PreprocessError(
            f"all {rows['input']} input rows were rejected; see {REJECTS_FILE} and fix preprocess.input or preprocess.columns"
        )
    remaining = rows["accepted"]
    for reason, description in _stage_descriptions(config):
        removed = manifest["removed_by_reason"][reason]
        remaining -= removed
        if removed and remaining <= 0:
            raise PreprocessError(
                f"no events left: {description} removed all of the {removed} events it received "
                f"({rows['accepted']} accepted rows in total); relax that setting"
            )
    raise PreprocessError("no events left, and no filter removed them; this is a bug in the row accounting")


def check_manifest(manifest: dict[str, Any], config: ClrecConfig, output_dir: str) -> None:
    """Run every check in order: row accounting, rejected share, k-core convergence, empty output."""
    check_row_accounting(manifest)
    check_rejected_share(manifest, output_dir)
    check_kcore_converged(manifest)
    check_not_empty(manifest, config)
