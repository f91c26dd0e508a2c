"""Locate the Feast repository and its data directory, open the store and run `feast apply`.

The repository's feature_store.yaml refers to the data directory as
`${CLREC_FEAST_DATA}`. Feast substitutes environment variables when it reads
the file. This module substitutes that variable from the configuration
instead, so that two stores with different data directories can be open in
one process. `feast apply` runs as a subprocess, exactly as a user would run it,
because it executes the definition files and changes its working directory.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from clrec.config import ClrecConfig
from clrec.features.errors import FeatureStepError
from clrec.features.names import DATA_DIR_VARIABLE

if TYPE_CHECKING:
    from feast import FeatureStore
    from feast.repo_config import RepoConfig

logger = logging.getLogger(__name__)

REPO_FOLDER = "feature_repo"
# Lines of Feast's output kept in an error message.
OUTPUT_TAIL_LINES = 30


def checkout_repo_dir() -> Path:
    """Return `feature_repo/` of the source checkout that this package was imported from."""
    import clrec

    return Path(clrec.__file__).resolve().parents[2] / REPO_FOLDER


def is_url(location: str) -> bool:
    return "://" in location


@dataclass(frozen=True)
class FeastLocation:
    """Locations of the Feast repository, its store configuration and its data directory."""

    repo_dir: Path
    store_yaml: str
    # Absolute local path or object storage URL, without a trailing slash.
    data_dir: str

    @property
    def store_yaml_path(self) -> Path:
        return self.repo_dir / self.store_yaml

    @classmethod
    def from_config(cls, config: ClrecConfig) -> FeastLocation:
        """Resolve the locations of one run from its configuration.

        The data directory is `<paths.feast_data>/<dataset>`, so the datasets
        never share a registry or an online store. A relative `paths.feast_data`
        is resolved against the working directory.
        """
        return cls(
            repo_dir=resolve_repo_dir(config.features.repo_dir),
            store_yaml=config.features.store_yaml,
            data_dir=resolve_data_dir(config.paths.feast_data, config.data.dataset),
        )


def resolve_repo_dir(configured: str) -> Path:
    """Return the repository folder, checking that it contains a feature_store.yaml."""
    if configured:
        candidates = [Path(configured).expanduser().resolve()]
    else:
        candidates = [checkout_repo_dir(), (Path.cwd() / REPO_FOLDER).resolve()]
    for candidate in candidates:
        if (candidate / "feature_store.yaml").is_file():
            return candidate
    tried = ", ".join(str(candidate) for candidate in candidates)
    raise FeatureStepError(
        f"Feast repository not found (looked for feature_store.yaml in {tried}); "
        "set features.repo_dir to the feature_repo folder"
    )


def resolve_data_dir(feast_data: str, dataset: str) -> str:
    """Return `<feast_data>/<dataset>` as an absolute path, or as a URL for object storage."""
    if not feast_data.strip():
        raise FeatureStepError("paths.feast_data is empty; set it to a folder such as artifacts/feast")
    if is_url(feast_data):
        return f"{feast_data.rstrip('/')}/{dataset}"
    return str(Path(feast_data).expanduser().resolve() / dataset)


def _substitute(text: str, data_dir: str, source: Path) -> str:
    """Replace the data directory variable, then other variables from the environment, as Feast does."""
    text = text.replace("${" + DATA_DIR_VARIABLE + "}", data_dir)
    text = os.path.expandvars(text)
    if "${" in text:
        start = text.index("${")
        name = text[start + 2 : text.index("}", start)]
        raise FeatureStepError(f"{source} uses the environment variable {name}, which is not set; export it")
    return text


def read_store_config(location: FeastLocation) -> RepoConfig:
    """Read the store configuration file into Feast's `RepoConfig`."""
    from feast.errors import FeastError
    from feast.repo_config import RepoConfig
    from pydantic import ValidationError

    path = location.store_yaml_path
    if not path.is_file():
        raise FeatureStepError(
            f"Feast store configuration not found: {path}; set features.store_yaml to a file "
            f"of {location.repo_dir}"
        )
    raw = yaml.safe_load(_substitute(path.read_text(encoding="utf-8"), location.data_dir, path))
    try:
        config = RepoConfig(**raw)
    except ValidationError as error:
        raise FeatureStepError(f"invalid Feast store configuration {path}: {error}") from error
    except FeastError as error:
        # Raised when a store type's module needs a Feast extra that is not installed.
        raise FeatureStepError(
            f"cannot load the stores of {path}: {error}; install the Feast extra that the file names"
        ) from error
    config.repo_path = location.repo_dir
    return config


def open_store(location: FeastLocation) -> FeatureStore:
    """Open the feature store of the repository, with its data in `location.data_dir`."""
    from feast import FeatureStore

    # Feast logs "Registry cache expired, so refreshing" at INFO on almost
    # every call; keep that out of INFO logs unless a level was set for it.
    registry_logger = logging.getLogger("feast.infra.registry.registry")
    if registry_logger.level == logging.NOTSET:
        registry_logger.setLevel(logging.WARNING)
    return FeatureStore(repo_path=str(location.repo_dir), config=read_store_config(location))


def _tail(text: str) -> str:
    return "\n".join(text.strip().splitlines()[-OUTPUT_TAIL_LINES:])


def run_feast_apply(location: FeastLocation, timeout_s: int) -> str:
    """Run `feast apply` on the repository with the Feast CLI and return its output.

    Raises `FeatureStepError` with the end of Feast's output when the command
    fails or runs past `timeout_s` seconds.
    """
    command = [
        sys.executable,
        "-m",
        "feast.cli.cli",
        "--chdir",
        str(location.repo_dir),
        "--feature-store-yaml",
        str(location.store_yaml_path),
        "apply",
    ]
    environment = dict(os.environ)
    environment[DATA_DIR_VARIABLE] = location.data_dir
    # Keep the repository folder free of __pycache__ folders.
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    logger.info("running feast apply on %s with %s=%s", location.repo_dir, DATA_DIR_VARIABLE, location.data_dir)
    try:
        completed = subprocess.run(
            command,
            env=environment,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise FeatureStepError(
            f"feast apply on {location.repo_dir} timed out after {timeout_s} s; "
            "raise features.apply_timeout_s or check the registry's storage"
        ) from None
    output = completed.stdout + completed.stderr
    if completed.returncode != 0:
        raise FeatureStepError(
            f"feast apply on {location.repo_dir} failed with exit status {completed.returncode}:\n{_tail(output)}"
        )
    logger.debug("feast apply output:\n%s", output)
    return output
