"""Describe failed Great Expectations results in words: what was seen, what was allowed."""

from __future__ import annotations

import math
from typing import Any

from clrec.validation.ge_runner import FrameRun, spec_index
from clrec.validation.parameters import Parameter
from clrec.validation.result import ExpectationFailure
from clrec.validation.suite_file import ExpectationSpec

# Arguments that select the data rather than bound it.
_DOMAIN_KWARGS = {"column", "column_A", "column_B", "column_list", "row_condition", "condition_parser"}
_MAX_LISTED_VALUES = 10


def format_value(value: Any) -> str:
    """Format a scalar or list compactly; long lists are cut after a few values."""
    if hasattr(value, "item") and not isinstance(value, (list, tuple)):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return "null"
        return f"{value:.6g}"
    if value is None:
        return "null"
    if isinstance(value, (list, tuple)):
        listed = ", ".join(format_value(item) for item in value[:_MAX_LISTED_VALUES])
        more = f", ... ({len(value)} values)" if len(value) > _MAX_LISTED_VALUES else ""
        return f"[{listed}{more}]"
    return str(value)


def format_threshold(spec: ExpectationSpec, parameters: dict[str, Parameter]) -> str:
    """Return the bounds of an expectation, naming the source of each parameter."""
    if spec.type == "expect_column_pair_values_to_be_equal":
        return f"{spec.kwargs['column_A']} == {spec.kwargs['column_B']}"
    parts = []
    for key, value in spec.kwargs.items():
        if key in _DOMAIN_KWARGS:
            continue
        if isinstance(value, dict) and "$PARAMETER" in value:
            parameter = parameters.get(value["$PARAMETER"])
            if parameter is None:
                parts.append(f"{key}=<missing parameter {value['$PARAMETER']}>")
            else:
                parts.append(f"{key}={format_value(parameter.value)} ({parameter.source})")
        else:
            parts.append(f"{key}={format_value(value)}")
    condition = spec.kwargs.get("row_condition")
    if isinstance(condition, dict) and {"column", "operator", "parameter"} <= set(condition):
        column = condition["column"].get("name") if isinstance(condition["column"], dict) else None
        parts.append(f"on rows where {column} {condition['operator']} {condition['parameter']}")
    elif condition is not None:
        parts.append(f"on rows where {condition}")
    return ", ".join(parts) if parts else "none"


def _format_example(entry: Any, index_columns: list[str]) -> str:
    if not isinstance(entry, dict):
        return format_value(entry)
    keys = [name for name in index_columns if name in entry]
    values = [name for name in entry if name not in keys]
    where = " ".join(f"{name}={format_value(entry[name])}" for name in keys)
    listed = ", ".join(f"{name}={format_value(entry[name])}" for name in values)
    return f"{listed} at {where}" if where else listed


def format_observed(result: Any, index_columns: list[str]) -> str:
    """Return what an expectation saw: failing rows with examples, or the aggregate value."""
    exception = result.exception_info or {}
    if exception.get("raised_exception"):
        message = str(exception.get("exception_message") or "unknown error").splitlines()[0]
        return f"error: {message}"
    details = result.result or {}
    if "unexpected_count" in details:
        count = details["unexpected_count"]
        total = details.get("element_count", 0)
        percent = details.get("unexpected_percent") or 0.0
        text = f"{count} of {total} rows ({percent:.3g}%) unexpected"
        # With index columns, each example is a dict of the value and the
        # row's index columns. Without them, Great Expectations lists row
        # numbers, so the values themselves are more useful.
        examples = details.get("partial_unexpected_index_list") if index_columns else None
        if not examples or not isinstance(examples[0], dict):
            examples = details.get("partial_unexpected_list")
        if examples:
            listed = "; ".join(_format_example(entry, index_columns) for entry in examples)
            text += f", e.g. {listed}"
        return text
    if "observed_value" in details:
        return format_value(details["observed_value"])
    return "no observed value reported"


def describe_failures(run: FrameRun, parameters: dict[str, Parameter]) -> list[ExpectationFailure]:
    """Return one `ExpectationFailure` per failed expectation of a frame run."""
    if run.unavailable is not None:
        return [
            ExpectationFailure(
                suite=run.suite,
                frame=run.frame,
                expectation=spec.type,
                column=spec.column,
                observed=f"error: {run.unavailable}",
                threshold=format_threshold(spec, parameters),
                guards=spec.guards,
            )
            for spec in run.specs
        ]
    if run.result is None:
        return []
    failures = []
    for result in run.result.results:
        if result.success:
            continue
        spec = run.specs[spec_index(result)]
        failures.append(
            ExpectationFailure(
                suite=run.suite,
                frame=run.frame,
                expectation=spec.type,
                column=spec.column,
                observed=format_observed(result, run.index_columns),
                threshold=format_threshold(spec, parameters),
                guards=spec.guards,
            )
        )
    return failures
