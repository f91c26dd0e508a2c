"""Kubeflow Pipelines components, one folder per pipeline step.

Each folder contains `component.py` (the kfp component), `metadata.yaml` (its
name and version), a README and its tests. A component's container image is
`<prefix>/clrec-<step>:<version>`, where the prefix comes from the
`CLREC_IMAGE_PREFIX` environment variable when the pipeline is compiled.
Every image installs kfp with the step's own packages, so the components set
`install_kfp_package=False` and no task installs anything when it starts.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

COMPONENTS_DIR = Path(__file__).resolve().parent
DEFAULT_IMAGE_PREFIX = "docker.io/clrec"


def read_metadata(step: str) -> dict:
    """Return the parsed `metadata.yaml` of one component folder."""
    path = COMPONENTS_DIR / step / "metadata.yaml"
    if not path.is_file():
        raise FileNotFoundError(f"component metadata not found: {path}")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def component_version(step: str) -> str:
    """Return the version that `components/<step>/metadata.yaml` declares."""
    return str(read_metadata(step)["version"])


def image_for(step: str) -> str:
    """Return the container image reference of one step, prefix included."""
    prefix = os.environ.get("CLREC_IMAGE_PREFIX", DEFAULT_IMAGE_PREFIX).rstrip("/")
    return f"{prefix}/clrec-{step}:{component_version(step)}"
