"""Typed configuration, validated when it is loaded."""

from clrec.config.base import ConfigError, StrictModel
from clrec.config.root import ClrecConfig, PathsConfig, dump_config, load_config, load_config_text

__all__ = ["ClrecConfig", "ConfigError", "PathsConfig", "StrictModel", "dump_config", "load_config", "load_config_text"]
