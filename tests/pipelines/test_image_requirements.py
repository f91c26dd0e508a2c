"""Resolve each image's requirements with `pip install --dry-run --report`, as its Dockerfile installs them.

Each resolution runs this environment's pip and Python 3.11, which is the
Python of every image, against the configured package indexes (PyPI). It
installs nothing. A test skips when the index cannot be reached.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from pipelines.lock import INSTALLER_PACKAGES, REPO_ROOT, STEPS, image_extras, image_requirements, read_constraints

pytestmark = pytest.mark.slow

# Messages pip prints when it cannot reach a package index.
NETWORK_ERRORS = (
    "NewConnectionError",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "ConnectTimeoutError",
    "Could not fetch URL",
)


@pytest.fixture(scope="module")
def package_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of what the images' build stage copies: pyproject.toml, README.md and src/."""
    root = tmp_path_factory.mktemp("clrec-source")
    shutil.copy2(REPO_ROOT / "pyproject.toml", root)
    shutil.copy2(REPO_ROOT / "README.md", root)
    shutil.copytree(REPO_ROOT / "src", root / "src", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return root


def _installer_pins(step: str) -> list[str]:
    """Return the pip and setuptools pins of the Dockerfile's runtime install."""
    text = (REPO_ROOT / "images" / step / "Dockerfile").read_text(encoding="utf-8")
    return sorted(set(re.findall(r"\b(?:pip|setuptools)==[0-9.]+", text)))


@pytest.mark.parametrize("step", STEPS)
def test_image_requirements_resolve(step: str, package_source: Path, tmp_path: Path) -> None:
    if not (REPO_ROOT / "components" / step / "metadata.yaml").is_file():
        pytest.skip(f"components/{step}/metadata.yaml not written yet")
    extras = image_extras(step, REPO_ROOT)
    installer_pins = _installer_pins(step)
    report_path = tmp_path / "report.json"
    command = [
        sys.executable, "-m", "pip", "install",
        "--dry-run", "--ignore-installed", "--no-build-isolation", "--quiet",
        "--report", str(report_path),
        "--constraint", str(REPO_ROOT / "requirements" / "constraints.txt"),
        f"{package_source}[{','.join(extras)}]",
        *installer_pins,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    if result.returncode != 0 and any(marker in result.stderr for marker in NETWORK_ERRORS):
        pytest.skip(f"the package index cannot be reached: {result.stderr.strip().splitlines()[-1]}")
    assert result.returncode == 0, result.stderr[-3000:]

    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["environment"]["python_version"] == "3.11"
    resolved = {canonicalize_name(item["metadata"]["name"]): item["metadata"]["version"] for item in report["install"]}

    # Every package resolves at its pin; a local label such as torch's +cpu is allowed.
    pins = {
        name: pin.split("==", 1)[1] for name, pin in read_constraints(REPO_ROOT / "requirements/constraints.txt").items()
    }
    pins.update(dict(pin.split("==", 1) for pin in installer_pins))
    for name, version in resolved.items():
        if name == "clrec":
            continue
        assert name in pins, f"{step}: {name} {version} resolves but is not pinned"
        assert Version(version).public == pins[name], f"{step}: {name} resolves to {version}, pinned {pins[name]}"

    # The lock's distribution closure is exactly what pip installs.
    locked, unpinned = image_requirements(step, REPO_ROOT)
    assert unpinned == []
    locked_names = {canonicalize_name(pin.split("==", 1)[0]) for pin in locked}
    assert set(resolved) - {"clrec"} - INSTALLER_PACKAGES == locked_names
