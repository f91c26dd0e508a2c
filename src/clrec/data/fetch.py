"""Download a dataset from its official source, or copy it from a mirror, and verify it.

A mirror is a directory laid out like the cache: one folder per dataset
holding that dataset's files (for example `MIRROR/ml-100k/u.data`). It is
taken from the `mirror` argument, else from the `CLREC_DATA_MIRROR`
environment variable. Every file is checked against its SHA-256 before it is
placed in the cache, and again when a cached copy is reused.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from tqdm import tqdm

from clrec.data.catalog import DatasetSpec, get_dataset

logger = logging.getLogger(__name__)

MIRROR_ENV = "CLREC_DATA_MIRROR"
CACHE_ENV = "CLREC_CACHE_DIR"
DOWNLOAD_TIMEOUT_SECONDS = 60
CHUNK_BYTES = 1 << 20


class DataFetchError(RuntimeError):
    """A dataset could not be fetched or did not verify."""


def default_cache_dir() -> Path:
    """Return `$CLREC_CACHE_DIR`, else `$XDG_CACHE_HOME/clrec/datasets`, else `~/.cache/clrec/datasets`."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "clrec" / "datasets"


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def verify_file(path: Path, expected: str, source: str, advice: str) -> None:
    """Raise `DataFetchError` naming the file's source and both hashes when they differ."""
    actual = sha256_of(path)
    if actual != expected:
        empty = " (the file is empty)" if actual == EMPTY_SHA256 else ""
        raise DataFetchError(
            f"checksum mismatch for {source}{empty}: expected SHA-256 {expected}, got {actual}. "
            f"The file is corrupt or not the official release; {advice}"
        )


def _cache_problem(spec: DatasetSpec, target: Path) -> str | None:
    """Return why the cached copy cannot be used, or None when every file verifies."""
    for name, expected in spec.files.items():
        path = target / name
        if not path.is_file():
            return f"{path} is missing"
        if sha256_of(path) != expected:
            logger.warning("cached %s does not match its checksum; fetching it again", path)
            return f"cached {path} failed its checksum"
    return None


def _copy_from_mirror(spec: DatasetSpec, mirror: Path, staging: Path) -> None:
    source_dir = mirror / spec.name
    if not source_dir.is_dir():
        raise DataFetchError(
            f"dataset folder not found in the mirror: {source_dir}. A mirror contains one "
            f"folder per dataset, for example {mirror / spec.name / next(iter(spec.files))}."
        )
    for name in spec.files:
        source = source_dir / name
        if not source.is_file():
            raise DataFetchError(f"file not found in the mirror: {source}")
        shutil.copyfile(source, staging / name)


def _download(url: str, destination: Path) -> None:
    logger.info("downloading %s", url)
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            with destination.open("wb") as handle, tqdm(
                total=total, unit="B", unit_scale=True, desc=destination.name, leave=False
            ) as progress:
                for chunk in iter(lambda: response.read(CHUNK_BYTES), b""):
                    handle.write(chunk)
                    progress.update(len(chunk))
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise DataFetchError(
            f"download of {url} failed: {error}. Without internet access, point "
            f"{MIRROR_ENV}=DIR (or --mirror DIR) at a local copy laid out as "
            "DIR/<dataset>/<file>."
        ) from error


def _download_into(spec: DatasetSpec, url: str, staging: Path) -> None:
    if spec.archive_member_prefix is None:
        _download(url, staging / next(iter(spec.files)))
        return
    archive = staging / "download.zip"
    _download(url, archive)
    try:
        with zipfile.ZipFile(archive) as bundle:
            for name in spec.files:
                member = f"{spec.archive_member_prefix}/{name}"
                try:
                    with bundle.open(member) as source, (staging / name).open("wb") as target:
                        shutil.copyfileobj(source, target)
                except KeyError:
                    raise DataFetchError(f"{url} has no member {member!r}") from None
    except zipfile.BadZipFile as error:
        raise DataFetchError(f"{url} is not a valid zip archive: {error}") from error
    archive.unlink()


def fetch_dataset(
    name: str,
    cache_dir: str | Path | None = None,
    mirror: str | Path | None = None,
    source_url: str | None = None,
) -> Path:
    """Place a verified copy of dataset `name` in the cache and return its folder.

    Args:
        name: a known dataset name (see `clrec.data.DATASETS`).
        cache_dir: where datasets are kept; default `default_cache_dir()`.
        mirror: a mirror directory to copy from instead of downloading;
            default `$CLREC_DATA_MIRROR` when it is set.
        source_url: replaces the official download address, for example an
            internal proxy that serves the same file.
    """
    try:
        spec = get_dataset(name)
    except KeyError as error:
        raise DataFetchError(str(error.args[0])) from None

    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    target = cache / spec.name
    cache_problem = _cache_problem(spec, target)
    if cache_problem is None:
        logger.info("dataset %s already cached and verified at %s", spec.name, target)
        return target

    mirror_dir = mirror or os.environ.get(MIRROR_ENV) or None
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache, prefix=f".{spec.name}-") as tmp:
        staging = Path(tmp)
        if mirror_dir:
            logger.info("copying %s from the mirror %s", spec.name, mirror_dir)
            _copy_from_mirror(spec, Path(mirror_dir), staging)
            source_dir = Path(mirror_dir) / spec.name
            advice = "replace it in the mirror with the official file"
        else:
            url = source_url or spec.url
            try:
                _download_into(spec, url, staging)
            except DataFetchError as error:
                if target.exists():
                    raise DataFetchError(f"{error} (fetching again because {cache_problem})") from error
                raise
            source_dir = None
            advice = f"check that {url} serves the official release"
        for file_name, expected in spec.files.items():
            source = str(source_dir / file_name) if source_dir else f"{file_name} downloaded from {url}"
            verify_file(staging / file_name, expected, source, advice)

        # Files move into place only after every one of them verified.
        target.mkdir(parents=True, exist_ok=True)
        for file_name in spec.files:
            os.replace(staging / file_name, target / file_name)
    logger.info("dataset %s verified and stored at %s", spec.name, target)
    return target
