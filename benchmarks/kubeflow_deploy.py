"""Benchmark the deployment tooling: the component lock, the pipeline compiler and the image sizes in packages.

Run from the repository root:

    .venv/bin/python benchmarks/kubeflow_deploy.py [--repeats 5] [--resolve]

Times `component_content` for all six steps (what `make lock-check` does),
and one `compile_pipeline` call in a fresh process, because kfp and the
component modules are imported once per process. Counts, per image, the
package files in its digest and the distributions it installs. With
`--resolve`, also times `pip install --dry-run --report` per image against
the package index. The table is printed and written to
benchmarks/results/kubeflow.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipelines.lock import REPO_ROOT, STEPS, component_content, image_extras

logger = logging.getLogger("benchmarks.kubeflow_deploy")

RESULTS = REPO_ROOT / "benchmarks" / "results" / "kubeflow.md"
COMPILE_SCRIPT = (
    "import sys, time\n"
    "start = time.perf_counter()\n"
    "from clrec.config import load_config\n"
    "from pipelines.compile import compile_pipeline\n"
    "compile_pipeline(load_config('configs/ml-100k.yaml'), sys.argv[1])\n"
    "print(time.perf_counter() - start)\n"
)


def time_lock(repeats: int) -> list[float]:
    """Return the seconds of each full pass over the six steps' contents."""
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        for step in STEPS:
            component_content(step, REPO_ROOT)
        timings.append(time.perf_counter() - start)
    return timings


def time_compile(repeats: int) -> list[float] | str:
    """Return the seconds of each compile, imports included, each in a new process.

    Returns the compiler's last error line instead when compiling fails.
    """
    timings = []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(repeats):
            output = Path(folder) / "clrec_pipeline.yaml"
            result = subprocess.run(
                [sys.executable, "-c", COMPILE_SCRIPT, str(output)],
                capture_output=True, text=True, cwd=REPO_ROOT, check=False,
            )  # fmt: skip
            if result.returncode != 0:
                return result.stderr.strip().splitlines()[-1]
            timings.append(float(result.stdout.strip().splitlines()[-1]))
    return timings


def _timing_row(label: str, timings: list[float] | str) -> str:
    if isinstance(timings, str):
        return f"| {label} | failed: {timings} | | |"
    return f"| {label} | {statistics.median(timings):.2f} | {min(timings):.2f} | {max(timings):.2f} |"


def time_resolution(step: str) -> float:
    """Return the seconds `pip install --dry-run --report` takes for one image's requirements."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "source"
        source.mkdir()
        shutil.copy2(REPO_ROOT / "pyproject.toml", source)
        shutil.copy2(REPO_ROOT / "README.md", source)
        shutil.copytree(REPO_ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__"))
        command = [
            sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed",
            "--no-build-isolation", "--quiet", "--report", str(Path(folder) / "report.json"),
            "--constraint", str(REPO_ROOT / "requirements" / "constraints.txt"),
            f"{source}[{','.join(image_extras(step, REPO_ROOT))}]",
        ]  # fmt: skip
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, text=True, check=True)
        return time.perf_counter() - start


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="Repetitions of each timing (default 5).")
    parser.add_argument("--resolve", action="store_true", help="Also time pip's resolution per image (needs PyPI).")
    args = parser.parse_args()

    lock_times = time_lock(args.repeats)
    compile_times = time_compile(args.repeats)
    rows = []
    for step in STEPS:
        content = component_content(step, REPO_ROOT)
        package_files = sum(1 for path in content.files if path.startswith("src/"))
        resolution = f"{time_resolution(step):.1f}" if args.resolve else "not run"
        rows.append(f"| {step} | {content.version} | {package_files} | {len(content.requirements)} | {resolution} |")

    command = "`.venv/bin/python benchmarks/kubeflow_deploy.py " + " ".join(sys.argv[1:]) + "`"
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    lines = [
        "# Deployment tooling",
        "",
        f"Command: {command} ({args.repeats} repeats of each timing; the median is shown).",
        f"Machine: {os.cpu_count()} cores, {memory_gib:.0f} GiB, no GPU, "
        f"{platform.python_implementation()} {platform.python_version()}, CPU shared with other jobs.",
        "pip resolution reads package metadata over the network; pip's HTTP cache was warm.",
        "",
        "| what | median seconds | min | max |",
        "|---|---|---|---|",
        _timing_row("content digests of all six components (`make lock-check` without startup)", lock_times),
        _timing_row("compile the pipeline, imports included", compile_times),
        "",
        "| image | version | clrec files in digest | distributions installed | pip resolution, s |",
        "|---|---|---|---|---|",
        *rows,
        "",
    ]
    text = "\n".join(lines)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    logger.info("%s", text)


if __name__ == "__main__":
    main()
