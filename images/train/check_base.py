"""Check that the train image runs Python 3.11 and the pinned torch, built with CUDA.

`docker build` runs this twice. Before clrec is installed, it makes a wrong
base image fail with a clear message, instead of pip silently replacing the
base's torch with a multi-gigabyte download from PyPI. After the install, it
proves that the base's CUDA build of torch is still the one installed.

Usage: python check_base.py --constraints requirements/constraints.txt
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

logger = logging.getLogger("check_base")

REQUIRED_PYTHON = (3, 11)


class BaseImageError(RuntimeError):
    """The base image cannot run the train step; the message names the image to pick instead."""


def read_torch_pin(constraints: Path) -> str:
    """Return the torch version pinned as `torch==<version>` in a constraints file."""
    for line in constraints.read_text(encoding="utf-8").splitlines():
        name, separator, version = line.strip().partition("==")
        if separator and name.strip().lower() == "torch":
            return version.strip()
    raise BaseImageError(f"{constraints} has no 'torch==<version>' line; pin torch there first")


def check_base(constraints: Path) -> str:
    """Raise `BaseImageError` unless Python and torch match the pins; return torch's version."""
    python = sys.version_info[:2]
    if python != REQUIRED_PYTHON:
        raise BaseImageError(
            f"the base image runs Python {python[0]}.{python[1]}, but clrec requires "
            f"{REQUIRED_PYTHON[0]}.{REQUIRED_PYTHON[1]}; pass --build-arg TORCH_IMAGE=<a CUDA "
            "PyTorch image built with Python 3.11>"
        )
    pinned = read_torch_pin(constraints)
    try:
        import torch
    except ImportError as error:
        raise BaseImageError(
            f"the base image has no torch ({error}); pass --build-arg TORCH_IMAGE=<a CUDA "
            f"PyTorch image with torch {pinned}>"
        ) from error

    installed = torch.__version__
    if installed.split("+")[0] != pinned:
        raise BaseImageError(
            f"the base image has torch {installed}, but requirements/constraints.txt pins "
            f"torch=={pinned}; pass --build-arg TORCH_IMAGE=<a CUDA PyTorch image with torch {pinned}>"
        )
    if torch.version.cuda is None:
        raise BaseImageError(
            f"torch {installed} in the base image is a CPU build; the train image needs a "
            "CUDA build, for example a pytorch/pytorch '-cuda' image"
        )
    return f"{installed} (CUDA {torch.version.cuda})"


def main(argv: list[str] | None = None) -> int:
    """Run the check and return the process exit status."""
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--constraints",
        type=Path,
        required=True,
        help="pip constraints file with the 'torch==<version>' pin",
    )
    args = parser.parse_args(argv)
    try:
        description = check_base(args.constraints)
    except BaseImageError as error:
        logger.error("error: %s", error)
        return 1
    logger.info("base image has Python %d.%d and torch %s", *sys.version_info[:2], description)
    return 0


if __name__ == "__main__":
    sys.exit(main())
