"""Typed configuration, validated when it is loaded."""

from clrec.config.base import ConfigError, StrictModel
from clrec.config.root import ClrecConfig, PathsConfig, load_config

__all__ = ["ClrecConfig", "ConfigError", "PathsConfig", "StrictModel", "load_config"]
