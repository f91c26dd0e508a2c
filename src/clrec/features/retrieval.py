"""Point-in-time offline retrieval of the item table through Feast, checked row by row.

Feast's offline stores do not all return one row per entity row: Feast
0.67's default dask store drops entity rows that have no feature row at or
before their timestamp. The table is therefore re-indexed on the requested
item indices, and every requested row that did not come back is counted.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd

from clrec.features.errors import FeatureStepError
from clrec.features.names import ITEM_KEY, TIMESTAMP_COLUMN
from clrec.features.timestamps import require_utc

if TYPE_CHECKING:
    from feast import FeatureStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetrievalResult:
    """Feature values of every requested item and the row counts of Feast's result."""

    # Indexed by item_idx in request order, with one column per feature name.
    # A requested row that Feast did not return contains nulls.
    table: pd.DataFrame
    rows_requested: int
    rows_returned: int
    # Requested item indices that were absent from Feast's result.
    rows_missing: int


def feature_name(reference: str) -> str:
    """Return the column name of a `view:feature` reference."""
    return reference.split(":", 1)[1]


def retrieve_item_features(
    store: FeatureStore,
    item_indices: Sequence[int],
    as_of: datetime,
    references: Sequence[str],
) -> RetrievalResult:
    """Read `references` (`view:feature`) for every item as it was at `as_of`.

    A feature row stamped after `as_of` is never joined. Raises `ValueError`
    for a naive `as_of` and `FeatureStepError` when Feast returns an item
    twice or one that was not requested.
    """
    as_of = require_utc(as_of, "as_of")
    requested = pd.Index(pd.array(item_indices, dtype="int64"), name=ITEM_KEY)
    if requested.has_duplicates:
        raise FeatureStepError("item indices of the retrieval request must be unique")
    entity_df = pd.DataFrame({ITEM_KEY: requested.to_numpy(), TIMESTAMP_COLUMN: pd.Timestamp(as_of)})

    logger.info("retrieving %d features of %d items as of %s", len(references), len(requested), as_of.isoformat())
    returned = store.get_historical_features(entity_df=entity_df, features=list(references)).to_df()

    keys = pd.Index(returned[ITEM_KEY].astype("int64"), name=ITEM_KEY)
    if keys.has_duplicates:
        duplicated = sorted(set(keys[keys.duplicated()].tolist()))[:10]
        raise FeatureStepError(f"Feast returned some items more than once, for example {duplicated}")
    unexpected = keys.difference(requested)
    if len(unexpected):
        raise FeatureStepError(f"Feast returned items that were not requested, for example {unexpected[:10].tolist()}")

    columns = [feature_name(reference) for reference in references]
    table = returned.set_index(keys)[columns].reindex(requested)
    missing = len(requested) - len(keys)
    if missing:
        logger.warning(
            "Feast returned %d of %d requested item rows; the other %d are filled with the unknown token",
            len(keys),
            len(requested),
            missing,
        )
    return RetrievalResult(table=table, rows_requested=len(requested), rows_returned=len(keys), rows_missing=missing)
