"""Durable local file operations: fsync files and folders, replace files atomically.

On POSIX file systems `os.rename` and `os.replace` within one file system are
atomic: a reader sees the old name or the new one, never a partial file. The
fsync calls make the written data reach the disk before the rename does, so
a power loss cannot leave a renamed but empty file.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def fsync_file(path: Path) -> None:
    """Flush one file's data to disk."""
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries (creations, renames) to disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def fsync_tree(root: Path) -> None:
    """Flush every file and folder under `root`, then `root` itself."""
    for folder, _, files in os.walk(root):
        for name in files:
            fsync_file(Path(folder) / name)
        fsync_dir(Path(folder))


def temporary_name(path: Path) -> Path:
    """Return a fresh sibling name `<name>.tmp-<random>` for a write-then-rename."""
    return path.with_name(f"{path.name}.tmp-{secrets.token_hex(4)}")


def write_file_synced(path: Path, data: bytes) -> None:
    """Write `data` to `path` and flush it to disk."""
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
