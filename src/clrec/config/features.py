"""Settings of the Feast feature step."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any
from pathlib import PurePath

from pydantic import Field, field_validator

from clrec.config.base import StrictModel


def parse_utc_timestamp(text: str, key: str) -> datetime:
    """Parse an ISO-8601 timestamp that carries its UTC offset.

    Raises `ValueError` naming `key` for text that does not parse and for a
    naive timestamp, whose time zone would otherwise be guessed.
    """
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{key}={text!r} is not an ISO-8601 timestamp; "
            "write it as 1998-04-22T23:59:59+00:00"
        ) from None
    if value.tzinfo is None or value.utcoffset() is None:
        as_utc = value.replace(tzinfo=timezone.utc).isoformat()
        raise ValueError(f"{key}={text!r} has no UTC offset; add one, for example {as_utc} for UTC")
    return value


class FeaturesConfig(StrictModel):
    """Feature sources, the Feast repository and the item feature table."""

    history_length: int = Field(
        default=50,
        ge=1,
        le=10_000,
        description="Number of most recent items kept in each user's `user_history` "
        "online feature (items, most recent last).",
    )
    as_of: str = Field(
        default="",
        description="Point in time of the training item table, as ISO-8601 with a UTC "
        "offset (for example 1998-03-01T00:00:00+05:30). Feature rows stamped later are "
        "not joined. Empty: the time of the latest training event.",
    )
    use_title_text: bool = Field(
        default=True,
        description="Give training the item title as a text feature, where the dataset "
        "has titles. The title is stored in Feast for display either way.",
    )
    repo_dir: str = Field(
        default="",
        description="Folder of the Feast repository (feature definitions and "
        "feature_store.yaml). Empty: the `feature_repo` folder of the source checkout, "
        "else `./feature_repo`.",
    )
    store_yaml: str = Field(
        default="feature_store.yaml",
        description="File name, inside the repository folder, of the Feast store "
        "configuration: `feature_store.yaml` for the local profile (DuckDB, SQLite), "
        "`feature_store.production.yaml` for the production profile (Redis).",
    )
    apply_timeout_s: int = Field(
        default=600,
        ge=10,
        description="Time limit of the `feast apply` command, in seconds.",
    )

    @field_validator("as_of", mode="before")
    @classmethod
    def _check_as_of(cls, value: Any) -> Any:
        # YAML reads an unquoted timestamp as a datetime (naive when it has no
        # offset) or a date, so both are turned back into text and checked.
        if isinstance(value, (datetime, date)):
            value = value.isoformat()
        if isinstance(value, str) and value:
            parse_utc_timestamp(value, "features.as_of")
        return value

    @field_validator("store_yaml")
    @classmethod
    def _check_store_yaml(cls, value: str) -> str:
        path = PurePath(value)
        if path.name != value or path.suffix not in (".yaml", ".yml"):
            raise ValueError(
                f"features.store_yaml={value!r} must be a YAML file name inside the "
                "repository folder, such as feature_store.yaml, without a directory"
            )
        return value
