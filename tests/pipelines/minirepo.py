"""A tiny repository laid out like this one, for tests of the component lock.

Two components share the package root `clrec`: `alpha` uses `clrec.core`
(which loads `clrec.extra.lazy` by name) and `beta` uses `clrec.other`.
No module imports `clrec.unused`. beta's Dockerfile also takes two
files of `shared/` from the build context. The pins are real packages of the
test environment with no unconditional requirements, so the distribution
closure can be computed from installed metadata.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

PYPROJECT = """\
[project]
name = "demo"
version = "0.1.0"
dependencies = ["pyyaml==6.0.4"]

[project.optional-dependencies]
pipeline = ["packaging==26.4"]
alpha = ["annotated-types==0.8.0"]
beta = ["idna==3.20", "six==1.17.0"]
"""

CONSTRAINTS = """\
# exact pins of every package
PyYAML==6.0.4
packaging==26.4
annotated-types==0.8.0
idna==3.20
six==1.17.0
"""

FILES = {
    "components/__init__.py": "",
    "components/alpha/__init__.py": "",
    "components/alpha/component.py": """\
        from components import image_for


        def alpha(config_yaml: str) -> None:
            from clrec.core.work import run

            run(config_yaml)
        """,
    "components/alpha/metadata.yaml": "name: alpha\nversion: 0.1.0\nextras:\n  - alpha\n",
    "components/alpha/README.md": "# alpha\n",
    "components/alpha/tests/__init__.py": "",
    "components/alpha/tests/test_alpha.py": "def test_nothing():\n    pass\n",
    "components/beta/__init__.py": "",
    "components/beta/component.py": """\
        def beta() -> None:
            import clrec.other
        """,
    "components/beta/metadata.yaml": "name: beta\nversion: 0.1.0\nextras: [beta]\n",
    "images/alpha/Dockerfile": "FROM python:3.11-slim-bookworm\n",
    "images/beta/Dockerfile": """\
        FROM python:3.11-slim-bookworm AS build
        COPY src/ pyproject.toml /app/
        FROM python:3.11-slim-bookworm
        COPY --from=build /app /app
        COPY --chown=1:1 \\
            shared/table.csv /app/
        RUN --mount=type=bind,source=shared/tool.sh,target=/tmp/tool.sh sh /tmp/tool.sh
        """,
    "shared/table.csv": "a,b\n1,2\n",
    "shared/tool.sh": "true\n",
    "shared/unused.txt": "not copied\n",
    "images/beta/helper.py": "VALUE = 1\n",
    "src/clrec/__init__.py": "",
    "src/clrec/core/__init__.py": "",
    "src/clrec/core/work.py": """\
        import importlib

        from .helpers import helper

        LAZY_MODULE = "clrec.extra.lazy"


        def run(text):
            return helper(text), importlib.import_module(LAZY_MODULE)
        """,
    "src/clrec/core/helpers.py": "def helper(text):\n    return text\n",
    "src/clrec/core/templates/page.html": "<html></html>\n",
    "src/clrec/extra/lazy.py": "from ..core import helpers\n",
    "src/clrec/other.py": "VALUE = 2\n",
    "src/clrec/unused/__init__.py": "",
    "src/clrec/unused/mod.py": "VALUE = 3\n",
    "requirements/constraints.txt": CONSTRAINTS,
    "pyproject.toml": PYPROJECT,
}

STEPS = ("alpha", "beta")


def build_minirepo(root: Path) -> Path:
    """Write the tiny repository under `root` and return `root`."""
    for relative, text in FILES.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def set_version(root: Path, step: str, version: str) -> None:
    """Rewrite the version line of one component's metadata.yaml."""
    path = root / "components" / step / "metadata.yaml"
    lines = [
        f"version: {version}" if line.startswith("version:") else line
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def append_line(root: Path, relative: str, line: str) -> None:
    """Append one line to a file of the tiny repository."""
    path = root / relative
    path.write_text(path.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
