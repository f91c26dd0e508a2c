"""Load feature values from the offline sources into the online store.

Feast 0.67's `materialize_incremental` starts a feature view that was never
materialised at `now - ttl`, and at one year before now when the ttl is zero
(no expiry). Older rows, such as MovieLens events from 1998, would never reach
the online store. The repository's definitions declare an empty
materialisation at the Unix epoch on each view, which makes Feast's own first
incremental run load everything since 1970. `materialize_views` does not rely
on that declaration: it loads a view that was never materialised, or only up to
the epoch, from the earliest timestamp of its source, and leaves every later
run incremental.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from clrec.features.errors import FeatureStepError
from clrec.features.names import FEATURE_VIEWS, TIMESTAMP_COLUMN
from clrec.features.timestamps import require_utc

if TYPE_CHECKING:
    from feast import FeatureStore

logger = logging.getLogger(__name__)

# Feast's materialisation window starts at this margin before the earliest
# row, so that a row stamped exactly at the earliest time is inside it.
START_MARGIN = timedelta(seconds=1)
# A view whose last materialisation ends here has only the empty interval
# that feature_repo/definitions.py declares, so nothing was loaded yet.
UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def earliest_source_timestamp(path: str) -> datetime | None:
    """Return the earliest event timestamp of a Parquet source, or None when it has no rows."""
    filesystem, local_path = pafs.FileSystem.from_uri(path)
    column = pq.read_table(local_path, columns=[TIMESTAMP_COLUMN], filesystem=filesystem).column(TIMESTAMP_COLUMN)
    earliest = pc.min(column).as_py()
    if earliest is None:
        return None
    return require_utc(earliest, f"{path} {TIMESTAMP_COLUMN}")


def materialize_views(
    store: FeatureStore,
    end_date: datetime,
    *,
    full_refresh: bool = False,
    views: tuple[str, ...] = FEATURE_VIEWS,
) -> dict[str, str]:
    """Materialise `views` up to `end_date` and return how each one was loaded.

    A view that was never materialised, or every view when `full_refresh` is
    set, is loaded from the earliest timestamp of its source (`"full"`).
    Other views load only rows after their last materialisation
    (`"incremental"`). A view whose source has no rows before `end_date` is
    skipped (`"empty"`).
    Raises `ValueError` for a naive `end_date` and `FeatureStepError` for a
    view whose source is not a Parquet file source.
    """
    from feast import FileSource

    end_date = require_utc(end_date, "end_date")
    modes: dict[str, str] = {}
    for name in views:
        view = store.get_feature_view(name)
        last_end = view.most_recent_end_time
        if last_end is not None and last_end > UNIX_EPOCH and not full_refresh:
            logger.info("materialising %s incrementally up to %s", name, end_date.isoformat())
            store.materialize_incremental(end_date=end_date, feature_views=[name])
            modes[name] = "incremental"
            continue

        source = view.batch_source
        if not isinstance(source, FileSource):
            raise FeatureStepError(f"feature view {name} reads a {type(source).__name__}; define it with a Parquet FileSource")
        earliest = earliest_source_timestamp(source.path)
        if earliest is None or earliest >= end_date:
            logger.info("source of %s has no rows before %s; nothing to materialise", name, end_date.isoformat())
            modes[name] = "empty"
            continue
        start_date = earliest - START_MARGIN
        logger.info("materialising all of %s from %s to %s", name, start_date.isoformat(), end_date.isoformat())
        store.materialize(start_date=start_date, end_date=end_date, feature_views=[name])
        modes[name] = "full"
    return modes
