"""The feature step: write the Feast sources, apply and materialise, and export the item table."""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow.parquet as pq

from clrec.config import ClrecConfig
from clrec.config.features import parse_utc_timestamp
from clrec.features.errors import FeatureStepError
from clrec.features.fill import build_item_table, is_missing
from clrec.features.inputs import PreprocessedData, read_preprocessed
from clrec.features.item_metadata import ItemMetadata, read_item_metadata
from clrec.features.materialize import materialize_views
from clrec.features.names import (
    FEATURE_REPORT_FILE,
    FEATURE_SCHEMA_FILE,
    ITEM_ATTRIBUTES_VIEW,
    ITEM_FEATURES_FILE,
    ITEM_STATISTICS_VIEW,
    UNKNOWN_TOKEN,
    USER_HISTORY_VIEW,
)
from clrec.features.retrieval import retrieve_item_features
from clrec.features.sources import (
    build_item_attributes,
    build_item_statistics,
    build_user_history,
    event_times,
    write_source,
)
from clrec.features.store import FeastLocation, open_store, run_feast_apply
from clrec.features.timestamps import utc_from_unix_seconds

if TYPE_CHECKING:
    from feast import FeatureStore

logger = logging.getLogger(__name__)

# Retrieved with the training features, to check that every item has statistics.
POPULARITY_REFERENCE = f"{ITEM_STATISTICS_VIEW}:popularity"


def _write_json(path: Path, payload: dict) -> None:
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_sources(
    config: ClrecConfig, data: PreprocessedData, metadata: ItemMetadata, location: FeastLocation
) -> dict[str, object]:
    """Write the three Feast sources and return their row counts and the rows left out."""
    times = event_times(data)
    attributes, items_without_metadata = build_item_attributes(data, metadata.attributes_by_id, times.first_event)
    statistics = build_item_statistics(data, times.last_training_event)
    history, users_without_events = build_user_history(data, config.features.history_length)

    source_rows = {}
    for view, table in ((ITEM_ATTRIBUTES_VIEW, attributes), (ITEM_STATISTICS_VIEW, statistics), (USER_HISTORY_VIEW, history)):
        write_source(table, location.data_dir, view)
        source_rows[view] = table.num_rows
    return {
        "source_rows": source_rows,
        "items_without_metadata": items_without_metadata,
        "users_without_events": users_without_events,
    }


def _apply_and_materialize(
    config: ClrecConfig, location: FeastLocation
) -> tuple[FeatureStore, dict[str, str], datetime, float]:
    """Run `feast apply`, then load every view into the online store up to now.

    Returns the store, how each view was materialised, the end of the
    materialisation and the seconds that `feast apply` took.
    """
    from feast.errors import FeastError

    started = time.perf_counter()
    run_feast_apply(location, config.features.apply_timeout_s)
    store = open_store(location)
    apply_seconds = time.perf_counter() - started

    # The sources were rewritten, so every view is reloaded from its first row.
    # NOTE: entities absent from the new sources (a user dropped by changed
    # preprocessing filters) keep their old values in the online store.
    materialized_until = datetime.now(timezone.utc)
    try:
        modes = materialize_views(store, materialized_until, full_refresh=True)
    except FeastError as error:
        raise FeatureStepError(f"Feast materialisation into {location.data_dir} failed: {error}") from error
    return store, modes, materialized_until, apply_seconds


def _as_of(config: ClrecConfig, data: PreprocessedData) -> datetime:
    """Return `features.as_of`, or the time of the latest training event when it is empty."""
    if config.features.as_of:
        return parse_utc_timestamp(config.features.as_of, "features.as_of")
    return utc_from_unix_seconds(event_times(data).last_training_event)


def build_features(
    config: ClrecConfig,
    sequences_dir: Path,
    raw_dir: Path,
    output_dir: Path,
) -> dict:
    """Run the feature step and return the content of `feature_report.json`.

    Writes the three Feast sources under the data directory, runs `feast
    apply` on the repository and materialises every view from its earliest
    row. Then reads the item features of every vocabulary item through
    offline retrieval as of `features.as_of` (default: the latest training
    event) and fills missing values with `__unknown__`. Writes
    `item_features.parquet`, `feature_schema.json` and `feature_report.json`
    into `output_dir`.

    Raises `FeatureStepError` for invalid inputs and failed Feast commands.
    """
    from feast.errors import FeastError

    started = time.perf_counter()
    location = FeastLocation.from_config(config)
    logger.info(
        "features step: dataset %s, input %s, raw data %s, output %s, Feast data %s",
        config.data.dataset,
        sequences_dir,
        raw_dir,
        output_dir,
        location.data_dir,
    )

    data = read_preprocessed(Path(sequences_dir))
    metadata = read_item_metadata(config.data.dataset, Path(raw_dir), config.features.use_title_text)
    written = _write_sources(config, data, metadata, location)
    sources_done = time.perf_counter()

    store, modes, materialized_until, apply_seconds = _apply_and_materialize(config, location)
    materialized = time.perf_counter()

    as_of = _as_of(config, data)
    references = [*metadata.schema.references(), POPULARITY_REFERENCE]
    try:
        result = retrieve_item_features(store, data.items.column("item_idx").to_pylist(), as_of, references)
    except FeastError as error:
        raise FeatureStepError(f"Feast offline retrieval from {location.data_dir} failed: {error}") from error
    table, filled_per_feature, items_filled = build_item_table(result.table, metadata.schema)
    items_without_statistics = sum(is_missing(value) for value in result.table["popularity"].tolist())
    retrieved = time.perf_counter()

    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, output_dir / ITEM_FEATURES_FILE)
    _write_json(output_dir / FEATURE_SCHEMA_FILE, metadata.schema.to_json())
    report = {
        "dataset": config.data.dataset,
        "as_of": as_of.isoformat(),
        "rows_requested": result.rows_requested,
        "rows_returned": result.rows_returned,
        "rows_missing_from_feast": result.rows_missing,
        "items_filled_with_unknown": items_filled,
        "unknown_values_per_feature": filled_per_feature,
        "items_without_metadata": written["items_without_metadata"],
        "items_without_statistics": items_without_statistics,
        "users_without_events": written["users_without_events"],
        "source_rows": written["source_rows"],
        "materialized": modes,
        "materialized_until": materialized_until.isoformat(),
        "metadata": metadata.report,
        "feast": {
            "repo_dir": str(location.repo_dir),
            "store_yaml": location.store_yaml,
            "data_dir": location.data_dir,
        },
        "seconds": {
            "sources": round(sources_done - started, 3),
            "apply": round(apply_seconds, 3),
            "materialize": round(materialized - sources_done - apply_seconds, 3),
            "retrieve": round(retrieved - materialized, 3),
        },
    }
    _write_json(output_dir / FEATURE_REPORT_FILE, report)
    logger.info(
        "wrote %d items to %s: Feast returned %d of %d rows, %d items filled with %s",
        table.num_rows,
        output_dir / ITEM_FEATURES_FILE,
        result.rows_returned,
        result.rows_requested,
        items_filled,
        UNKNOWN_TOKEN,
    )
    return report
