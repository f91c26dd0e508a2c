"""Load the expectation suite files kept in `clrec/validation/suites/`.

A suite file names the frames it runs on and lists its expectations. Each
expectation is a Great Expectations 1.x expectation type with its arguments,
the frame it runs on and a `guards` text that says which data fault it
catches. The text is required, so no expectation enters a suite without it.
Arguments written `{$PARAMETER: name}` are filled when the suite runs, from
the configuration (thresholds) or from the data (vocabulary sizes).
"""

from __future__ import annotations

import copy
import logging
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

logger = logging.getLogger(__name__)

SUITES_PACKAGE = "clrec.validation.suites"

# Facts about a dataset that decide whether an expectation applies to it.
Condition = Literal["has_timestamps"]

# Ways to repeat one expectation, once per value of a run-time list. The
# repeated copies get `{feature}` replaced in every string argument.
Repetition = Literal["feature_with_known_values"]


class SuiteFileError(ValueError):
    """A suite file that is missing or does not follow the suite file format."""


class _SuiteModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FrameSpec(_SuiteModel):
    """A table that a suite's expectations run on."""

    description: str = Field(min_length=1)
    # Columns that identify a failing row in the log and the report.
    index: list[str] = []


class ExpectationSpec(_SuiteModel):
    """One expectation of a suite file, before its parameters are filled."""

    frame: str
    type: str = Field(pattern=r"^expect_[a-z0-9_]+$")
    kwargs: dict[str, Any] = {}
    guards: str = Field(min_length=10)
    requires: Condition | None = None
    for_each: Repetition | None = None

    @property
    def column(self) -> str | None:
        """Return the column (or `a, b` column pair) the expectation checks, if any."""
        if "column" in self.kwargs:
            return str(self.kwargs["column"])
        if "column_A" in self.kwargs and "column_B" in self.kwargs:
            return f"{self.kwargs['column_A']}, {self.kwargs['column_B']}"
        if "column_list" in self.kwargs:
            return ", ".join(str(name) for name in self.kwargs["column_list"])
        return None

    def for_feature(self, feature: str) -> ExpectationSpec:
        """Return a copy with `{feature}` replaced in every string argument and in `guards`."""
        kwargs = _replace_placeholder(copy.deepcopy(self.kwargs), "{feature}", feature)
        guards = self.guards.replace("{feature}", feature)
        return self.model_copy(update={"kwargs": kwargs, "guards": guards, "for_each": None})


class SuiteSpec(_SuiteModel):
    """A whole suite file."""

    suite: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str = Field(min_length=1)
    frames: dict[str, FrameSpec]
    expectations: list[ExpectationSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_frames(self) -> SuiteSpec:
        for number, expectation in enumerate(self.expectations, start=1):
            if expectation.frame not in self.frames:
                raise ValueError(
                    f"expectation {number} ({expectation.type}) runs on frame "
                    f"{expectation.frame!r}, which the suite does not declare under frames "
                    f"(declared: {', '.join(sorted(self.frames))})"
                )
        return self


def _replace_placeholder(value: Any, placeholder: str, text: str) -> Any:
    if isinstance(value, str):
        return value.replace(placeholder, text)
    if isinstance(value, list):
        return [_replace_placeholder(item, placeholder, text) for item in value]
    if isinstance(value, dict):
        return {key: _replace_placeholder(item, placeholder, text) for key, item in value.items()}
    return value


def parse_suite(text: str, source: str) -> SuiteSpec:
    """Parse and check the YAML text of one suite file; `source` names it in errors."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise SuiteFileError(f"invalid YAML in suite file {source}: {error}") from error
    if not isinstance(data, dict):
        raise SuiteFileError(f"invalid suite file {source}: expected a mapping at the top level")
    try:
        return SuiteSpec.model_validate(data)
    except ValidationError as error:
        lines = [f"invalid suite file {source}:"]
        for item in error.errors():
            key = ".".join(str(part) for part in item["loc"]) or "<root>"
            lines.append(f"  {key}: {item['msg']}")
        raise SuiteFileError("\n".join(lines)) from None


def load_suite(name: str) -> SuiteSpec:
    """Load the suite file `<name>.yaml` shipped in `clrec.validation.suites`."""
    resource = resources.files(SUITES_PACKAGE).joinpath(f"{name}.yaml")
    if not resource.is_file():
        raise SuiteFileError(
            f"suite file {name}.yaml not found in the {SUITES_PACKAGE} package; "
            "reinstall clrec or check the suite name"
        )
    spec = parse_suite(resource.read_text(encoding="utf-8"), f"{name}.yaml")
    if spec.suite != name:
        raise SuiteFileError(
            f"invalid suite file {name}.yaml: its suite key is {spec.suite!r}; "
            f"set it to {name!r} to match the file name"
        )
    logger.debug("loaded suite %s with %d expectations", name, len(spec.expectations))
    return spec
