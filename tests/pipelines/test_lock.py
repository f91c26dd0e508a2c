"""Tests of the component lock: what a component's digest covers and when a bump is required."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.lock import (
    LOCK_PATH,
    REPO_ROOT,
    STEPS,
    LockError,
    check_lock,
    component_content,
    dockerfile_context_sources,
    image_requirements,
    package_closure,
    read_constraints,
    update_lock,
)
from tests.pipelines.minirepo import STEPS as MINI_STEPS
from tests.pipelines.minirepo import append_line, build_minirepo, set_version


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    """The tiny two-component repository, with its lock written."""
    root = build_minirepo(tmp_path)
    update_lock(root, MINI_STEPS)
    return root


def _messages(root: Path) -> list[str]:
    return [problem.message for problem in check_lock(root, MINI_STEPS)]


def test_closure_follows_imports(tmp_path: Path) -> None:
    root = build_minirepo(tmp_path)
    files = {
        path.relative_to(root).as_posix()
        for path in package_closure([root / "components/alpha/component.py"], root / "src")
    }
    # component.py imports clrec.core.work, which imports .helpers and names
    # clrec.extra.lazy in a string; lazy.py imports ..core.helpers again.
    assert "src/clrec/core/work.py" in files
    assert "src/clrec/core/helpers.py" in files
    assert "src/clrec/extra/lazy.py" in files
    # Importing clrec.core.work runs both parent packages' __init__.py.
    assert "src/clrec/__init__.py" in files
    assert "src/clrec/core/__init__.py" in files
    # Data files of a used package count; unused modules do not.
    assert "src/clrec/core/templates/page.html" in files
    assert "src/clrec/unused/mod.py" not in files
    assert "src/clrec/other.py" not in files


def test_content_skips_tests_and_readme(tmp_path: Path) -> None:
    root = build_minirepo(tmp_path)
    files = component_content("alpha", root).files
    assert "components/alpha/component.py" in files
    assert "components/alpha/metadata.yaml" in files
    assert "images/alpha/Dockerfile" in files
    assert "components/alpha/README.md" not in files
    assert "components/alpha/tests/test_alpha.py" not in files
    # `from components import image_for` is compile-time only, not clrec.
    assert "components/__init__.py" not in files


def test_requirements_use_constraint_pins(tmp_path: Path) -> None:
    root = build_minirepo(tmp_path)
    alpha, alpha_unpinned = image_requirements("alpha", root)
    beta, _ = image_requirements("beta", root)
    # Base dependency + the pipeline extra (always) + the component's own extra,
    # spelled as in the constraints file.
    assert alpha == ["PyYAML==6.0.4", "annotated-types==0.8.0", "packaging==26.4"]
    assert alpha_unpinned == []
    # idna's requirements all sit behind `extra == "all"`, so none is followed.
    assert beta == ["PyYAML==6.0.4", "idna==3.20", "packaging==26.4", "six==1.17.0"]


def test_requirements_report_unpinned(tmp_path: Path) -> None:
    root = build_minirepo(tmp_path)
    constraints = root / "requirements/constraints.txt"
    constraints.write_text(constraints.read_text().replace("six==1.17.0\n", ""))
    _, unpinned = image_requirements("beta", root)
    assert unpinned == ["six"]
    messages = _messages(root)
    assert any("beta: its image installs six" in message for message in messages)


def test_constraints_parse_comments() -> None:
    pins = read_constraints(REPO_ROOT / "requirements/constraints.txt")
    assert pins["torch"] == "torch==2.13.0"
    assert all("#" not in pin for pin in pins.values())


def test_lock_fresh_passes(repo: Path) -> None:
    assert _messages(repo) == []
    entry = json.loads((repo / LOCK_PATH).read_text())["components"]["alpha"]
    assert entry["version"] == "0.1.0"
    assert entry["digest"].startswith("sha256:")


def test_change_without_bump_fails(repo: Path) -> None:
    append_line(repo, "src/clrec/core/helpers.py", "# changed")
    messages = _messages(repo)
    assert len(messages) == 1
    message = messages[0]
    assert message.startswith("alpha: its content changed but its version is still 0.1.0")
    assert "changed: src/clrec/core/helpers.py" in message
    assert "Bump `version` in components/alpha/metadata.yaml, then run `make lock`" in message


def test_update_refuses_without_bump(repo: Path) -> None:
    before = (repo / LOCK_PATH).read_text()
    append_line(repo, "components/alpha/component.py", "# changed")
    with pytest.raises(LockError, match="alpha: its content changed"):
        update_lock(repo, MINI_STEPS)
    assert (repo / LOCK_PATH).read_text() == before


def test_bump_then_update_passes(repo: Path) -> None:
    append_line(repo, "src/clrec/core/templates/page.html", "<!-- changed -->")
    set_version(repo, "alpha", "0.1.1")
    messages = _messages(repo)
    assert messages == [
        "alpha: version bumped from 0.1.0 to 0.1.1, but components/lock.json still records "
        "0.1.0; run `make lock`"
    ]
    changes = update_lock(repo, MINI_STEPS)
    assert changes == ["alpha: 0.1.0 -> 0.1.1"]
    assert _messages(repo) == []


def test_lower_version_fails(repo: Path) -> None:
    set_version(repo, "alpha", "0.0.9")
    messages = _messages(repo)
    assert len(messages) == 1
    assert "version 0.0.9 in components/alpha/metadata.yaml is lower than the locked 0.1.0" in messages[0]


def test_other_step_unaffected(repo: Path) -> None:
    # A change to beta's module and to a module that no component uses must not touch alpha.
    append_line(repo, "src/clrec/other.py", "# changed")
    append_line(repo, "src/clrec/unused/mod.py", "# changed")
    problems = check_lock(repo, MINI_STEPS)
    assert [problem.step for problem in problems] == ["beta"]


def test_pin_change_flags_user(repo: Path) -> None:
    constraints = repo / "requirements/constraints.txt"
    constraints.write_text(constraints.read_text().replace("six==1.17.0", "six==1.16.0"))
    problems = check_lock(repo, MINI_STEPS)
    assert [problem.step for problem in problems] == ["beta"]
    assert "packages: -six==1.17.0; +six==1.16.0" in problems[0].message


def test_image_helper_file_counts(repo: Path) -> None:
    append_line(repo, "images/beta/helper.py", "# changed")
    problems = check_lock(repo, MINI_STEPS)
    assert [problem.step for problem in problems] == ["beta"]


def test_context_sources_read(tmp_path: Path) -> None:
    root = build_minirepo(tmp_path)
    sources = dockerfile_context_sources(root / "images/beta/Dockerfile")
    # COPY --from copies from a stage, not from the context, so it is left out.
    assert sources == ["src/", "pyproject.toml", "shared/table.csv", "shared/tool.sh"]


def test_context_file_counts(repo: Path) -> None:
    append_line(repo, "shared/table.csv", "3,4")
    problems = check_lock(repo, MINI_STEPS)
    assert [problem.step for problem in problems] == ["beta"]
    assert "changed: shared/table.csv" in problems[0].message


def test_uncopied_file_ignored(repo: Path) -> None:
    append_line(repo, "shared/unused.txt", "more")
    assert _messages(repo) == []


def test_missing_context_source_fails(repo: Path) -> None:
    (repo / "shared/tool.sh").unlink()
    messages = _messages(repo)
    assert messages == ["beta: images/beta/Dockerfile takes shared/tool.sh, which does not exist"]


def test_docs_change_ignored(repo: Path) -> None:
    append_line(repo, "components/alpha/README.md", "more text")
    append_line(repo, "components/alpha/tests/test_alpha.py", "# changed")
    assert _messages(repo) == []


def test_missing_lock_fails(tmp_path: Path) -> None:
    root = build_minirepo(tmp_path)
    messages = _messages(root)
    assert messages == ["components/lock.json not found; run `make lock` to create it"]


def test_invalid_version_rejected(repo: Path) -> None:
    set_version(repo, "beta", "next")
    messages = _messages(repo)
    assert len(messages) == 1
    assert "beta: version 'next' in components/beta/metadata.yaml is not a valid version" in messages[0]


def test_unknown_extra_rejected(repo: Path) -> None:
    path = repo / "components/beta/metadata.yaml"
    path.write_text(path.read_text().replace("[beta]", "[gamma]"))
    messages = _messages(repo)
    assert len(messages) == 1
    assert "extras ['gamma'] in components/beta/metadata.yaml are not optional-dependency groups" in messages[0]


def test_cli_check_exit_codes(repo: Path) -> None:
    command = [sys.executable, "-m", "pipelines.lock", "check", "--root", str(repo)]
    # The CLI checks the real six steps, which the tiny repository lacks.
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, check=False)
    assert result.returncode == 1
    assert "error: preprocess: components/preprocess/metadata.yaml not found" in result.stderr


def test_cli_images_lists_tags() -> None:
    missing = [step for step in STEPS if not (REPO_ROOT / "components" / step / "metadata.yaml").is_file()]
    if missing:
        pytest.skip(f"components not written yet: {', '.join(missing)}")
    from components import component_version

    environment = {**os.environ, "CLREC_IMAGE_PREFIX": "registry.example.com/ml/"}
    command = [sys.executable, "-m", "pipelines.lock", "images"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, env=environment, check=False)
    assert result.returncode == 0, result.stderr
    expected = [
        f"{step} {component_version(step)} registry.example.com/ml/clrec-{step}:{component_version(step)}"
        for step in STEPS
    ]
    assert result.stdout.splitlines() == expected


def test_repository_lock_current() -> None:
    missing = [step for step in STEPS if not (REPO_ROOT / "components" / step / "component.py").is_file()]
    if missing:
        pytest.skip(f"components not written yet: {', '.join(missing)}")
    problems = check_lock(REPO_ROOT)
    assert not problems, "\n".join(problem.message for problem in problems)
