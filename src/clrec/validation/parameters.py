"""Values of the `{$PARAMETER: name}` arguments of the suites.

Each value records where it comes from (a configuration key or a fact of
the data), so that a failure report names the setting to change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from clrec.config.validation import ValidationConfig
from clrec.validation.inputs import FeatureSchema, PreprocessOutput


@dataclass(frozen=True)
class Parameter:
    """One suite parameter and its origin."""

    value: Any
    # Configuration key (validation.x) or the data fact the value is counted from.
    source: str


def unix_seconds(day: dt.date) -> int:
    """Return the Unix time of midnight UTC at the start of `day`."""
    return int(dt.datetime.combine(day, dt.time(), tzinfo=dt.timezone.utc).timestamp())


def preprocessed_parameters(
    settings: ValidationConfig, output: PreprocessOutput, now: dt.datetime
) -> dict[str, Parameter]:
    """Return the parameters of the raw_clicks and sequences_splits suites."""
    events = output.events.frame
    train_events = int((events["split"] == "train").sum()) if "split" in events.columns else 0
    return {
        "num_users": Parameter(len(output.users.frame), "rows of users.parquet"),
        "num_items": Parameter(len(output.items.frame), "rows of items.parquet"),
        "train_event_count": Parameter(train_events, "events with split train in events.parquet"),
        "min_timestamp": Parameter(
            unix_seconds(settings.min_event_date),
            f"validation.min_event_date = {settings.min_event_date.isoformat()}",
        ),
        "max_timestamp": Parameter(
            int(now.timestamp()) + settings.future_tolerance_s,
            f"time of validation {now.isoformat(timespec='seconds')} plus "
            f"validation.future_tolerance_s = {settings.future_tolerance_s}",
        ),
        "max_rejected_share": Parameter(settings.max_rejected_share, "validation.max_rejected_share"),
        "min_train_length": Parameter(settings.min_train_length, "validation.min_train_length"),
        "max_train_length": Parameter(settings.max_train_length, "validation.max_train_length"),
    }


def features_parameters(
    settings: ValidationConfig, num_items: int, schema: FeatureSchema, checked_features: list[str]
) -> dict[str, Parameter]:
    """Return the parameters of the item_features suite.

    `checked_features` are the features with a set under validation.known_values;
    each gets `known_values__<feature>`: that set plus the unknown token.
    """
    parameters = {
        "num_items": Parameter(num_items, "rows of items.parquet"),
        "max_unknown_share": Parameter(settings.max_unknown_share, "validation.max_unknown_share"),
    }
    for feature in checked_features:
        allowed = [*settings.known_values[feature], schema.unknown_token]
        parameters[f"known_values__{feature}"] = Parameter(
            allowed, f"validation.known_values.{feature} plus the unknown token"
        )
    return parameters
