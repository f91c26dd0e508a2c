"""SHA-256 digests of files and groups of files, read in chunks."""

from __future__ import annotations

import hashlib
from pathlib import Path

CHUNK_BYTES = 1 << 20


def sha256_file(path: Path) -> str:
    """Return the hex SHA-256 of one file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_files(paths: list[Path]) -> str:
    """Return one hex SHA-256 over several files, covering each file's name and digest.

    Files are taken in the given order, so the same files in the same order
    give the same digest wherever they are stored.
    """
    digest = hashlib.sha256()
    for path in paths:
        digest.update(f"{Path(path).name}\0{sha256_file(path)}\n".encode("utf-8"))
    return digest.hexdigest()
