"""Expectation suite files; package data, so that `importlib.resources` finds them."""
