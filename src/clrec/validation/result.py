"""The outcome of one validation stage, as returned to the CLI and the kfp component."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ExpectationFailure:
    """One expectation that did not hold, with what was seen and what was allowed."""

    suite: str
    frame: str
    # Great Expectations expectation type, such as expect_column_values_to_be_between.
    expectation: str
    # Column, or "a, b" for a pair of columns; None for table-level expectations.
    column: str | None
    # Failing row count, share and examples, or the aggregate value the data showed.
    observed: str
    # The allowed values, with the configuration key behind each parameter.
    threshold: str
    # The data fault the expectation catches, from its suite file.
    guards: str

    def log_line(self) -> str:
        """Format the failure as one log line."""
        target = f" on {self.column}" if self.column else ""
        return (
            f"{self.suite}/{self.frame}: {self.expectation}{target} failed: "
            f"observed {self.observed}; threshold {self.threshold}"
        )


@dataclass(frozen=True)
class SkippedExpectation:
    """An expectation that was not run on this dataset, and why."""

    suite: str
    frame: str
    expectation: str
    column: str | None
    reason: str

    def log_line(self) -> str:
        """Format the skip as one log line."""
        target = f" on {self.column}" if self.column else ""
        return f"{self.suite}/{self.frame}: {self.expectation}{target} skipped: {self.reason}"


@dataclass
class ValidationResult:
    """Result of validating one pipeline stage ("preprocessed" or "features")."""

    stage: str
    success: bool
    failures: list[ExpectationFailure]
    # Self-contained Great Expectations Data Docs page of every expectation run.
    report_html: Path
    skipped: list[SkippedExpectation] = field(default_factory=list)
    # Number of expectations that ran, failed or not.
    evaluated: int = 0

    def failure_lines(self) -> list[str]:
        """Format each failure as one log line."""
        return [failure.log_line() for failure in self.failures]

    def verdict(self) -> str:
        """Return one line: passed or failed, the counts and the report path."""
        if self.success:
            return (
                f"{self.stage} data passed validation: {self.evaluated} expectations held, "
                f"{len(self.skipped)} skipped; report: {self.report_html}"
            )
        return (
            f"{self.stage} data failed validation: {len(self.failures)} of {self.evaluated} "
            f"expectations failed; report: {self.report_html}"
        )

    def summary(self) -> str:
        """Return the verdict followed by one indented line per failure."""
        return "\n".join([self.verdict(), *(f"  {line}" for line in self.failure_lines())])

    def to_dict(self) -> dict[str, Any]:
        """Return the result as JSON-serialisable data."""
        return {
            "stage": self.stage,
            "success": self.success,
            "evaluated": self.evaluated,
            "report_html": str(self.report_html),
            "failures": [asdict(failure) for failure in self.failures],
            "skipped": [asdict(skip) for skip in self.skipped],
        }
