"""Settings of the Beam preprocessing step.

The defaults read MovieLens-100K's `u.data`: tab-separated
`user_id item_id rating timestamp` with no header, every rating kept, no
k-core filtering and a leave-one-out split. Other click logs are other
values of the same keys (see `configs/amazon-beauty.yaml`).
"""

from __future__ import annotations

import codecs
from typing import Literal

from pydantic import Field, field_validator, model_validator

from clrec.config.base import StrictModel

InputFormat = Literal["tsv", "csv", "jsonl", "parquet"]
DELIMITED_FORMATS = ("tsv", "csv")


class InputConfig(StrictModel):
    """Location and row layout of the click logs."""

    paths: list[str] = Field(
        default=["u.data"],
        min_length=1,
        description="Glob patterns of the input files, relative to the dataset folder "
        "(absolute paths and URLs such as gs://bucket/logs/*.csv are used as given). "
        "Files are read in sorted path order, and that order is the input order.",
    )
    format: InputFormat = Field(
        default="tsv",
        description="File format: tsv (one row per line, fields split on the delimiter, "
        "no quoting), csv (RFC 4180 quoting, one row per line), jsonl (one JSON object "
        "per line) or parquet.",
    )
    delimiter: str | None = Field(
        default=None,
        description="Field separator of tsv and csv files, one character. "
        "Null means a tab for tsv and a comma for csv; a space reads "
        "`user item` lines such as Amazon Beauty's.",
    )
    header: bool = Field(
        default=False,
        description="Whether the first line of each tsv or csv file names the fields.",
    )
    field_names: list[str] = Field(
        default=["user_id", "item_id", "rating", "timestamp"],
        description="Names of the fields of a headerless tsv or csv file, in column order; "
        "a row with another number of fields is rejected. Must be empty when the file "
        "names its own fields (header: true, jsonl, parquet).",
    )
    encoding: str = Field(
        default="utf-8",
        description="Text encoding of tsv, csv and jsonl files: a Python codec name whose "
        "ASCII characters are single bytes (utf-8, latin-1, ...). A line that does not "
        "decode is rejected.",
    )

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str | None) -> str | None:
        if value is not None and len(value) != 1:
            raise ValueError(f"must be exactly one character, got {value!r}")
        return value

    @field_validator("encoding")
    @classmethod
    def _ascii_compatible_codec(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown text encoding {value!r}; use a Python codec name such as utf-8 or latin-1") from None
        # Lines are found by their newline byte, which only works when ASCII
        # characters are single bytes (not UTF-16 or UTF-32).
        if b"a\t,\n".decode(value) != "a\t,\n":
            raise ValueError(f"encoding {value!r} is not ASCII-compatible; convert the file to utf-8")
        return value

    @field_validator("field_names")
    @classmethod
    def _distinct_names(cls, value: list[str]) -> list[str]:
        repeated = sorted({name for name in value if value.count(name) > 1})
        if repeated:
            raise ValueError(f"field names must be distinct; repeated: {repeated}")
        return value

    @model_validator(mode="after")
    def _layout_is_consistent(self) -> InputConfig:
        delimited = self.format in DELIMITED_FORMATS
        if not delimited and self.delimiter is not None:
            raise ValueError(f"delimiter applies only to tsv and csv; set it to null for format {self.format}")
        if not delimited and self.header:
            raise ValueError(f"header applies only to tsv and csv; set it to false for format {self.format}")
        names_in_file = self.header or not delimited
        if names_in_file and self.field_names:
            raise ValueError(
                "field_names must be empty when the file names its own fields "
                f"(format {self.format}, header {self.header}); set field_names: []"
            )
        if not names_in_file and not self.field_names:
            raise ValueError("field_names is required for a headerless tsv or csv file")
        return self

    @property
    def effective_delimiter(self) -> str:
        """The delimiter in force: the configured one, else the format's default."""
        if self.delimiter is not None:
            return self.delimiter
        return "\t" if self.format == "tsv" else ","


class ColumnsConfig(StrictModel):
    """Input field of each part of an event."""

    user: str = Field(default="user_id", min_length=1, description="Field with the raw user id.")
    item: str = Field(default="item_id", min_length=1, description="Field with the raw item id.")
    timestamp: str | None = Field(
        default="timestamp",
        description="Field with the event time in whole Unix seconds (UTC). Null when the "
        "log has none: then file order is event order within a user, and the output "
        "timestamp of an event is its 0-based position in its user's sequence.",
    )
    rating: str | None = Field(
        default="rating",
        description="Field with a numeric rating, or null. Needed by filter.min_rating.",
    )
    event_type: str | None = Field(
        default=None,
        description="Field with the event type (click, purchase, ...), or null. "
        "Needed by filter.event_types.",
    )

    def mapped(self) -> dict[str, str]:
        """Return each event part that is mapped, with its input field name."""
        parts = {
            "user": self.user,
            "item": self.item,
            "timestamp": self.timestamp,
            "rating": self.rating,
            "event_type": self.event_type,
        }
        return {part: field for part, field in parts.items() if field is not None}


class FilterConfig(StrictModel):
    """Filters that keep the events counted as implicit positive feedback."""

    min_rating: float | None = Field(
        default=None,
        description="Keep only events with a rating at or above this value (same scale as "
        "the input, for example 4 on MovieLens's 1-5 stars). Null keeps every event.",
    )
    event_types: list[str] = Field(
        default=[],
        description="Keep only events of these types. Empty keeps every type.",
    )


class KCoreConfig(StrictModel):
    """Iterative k-core filtering, repeated until no user or item falls below its minimum."""

    min_user_events: int = Field(
        default=1, ge=1, description="Minimum number of events a user keeps (1 disables the user side)."
    )
    min_item_events: int = Field(
        default=1, ge=1, description="Minimum number of events an item keeps (1 disables the item side)."
    )
    max_rounds: int = Field(
        default=20,
        ge=1,
        le=200,
        description="Number of filtering rounds built into the Beam graph. The step fails, "
        "naming this key, when the last round still removed events.",
    )

    @property
    def enabled(self) -> bool:
        """Whether any event can be removed by the k-core filter."""
        return self.min_user_events > 1 or self.min_item_events > 1


class SplitConfig(StrictModel):
    """Split of each user's ordered events into training events and evaluation targets."""

    strategy: Literal["leave_one_out", "time_cutoff"] = Field(
        default="leave_one_out",
        description="leave_one_out: last event is the test target, second to last the "
        "validation target, the rest trains; users with fewer than 3 events train only. "
        "time_cutoff: events before split.time_cutoff train, except the last of them "
        "which is the validation target, and the first event at or after the cutoff is "
        "the test target.",
    )
    time_cutoff: int | None = Field(
        default=None,
        ge=0,
        description="Global cutoff in Unix seconds (UTC) of the time_cutoff strategy.",
    )

    @model_validator(mode="after")
    def _cutoff_matches_strategy(self) -> SplitConfig:
        if self.strategy == "time_cutoff" and self.time_cutoff is None:
            raise ValueError("time_cutoff is required when split.strategy is time_cutoff")
        if self.strategy == "leave_one_out" and self.time_cutoff is not None:
            raise ValueError("time_cutoff applies only to strategy: time_cutoff; set it to null")
        return self


class PreprocessConfig(StrictModel):
    """Settings of the Beam step that turns raw click logs into per-user sequences."""

    input: InputConfig = InputConfig()
    columns: ColumnsConfig = ColumnsConfig()
    filter: FilterConfig = FilterConfig()
    kcore: KCoreConfig = KCoreConfig()
    split: SplitConfig = SplitConfig()
    max_rejected_fraction: float = Field(
        default=0.01,
        ge=0.0,
        le=1.0,
        description="Largest share of input rows (0 to 1) that may be rejected as bad rows "
        "before the step fails; 0.01 is 1%.",
    )
    beam_args: list[str] = Field(
        default=[],
        description="Apache Beam pipeline options, for example ['--runner=DataflowRunner', "
        "'--project=my-project']. Without --runner the local FnApiRunner is used.",
    )

    @model_validator(mode="after")
    def _columns_exist(self) -> PreprocessConfig:
        if self.filter.min_rating is not None and self.columns.rating is None:
            raise ValueError("filter.min_rating needs columns.rating; map the rating field or set min_rating: null")
        if self.filter.event_types and self.columns.event_type is None:
            raise ValueError("filter.event_types needs columns.event_type; map the event type field or set event_types: []")
        if self.split.strategy == "time_cutoff" and self.columns.timestamp is None:
            raise ValueError("split.strategy time_cutoff needs columns.timestamp; use leave_one_out for logs without timestamps")
        if self.input.field_names:
            missing = {
                part: name for part, name in self.columns.mapped().items() if name not in self.input.field_names
            }
            if missing:
                raise ValueError(
                    f"columns {missing} name fields that are not in input.field_names "
                    f"{self.input.field_names}"
                )
        return self
