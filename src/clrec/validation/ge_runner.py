"""Run suite files with Great Expectations 1.x on in-memory pandas frames.

One ephemeral (in-memory) data context serves the whole process, so nothing
is written to disk and repeated runs, as in tests, pay its set-up once.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from clrec.validation.derived import FrameUnavailable
from clrec.validation.parameters import Parameter
from clrec.validation.result import SkippedExpectation
from clrec.validation.suite_file import ExpectationSpec, SuiteFileError, SuiteSpec

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.core.batch_definition import BatchDefinition

logger = logging.getLogger(__name__)

DATASOURCE_NAME = "clrec_frames"


@dataclass(frozen=True)
class Condition:
    """Whether a dataset has a property that some expectations require, and why not."""

    met: bool
    # Logged and reported when the condition does not hold.
    reason_if_not: str


@dataclass
class FrameRun:
    """The expectations of one suite on one frame, and their Great Expectations result."""

    suite: str
    frame: str
    description: str
    # Expectations in suite order, after repetition and skipping; the index in
    # this list is stored in each expectation's meta as `clrec_index`.
    specs: list[ExpectationSpec]
    # Columns that identify a failing row in examples.
    index_columns: list[str] = field(default_factory=list)
    result: ExpectationSuiteValidationResult | None = None
    unavailable: str | None = None
    skipped: list[SkippedExpectation] = field(default_factory=list)

    @property
    def name(self) -> str:
        """Return `suite.frame`, the name of the Great Expectations suite."""
        return f"{self.suite}.{self.frame}"


@functools.cache
def _context() -> Any:
    # Great Expectations logs its set-up at INFO; keep that out of the step's
    # log unless someone set the logger's level on purpose.
    gx_logger = logging.getLogger("great_expectations")
    if gx_logger.level == logging.NOTSET:
        gx_logger.setLevel(logging.WARNING)

    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # This module sets its own logger to INFO on import.
    logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    context.data_sources.add_pandas(DATASOURCE_NAME)
    return context


@functools.cache
def _batch_definition(asset_name: str) -> BatchDefinition:
    datasource = _context().data_sources.get(DATASOURCE_NAME)
    asset = datasource.add_dataframe_asset(asset_name)
    return asset.add_batch_definition_whole_dataframe("whole_frame")


def spec_index(result: Any) -> int:
    """Return the position in `FrameRun.specs` of the expectation behind one result."""
    configuration = result.expectation_config
    if configuration is None or "clrec_index" not in configuration.meta:
        raise KeyError("a Great Expectations result lacks the clrec_index its expectation was given")
    return int(configuration.meta["clrec_index"])


def _expand(
    spec: SuiteSpec,
    conditions: dict[str, Condition],
    features_with_known_values: list[str],
) -> tuple[dict[str, list[ExpectationSpec]], list[SkippedExpectation]]:
    """Group a suite's expectations by frame, repeated and skipped as the suite file specifies."""
    by_frame: dict[str, list[ExpectationSpec]] = {name: [] for name in spec.frames}
    skipped: list[SkippedExpectation] = []
    for expectation in spec.expectations:
        if expectation.requires is not None and not conditions[expectation.requires].met:
            reason = conditions[expectation.requires].reason_if_not
            skipped.append(
                SkippedExpectation(
                    spec.suite, expectation.frame, expectation.type, expectation.column, reason
                )
            )
            continue
        if expectation.for_each == "feature_with_known_values":
            for feature in features_with_known_values:
                by_frame[expectation.frame].append(expectation.for_feature(feature))
            continue
        by_frame[expectation.frame].append(expectation)
    return by_frame, skipped


def _build_suite(name: str, specs: list[ExpectationSpec]) -> Any:
    import great_expectations as gx
    from great_expectations.exceptions import GreatExpectationsError
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    suite = gx.ExpectationSuite(name=name)
    for index, spec in enumerate(specs):
        configuration = ExpectationConfiguration(
            type=spec.type,
            kwargs=spec.kwargs,
            meta={"notes": spec.guards, "clrec_index": index},
        )
        try:
            suite.add_expectation_configuration(configuration)
        except (GreatExpectationsError, ValueError) as error:
            raise SuiteFileError(
                f"invalid expectation {spec.type} on frame {spec.frame} in suite {name}: {error}"
            ) from error
    return suite


def run_suite(
    spec: SuiteSpec,
    frames: dict[str, pd.DataFrame | FrameUnavailable],
    parameters: dict[str, Parameter],
    conditions: dict[str, Condition],
    features_with_known_values: list[str],
    unexpected_examples: int,
) -> list[FrameRun]:
    """Validate every frame of `spec` and return one `FrameRun` per frame."""
    by_frame, skipped = _expand(spec, conditions, features_with_known_values)
    for skip in skipped:
        logger.info("%s", skip.log_line())
    parameter_values = {name: parameter.value for name, parameter in parameters.items()}

    runs = []
    for frame_name, specs in by_frame.items():
        run = FrameRun(
            suite=spec.suite,
            frame=frame_name,
            description=spec.frames[frame_name].description,
            specs=specs,
            index_columns=list(spec.frames[frame_name].index),
            skipped=[skip for skip in skipped if skip.frame == frame_name],
        )
        runs.append(run)
        if not specs:
            continue
        frame = frames.get(frame_name)
        if frame is None:
            raise KeyError(f"no frame named {frame_name!r} was built for suite {spec.suite}")
        if isinstance(frame, FrameUnavailable):
            run.unavailable = frame.reason
            logger.error("%s: frame not built: %s", run.name, frame.reason)
            continue

        index_columns = [name for name in run.index_columns if name in frame.columns]
        result_format = {
            "result_format": "SUMMARY",
            "partial_unexpected_count": unexpected_examples,
            "unexpected_index_column_names": index_columns,
        }
        batch = _batch_definition(run.name).get_batch(batch_parameters={"dataframe": frame})
        run.result = batch.validate(
            _build_suite(run.name, specs),
            result_format=result_format,
            expectation_parameters=parameter_values,
        )
        logger.debug("%s: %d expectations, success %s", run.name, len(specs), run.result.success)
    return runs
