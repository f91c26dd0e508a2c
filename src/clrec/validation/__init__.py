"""Great Expectations validation of the preprocess and feature outputs.

`validate_preprocessed` runs the raw_clicks and sequences_splits suites,
`validate_features` the item_features suite. The suites are YAML files in
`clrec/validation/suites/`; the thresholds come from the `validation`
section of the configuration.
"""

from clrec.validation.inputs import ValidationInputError
from clrec.validation.result import ExpectationFailure, SkippedExpectation, ValidationResult
from clrec.validation.stages import validate_features, validate_preprocessed
from clrec.validation.suite_file import SuiteFileError

STAGES = ("preprocessed", "features")

__all__ = [
    "STAGES",
    "ExpectationFailure",
    "SkippedExpectation",
    "SuiteFileError",
    "ValidationInputError",
    "ValidationResult",
    "validate_features",
    "validate_preprocessed",
]
