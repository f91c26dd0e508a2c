"""Thresholds of the Great Expectations validation step.

The expectation suites live in `src/clrec/validation/suites/`. Every bound
they compare against that a user may want to change is a field here, and a
failed expectation names the field it used.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field, field_validator, model_validator

from clrec.config.base import StrictModel


class ValidationConfig(StrictModel):
    """Limits that the preprocess and feature outputs must keep."""

    min_event_date: dt.date = Field(
        default=dt.date(1995, 1, 1),
        description="Earliest plausible event date (UTC, YYYY-MM-DD). An event before it, "
        "such as a zero Unix timestamp (1970-01-01), is rejected. Skipped for datasets "
        "whose manifest says has_timestamps: false.",
    )
    future_tolerance_s: int = Field(
        default=3600,
        ge=0,
        description="Seconds past the time of validation that an event timestamp may lie, "
        "to allow for clock skew between the logging hosts and the validator.",
    )
    max_rejected_share: float = Field(
        default=0.01,
        ge=0.0,
        le=1.0,
        description="Largest accepted share (0 to 1) of raw rows that preprocessing "
        "rejected, counted as rejected / (rejected + accepted).",
    )
    min_events_for_targets: int = Field(
        default=3,
        ge=1,
        description="Number of events a user needs to receive one validation and one test "
        "target. Must match the preprocess step's rule; users with fewer events train only.",
    )
    min_train_length: int = Field(
        default=1,
        ge=0,
        description="Fewest training events (count) a user's sequence may hold.",
    )
    max_train_length: int = Field(
        default=5000,
        ge=1,
        description="Most training events (count) a user's sequence may hold. A longer "
        "sequence usually means a crawler or a broken user key merged many users.",
    )
    max_unknown_share: float = Field(
        default=0.2,
        ge=0.0,
        le=1.0,
        description="Largest share (0 to 1) of items whose value of one feature is the "
        "unknown token (or, for a multi-valued feature, holds no known value).",
    )
    known_values: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Allowed values per categorical or multi-valued categorical feature, "
        "keyed by the feature's column name. The unknown token is always allowed. A "
        "feature without an entry is not checked against a set, and the report lists it "
        "as skipped.",
    )
    unexpected_examples: int = Field(
        default=10,
        ge=1,
        le=1000,
        description="Number of failing rows (count) quoted per failed expectation in the "
        "log and the report.",
    )

    @field_validator("min_event_date")
    @classmethod
    def _check_min_event_date(cls, value: dt.date) -> dt.date:
        today = dt.datetime.now(dt.timezone.utc).date()
        if value >= today:
            raise ValueError(
                f"min_event_date {value.isoformat()} is not in the past; use a date before "
                f"{today.isoformat()}"
            )
        return value

    @field_validator("known_values")
    @classmethod
    def _check_known_values(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for feature, allowed in value.items():
            if not allowed:
                raise ValueError(
                    f"known_values.{feature} is empty; list the allowed values or remove the key"
                )
            if len(set(allowed)) != len(allowed):
                raise ValueError(f"known_values.{feature} lists a value more than once")
        return value

    @model_validator(mode="after")
    def _check_train_length_bounds(self) -> ValidationConfig:
        if self.min_train_length > self.max_train_length:
            raise ValueError(
                f"min_train_length ({self.min_train_length}) is greater than "
                f"max_train_length ({self.max_train_length}); lower the minimum or raise "
                "the maximum"
            )
        return self
