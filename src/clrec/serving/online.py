"""User histories and item titles from Feast's online store, for `clrec recommend`.

The feature package (`clrec.features.online`) owns the Feast lookups. This
module is the seam serving calls, with errors that tell the user what to do
when the store or a user is missing.
"""

from __future__ import annotations

import importlib
import logging
from types import ModuleType

from clrec.config import ClrecConfig

logger = logging.getLogger(__name__)

ONLINE_MODULE = "clrec.features.online"


class OnlineStoreUnavailableError(RuntimeError):
    """The online feature store cannot be used, so a user's history is unknown."""


class UnknownUserError(LookupError):
    """A user id that the online store does not hold."""


def _online_module() -> ModuleType:
    try:
        return importlib.import_module(ONLINE_MODULE)
    except ModuleNotFoundError as error:
        raise OnlineStoreUnavailableError(
            f"cannot read the online store: {ONLINE_MODULE} is not available ({error}). "
            "Install clrec with the 'features' extra, or pass the history with --history."
        ) from error


def fetch_user_history(config: ClrecConfig, user_id: str) -> list[int]:
    """Return the user's recent items (item_idx, oldest first) from the online store."""
    history = _online_module().get_user_history(config, user_id)
    if history is None:
        raise UnknownUserError(
            f"user {user_id!r} not found in the online store; check the id against the raw user ids "
            "of the dataset, run `clrec features` to load the store, or pass --history"
        )
    return [int(item) for item in history]


def fetch_item_titles(config: ClrecConfig, item_idx: list[int]) -> dict[int, str]:
    """Return titles by item_idx, or no titles when the online store is missing or not built."""
    try:
        module = _online_module()
    except OnlineStoreUnavailableError as error:
        logger.warning("showing items without titles: %s", error)
        return {}
    from clrec.features.errors import FeatureStepError

    try:
        titles = module.get_item_titles(config, item_idx)
    except FeatureStepError as error:
        logger.warning("showing items without titles: %s", error)
        return {}
    return {int(key): str(value) for key, value in titles.items()}
