"""Provenance of a benchmark result: the command, the commit and the machine.

Every script of `make bench` writes its figures twice: a Markdown section in
`benchmarks/results/<name>.md` (assembled into BENCHMARKS.md) and a JSON file
`benchmarks/results/<name>.json` that carries the same numbers with
`provenance()` attached, for tools that compare runs.
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def command_line() -> str:
    """Return the command that started this process, as a shell would read it."""
    script = Path(sys.argv[0])
    if script.is_absolute():
        try:
            script = script.relative_to(ROOT)
        except ValueError:
            pass
    return shlex.join([".venv/bin/python", str(script), *sys.argv[1:]])


def commit() -> str:
    """Return the checked-out commit, with `-dirty` when tracked files have changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}-dirty" if changed else head


def memory_gib() -> float:
    """Return the machine's physical memory in GiB."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def machine() -> dict:
    """Return the cores, memory, accelerator and software versions of this machine."""
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(memory_gib(), 1),
        "gpu": gpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
    }


def machine_line() -> str:
    """Return `machine()` as one sentence for a Markdown section."""
    info = machine()
    gpu = info["gpu"] or "no GPU"
    return (
        f"Machine: {info['cores']} CPU cores, {info['memory_gib']:.0f} GiB memory, {gpu}, "
        f"{info['platform']}, Python {info['python']}, torch {info['torch']}."
    )


def provenance() -> dict:
    """Return the command, commit, machine and UTC time of this run."""
    return {
        "command": command_line(),
        "commit": commit(),
        "machine": machine(),
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def write_result(name: str, figures: dict, markdown: str) -> None:
    """Write `benchmarks/results/<name>.json` (figures plus provenance) and `<name>.md`."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    record = {"provenance": provenance(), **figures}
    (RESULTS / f"{name}.json").write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8")
    (RESULTS / f"{name}.md").write_text(markdown.strip() + "\n", encoding="utf-8")


def provenance_lines() -> str:
    """Return the command, commit and machine as Markdown lines for the top of a section."""
    info = provenance()
    return f"Command: `{info['command']}`\n\nCommit: `{info['commit']}`. {machine_line()}"
