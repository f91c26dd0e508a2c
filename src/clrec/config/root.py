"""The whole run's configuration: one YAML file per dataset under `configs/`."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import Field

from clrec.config.base import ConfigError, StrictModel, apply_overrides, read_yaml, validate_mapping
from clrec.config.data import DataConfig
from clrec.config.evaluate import EvaluateConfig
from clrec.config.features import FeaturesConfig
from clrec.config.preprocess import PreprocessConfig
from clrec.config.publish import PublishConfig
from clrec.config.train import TrainConfig
from clrec.config.validation import ValidationConfig


class PathsConfig(StrictModel):
    """Locations of what outlives a single pipeline run.

    Relative paths are resolved against the working directory. In a cluster
    these become shared storage (see the README's Kubeflow section).
    """

    # kfp's pipeline root for local runs: every task's artifacts land here.
    pipeline_root: str = "artifacts/runs"
    # Model registry: a local directory or any fsspec URL (s3://, gs://).
    registry: str = "artifacts/registry"
    # Feast's offline sources, registry file and SQLite online store.
    feast_data: str = "artifacts/feast"


class ClrecConfig(StrictModel):
    """Every setting of one pipeline run."""

    seed: int = Field(default=42, ge=0)
    data: DataConfig = DataConfig()
    paths: PathsConfig = PathsConfig()
    preprocess: PreprocessConfig = PreprocessConfig()
    validation: ValidationConfig = ValidationConfig()
    features: FeaturesConfig = FeaturesConfig()
    train: TrainConfig = TrainConfig()
    evaluate: EvaluateConfig = EvaluateConfig()
    publish: PublishConfig = PublishConfig()


def load_config(path: str | Path | None = None, overrides: list[str] | None = None) -> ClrecConfig:
    """Load a YAML configuration, apply `key.sub=value` overrides and validate it.

    With no path, the built-in defaults are used. Raises `ConfigError` with one
    line per invalid key.
    """
    data = read_yaml(Path(path)) if path is not None else {}
    source = str(path) if path is not None else "<defaults>"
    if overrides:
        data = apply_overrides(data, overrides)
        source += " with overrides " + ", ".join(overrides)
    return validate_mapping(ClrecConfig, data, source)


def load_config_text(text: str, overrides: list[str] | None = None) -> ClrecConfig:
    """Validate a configuration given as YAML text, as kfp components receive it."""
    try:
        data = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as error:
        raise ConfigError(f"invalid YAML in the configuration text: {error}") from error
    if not isinstance(data, dict):
        raise ConfigError("invalid configuration text: expected a mapping at the top level")
    if overrides:
        data = apply_overrides(data, overrides)
    return validate_mapping(ClrecConfig, data, "<configuration text>")


def dump_config(config: ClrecConfig) -> str:
    """Serialise a configuration to YAML text that `load_config_text` reads back."""
    return yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False)
