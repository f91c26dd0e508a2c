"""Read user histories and item titles from the online store, for `clrec recommend`."""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from pathlib import Path

from clrec.config import ClrecConfig
from clrec.features.errors import FeatureStepError
from clrec.features.names import (
    ITEM_ATTRIBUTES_VIEW,
    ITEM_KEY,
    USER_HISTORY_FEATURE,
    USER_HISTORY_VIEW,
    USER_KEY,
)
from clrec.features.store import FeastLocation, is_url, open_store

logger = logging.getLogger(__name__)

HISTORY_REFERENCE = f"{USER_HISTORY_VIEW}:{USER_HISTORY_FEATURE}"
TITLE_REFERENCE = f"{ITEM_ATTRIBUTES_VIEW}:title"


class OnlineFeatures:
    """Online lookups in the feature store that `clrec features` filled.

    Opening it imports Feast (a few seconds) and reads the registry; each
    lookup is then one online store read. Raises `FeatureStepError` when the
    store has not been built.
    """

    def __init__(self, config: ClrecConfig) -> None:
        self._connect(FeastLocation.from_config(config))

    @classmethod
    def from_location(cls, location: FeastLocation) -> OnlineFeatures:
        """Open the store of an explicit repository and data directory."""
        online = cls.__new__(cls)
        online._connect(location)
        return online

    def _connect(self, location: FeastLocation) -> None:
        self.location = location
        self._store = open_store(location)
        registry_path = self._store.config.registry.path
        if not is_url(registry_path) and not Path(registry_path).is_file():
            raise FeatureStepError(
                f"Feast registry not found: {registry_path}; run `clrec features` first, "
                "with the same data.dataset and paths.feast_data"
            )
        logger.info("reading online features from %s", location.data_dir)

    def get_user_histories(self, user_ids: Sequence[str]) -> dict[str, list[int] | None]:
        """Return each user's recent item indices (most recent last), or None for an unknown user."""
        if not user_ids:
            return {}
        rows = [{USER_KEY: str(user_id)} for user_id in user_ids]
        values = self._store.get_online_features(features=[HISTORY_REFERENCE], entity_rows=rows).to_dict()
        histories = {}
        for user_id, items in zip(user_ids, values[USER_HISTORY_FEATURE]):
            histories[str(user_id)] = None if items is None else [int(item) for item in items]
        return histories

    def get_user_history(self, user_id: str) -> list[int] | None:
        """Return one user's recent item indices (most recent last), or None when the user is unknown."""
        return self.get_user_histories([user_id])[str(user_id)]

    def get_item_titles(self, item_idx: Sequence[int]) -> dict[int, str]:
        """Return the title of each item index that has one; items without a title are left out."""
        if not item_idx:
            return {}
        rows = [{ITEM_KEY: int(index)} for index in item_idx]
        values = self._store.get_online_features(features=[TITLE_REFERENCE], entity_rows=rows).to_dict()
        titles = {}
        for index, title in zip(values[ITEM_KEY], values["title"]):
            if title is not None:
                titles[int(index)] = str(title)
        return titles


@functools.lru_cache(maxsize=4)
def _open_cached(location: FeastLocation) -> OnlineFeatures:
    return OnlineFeatures.from_location(location)


def get_user_history(config: ClrecConfig, user_id: str) -> list[int] | None:
    """Return a user's recent item indices (most recent last), or None when the user is unknown.

    The store is opened once per data directory and reused by later calls.
    """
    return _open_cached(FeastLocation.from_config(config)).get_user_history(user_id)


def get_item_titles(config: ClrecConfig, item_idx: Sequence[int]) -> dict[int, str]:
    """Return the title of each item index that has one, from the online store."""
    return _open_cached(FeastLocation.from_config(config)).get_item_titles(item_idx)
