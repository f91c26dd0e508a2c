"""Typed configuration models and the YAML loader with command-line overrides."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

ModelT = TypeVar("ModelT", bound=BaseModel)


class ConfigError(ValueError):
    """A configuration file or override that does not validate."""


class StrictModel(BaseModel):
    """Base of every configuration section: unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)


def parse_override(text: str) -> tuple[list[str], Any]:
    """Split one `a.b.c=value` override into its key path and YAML-parsed value."""
    key, sep, raw_value = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(
            f"invalid override {text!r}: expected KEY=VALUE with a dotted key, "
            "for example train.epochs=3"
        )
    try:
        value = yaml.safe_load(raw_value) if raw_value.strip() else None
    except yaml.YAMLError as error:
        raise ConfigError(f"invalid value in override {text!r}: {error}") from error
    return key.strip().split("."), value


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Return a copy of `data` with each `a.b.c=value` override set."""
    merged = copy.deepcopy(data)
    for text in overrides:
        path, value = parse_override(text)
        node = merged
        for part in path[:-1]:
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            if not isinstance(child, dict):
                raise ConfigError(
                    f"invalid override {text!r}: {part!r} is a value, not a section"
                )
            node = child
        node[path[-1]] = value
    return merged


def format_validation_error(error: ValidationError, source: str) -> str:
    """Render pydantic's errors as one line per bad key, naming what is allowed."""
    lines = [f"invalid configuration in {source}:"]
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "<root>"
        if item["type"] == "extra_forbidden":
            lines.append(f"  {key}: unknown key; remove it or check its spelling")
        else:
            lines.append(f"  {key}: {item['msg']} (got {item.get('input')!r})")
    return "\n".join(lines)


def validate_mapping(model: type[ModelT], data: dict[str, Any], source: str) -> ModelT:
    """Build `model` from a mapping and raise `ConfigError` with readable messages."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ConfigError(format_validation_error(error, source)) from None


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a YAML mapping from `path`, with errors that name the file."""
    if path.is_dir():
        raise ConfigError(f"configuration path {path} is a directory; pass a YAML file")
    if not path.is_file():
        raise ConfigError(f"configuration file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"configuration file {path} is not UTF-8 text; pass a YAML file") from None
    except OSError as error:
        raise ConfigError(f"cannot read configuration file {path}: {error}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"invalid YAML in {path}: {error}") from error
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"invalid configuration in {path}: expected a mapping at the top level")
    return data
