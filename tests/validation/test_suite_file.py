"""Suite files: the shipped suites load, and malformed suite text is rejected with the key."""

from __future__ import annotations

import pytest

from clrec.validation.ge_runner import _build_suite
from clrec.validation.suite_file import SuiteFileError, load_suite, parse_suite

SHIPPED = ("raw_clicks", "sequences_splits", "item_features")

MINIMAL = """
suite: demo
description: A suite for the tests.
frames:
  events: {description: some events}
expectations:
  - frame: events
    type: expect_column_values_to_not_be_null
    kwargs: {column: user_idx}
    guards: Events that belong to no user.
"""


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_suite_loads(name):
    spec = load_suite(name)
    assert spec.suite == name
    assert spec.expectations
    for expectation in spec.expectations:
        assert expectation.guards.strip()


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_suite_types_exist(name):
    # Building the Great Expectations suites checks each type and its arguments.
    spec = load_suite(name)
    for frame in spec.frames:
        specs = [item for item in spec.expectations if item.frame == frame]
        if specs:
            _build_suite(f"{name}.{frame}", specs)


def test_minimal_suite_parses():
    spec = parse_suite(MINIMAL, "demo.yaml")
    assert spec.expectations[0].column == "user_idx"


def test_missing_guards_rejected():
    text = MINIMAL.replace("    guards: Events that belong to no user.\n", "")
    with pytest.raises(SuiteFileError, match=r"expectations\.0\.guards: Field required"):
        parse_suite(text, "demo.yaml")


def test_unknown_key_rejected():
    text = MINIMAL.replace("    kwargs:", "    colour: red\n    kwargs:")
    with pytest.raises(SuiteFileError, match=r"expectations\.0\.colour: Extra inputs"):
        parse_suite(text, "demo.yaml")


def test_undeclared_frame_rejected():
    text = MINIMAL.replace("  - frame: events", "  - frame: clicks")
    with pytest.raises(SuiteFileError, match="frame 'clicks', which the suite does not declare"):
        parse_suite(text, "demo.yaml")


def test_unknown_condition_rejected():
    text = MINIMAL.replace("    kwargs:", "    requires: has_ratings\n    kwargs:")
    with pytest.raises(SuiteFileError, match=r"expectations\.0\.requires"):
        parse_suite(text, "demo.yaml")


def test_unknown_type_rejected():
    spec = parse_suite(MINIMAL.replace("to_not_be_null", "to_be_purple"), "demo.yaml")
    with pytest.raises(SuiteFileError, match="invalid expectation expect_column_values_to_be_purple"):
        _build_suite("demo.events", list(spec.expectations))


def test_feature_placeholder_replaced():
    spec = load_suite("item_features")
    repeated = next(item for item in spec.expectations if item.for_each)
    copy = repeated.for_feature("genres")
    assert copy.kwargs["value_set"] == {"$PARAMETER": "known_values__genres"}
    assert copy.kwargs["row_condition"]["parameter"] == "genres"
    assert "{feature}" not in copy.guards
    assert copy.for_each is None


def test_missing_suite_file_rejected():
    with pytest.raises(SuiteFileError, match="suite file nothing.yaml not found"):
        load_suite("nothing")
