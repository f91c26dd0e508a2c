"""Collect benchmarks/results/*.md into BENCHMARKS.md, one section per step."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ORDER = [
    "summary",
    "table7",
    "tuning",
    "recbole_peer",
    "efficiency",
    "debiasing",
    "scale",
    "preprocess",
    "validation",
    "features",
    "train",
    "evaluate",
    "registry",
    "registry_publish",
    "kubeflow",
]
# Titles of result files that hold several sections without one heading above them.
TITLES = {"evaluate": "Evaluate step"}
HEADER = """# Benchmarks

Each section is written by one script under `benchmarks/`; the command,
the machine and its load are stated with every table. Run a script again to
refresh its file in `benchmarks/results/`, then
`.venv/bin/python benchmarks/assemble.py` to rebuild this page; `make bench`
runs the paper comparisons (Table 7, the efficiency table, debiasing, scale
and the RecBole peer) and then rebuilds it. Each of those sections also has
a JSON file next to its Markdown with the command, commit and machine.
The per-step sections after them predate that record, so they state the
command and the machine only. Unless a
section states otherwise the machine is a 2-core x86_64 CPU with 24 GiB of
memory and no GPU, shared with other jobs while these numbers were taken,
so the times are upper bounds.
"""


def demote(text: str) -> str:
    """Push every Markdown heading one level down so that the page keeps one title."""
    return re.sub(r"^(#+) ", lambda match: "#" + match.group(1) + " ", text, flags=re.MULTILINE)


def link_images(text: str) -> str:
    """Point relative image links of a result file at benchmarks/results/, where the images are."""
    return re.sub(r"!\[([^\]]*)\]\((?!https?://|/)([^)]+)\)", r"![\1](benchmarks/results/\2)", text)


def main() -> None:
    results = ROOT / "benchmarks" / "results"
    names = [name for name in ORDER if (results / f"{name}.md").is_file()]
    names += sorted(path.stem for path in results.glob("*.md") if path.stem not in ORDER)
    parts = [HEADER]
    for name in names:
        text = (results / f"{name}.md").read_text(encoding="utf-8").strip()
        if not text.startswith("# "):
            text = f"# {TITLES.get(name, name)}\n\n{text}"
        parts.append(demote(link_images(text)))
    (ROOT / "BENCHMARKS.md").write_text("\n\n".join(parts) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
