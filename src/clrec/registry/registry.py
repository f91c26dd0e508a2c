"""The model registry: immutable published versions and a production pointer.

Layout under the registry URL (a local folder or any fsspec URL):

    versions/<version>/     index.faiss, item_ids.parquet, user_tower.safetensors,
                            model_config.json, config.yaml, manifest.json
    production.json         {"version": ..., "previous": [...], "updated_at": ...}
    staging/<version>-<random>/   a publication in progress (local folders only)

Guarantees on a local folder: a version is written under staging/, flushed to
disk and renamed into versions/ in one atomic step, and production.json is
written to a temporary file and renamed over the old one. A publication that
dies at any point leaves production.json as it was, and its leftovers are
listed by `leftovers()` and removed by the next publication.

Object stores (s3://, gs://) have no atomic rename. There, files are uploaded
straight into versions/<version>/ with manifest.json last, a version folder
without manifest.json counts as incomplete and is ignored, and production.json
is replaced by a single-object PUT, which those stores apply atomically.
Versions are immutable once their manifest exists.

NOTE: one publisher at a time is assumed. Two concurrent publications can both
promote, and the later write of production.json wins.
"""

from __future__ import annotations

import json
import logging
import os
import posixpath
import re
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import fsspec
from fsspec.implementations.local import LocalFileSystem

from clrec.registry.durable import fsync_dir, fsync_tree, temporary_name, write_file_synced
from clrec.registry.faults import crash_point
from clrec.registry.hashing import sha256_file

logger = logging.getLogger(__name__)

VERSIONS_DIR = "versions"
STAGING_DIR = "staging"
PRODUCTION_FILE = "production.json"
MANIFEST_FILE = "manifest.json"
INDEX_FILE = "index.faiss"
ITEM_IDS_FILE = "item_ids.parquet"
USER_TOWER_FILE = "user_tower.safetensors"
MODEL_CONFIG_FILE = "model_config.json"
CONFIG_FILE = "config.yaml"
# Every file of a version; manifest.json comes last because its presence
# marks the version as complete.
VERSION_FILES: tuple[str, ...] = (
    INDEX_FILE,
    ITEM_IDS_FILE,
    USER_TOWER_FILE,
    MODEL_CONFIG_FILE,
    CONFIG_FILE,
    MANIFEST_FILE,
)

# <UTC timestamp>-<8 hex digits of the content hash>, with "-<n>" appended
# when the same model is published twice within one second.
VERSION_PATTERN = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{8}(-\d+)?$")


class RegistryError(RuntimeError):
    """A registry operation that cannot be carried out, with the reason and the fix."""


@dataclass(frozen=True)
class StagedVersion:
    """A version being written: its final name and the local folder that receives its files."""

    version: str
    path: Path


@dataclass(frozen=True)
class Leftover:
    """Something an interrupted publication left behind."""

    kind: str  # "staging" folder, "temporary" production file or "incomplete" version
    path: str  # its path inside the registry's file system


def make_version(content_hash: str, created_at: datetime) -> str:
    """Return a sortable version name: UTC timestamp, then 8 hex digits of the content hash."""
    stamp = created_at.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{content_hash[:8]}"


def check_version_name(version: str) -> str:
    """Return `version` unchanged, or raise `RegistryError` when it is not a version name."""
    if not VERSION_PATTERN.match(version):
        raise RegistryError(
            f"invalid version name {version!r}: expected a name such as "
            "20261204T213000Z-1a2b3c4d; run `clrec registry list` to see the versions"
        )
    return version


def utc_now_iso() -> str:
    """Return the current UTC time as ISO 8601 with microseconds."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


class Registry:
    """A model registry at a local path or an fsspec URL (s3://, gs://, memory://)."""

    def __init__(self, url: str) -> None:
        if not str(url).strip():
            raise RegistryError("the registry URL is empty; set paths.registry or pass --registry")
        self.url = str(url)
        try:
            self.fs, self.root = fsspec.core.url_to_fs(self.url)
        except ImportError as error:
            raise RegistryError(
                f"cannot open registry {self.url}: {error}. Install the fsspec package of that "
                "protocol (s3fs for s3://, gcsfs for gs://) in this environment"
            ) from None
        except ValueError as error:
            raise RegistryError(
                f"cannot open registry {self.url}: {error}; use a local folder or an fsspec URL "
                "such as s3://bucket/registry"
            ) from None
        self.is_local = isinstance(self.fs, LocalFileSystem)

    def __repr__(self) -> str:
        return f"Registry({self.url!r})"

    def _path(self, *parts: str) -> str:
        return posixpath.join(self.root, *parts)

    def _version_path(self, version: str, name: str | None = None) -> str:
        parts = [VERSIONS_DIR, check_version_name(version)] + ([name] if name else [])
        return self._path(*parts)

    def version_url(self, version: str) -> str:
        """Return the location of one version's folder, with the protocol for remote registries."""
        path = self._version_path(version)
        return path if self.is_local else self.fs.unstrip_protocol(path)

    def _children(self, path: str) -> list[str]:
        if not self.fs.isdir(path):
            return []
        return sorted(posixpath.basename(child.rstrip("/")) for child in self.fs.ls(path, detail=False))

    def _read_json(self, path: str) -> Any:
        try:
            return json.loads(self.fs.cat_file(path))
        except json.JSONDecodeError as error:
            raise RegistryError(
                f"invalid JSON in {path} of registry {self.url}: {error}; "
                "restore the file or remove the version"
            ) from None

    # Reading.

    def list_versions(self) -> list[dict[str, Any]]:
        """Return the manifest of every complete version, oldest first.

        Versions are ordered by their manifest's creation time, which has
        microseconds, because two names from the same second sort by hash.
        """
        manifests = []
        for name in self._children(self._path(VERSIONS_DIR)):
            if not VERSION_PATTERN.match(name):
                logger.warning("ignoring %s in %s: not a version name", name, self._path(VERSIONS_DIR))
                continue
            manifest_path = self._version_path(name, MANIFEST_FILE)
            if not self.fs.exists(manifest_path):
                continue  # an upload that has not finished; see leftovers()
            try:
                manifests.append(self._read_json(manifest_path))
            except RegistryError as error:
                logger.warning("skipping version %s: %s", name, error)
        return sorted(manifests, key=lambda manifest: (str(manifest.get("created_at", "")), manifest.get("version", "")))

    def has_version(self, version: str) -> bool:
        """Return whether `version` is complete, that is, has its manifest."""
        return self.fs.exists(self._version_path(version, MANIFEST_FILE))

    def read_manifest(self, version: str) -> dict[str, Any]:
        """Return a version's manifest, raising `RegistryError` when the version is missing."""
        path = self._version_path(version, MANIFEST_FILE)
        if not self.fs.exists(path):
            raise RegistryError(
                f"version {version!r} not found in registry {self.url}; "
                "run `clrec registry list` to see the published versions"
            )
        return self._read_json(path)

    def read_production(self) -> dict[str, Any] | None:
        """Return the content of production.json, or None before the first promotion."""
        path = self._path(PRODUCTION_FILE)
        if not self.fs.exists(path):
            return None
        record = self._read_json(path)
        if not isinstance(record, dict) or not isinstance(record.get("version"), str):
            raise RegistryError(
                f"invalid {path}: expected an object with a 'version' string; "
                "run `clrec registry promote VERSION` to rewrite it"
            )
        record.setdefault("previous", [])
        return record

    def production_version(self) -> str | None:
        """Return the production version's name, or None before the first promotion."""
        record = self.read_production()
        return record["version"] if record else None

    def leftovers(self) -> list[Leftover]:
        """Return what interrupted publications left: staging folders, temporary files, incomplete versions."""
        found = [
            Leftover("staging", self._path(STAGING_DIR, name))
            for name in self._children(self._path(STAGING_DIR))
        ]
        found += [
            Leftover("temporary", self._path(name))
            for name in self._children(self.root)
            if name.startswith(f"{PRODUCTION_FILE}.tmp-")
        ]
        for name in self._children(self._path(VERSIONS_DIR)):
            if VERSION_PATTERN.match(name) and not self.fs.exists(self._version_path(name, MANIFEST_FILE)):
                found.append(Leftover("incomplete", self._path(VERSIONS_DIR, name)))
        return found

    def download(self, version: str, local_dir: Path) -> Path:
        """Return a local folder that contains the version's files.

        A local registry's own version folder is returned as it is. A remote
        version is copied to `local_dir/<version>` once, its files checked
        against the SHA-256 digests in its manifest, and reused afterwards
        because versions never change.
        """
        manifest = self.read_manifest(version)
        if self.is_local:
            return Path(self._version_path(version))

        target = Path(local_dir) / version
        if (target / MANIFEST_FILE).is_file():
            return target
        Path(local_dir).mkdir(parents=True, exist_ok=True)
        partial = Path(local_dir) / f".{version}.download-{secrets.token_hex(4)}"
        partial.mkdir()
        try:
            for name in VERSION_FILES:
                self.fs.get_file(self._version_path(version, name), str(partial / name))
            self._verify_files(partial, manifest)
            if target.exists():
                shutil.rmtree(target)
            os.rename(partial, target)
        finally:
            if partial.exists():
                shutil.rmtree(partial, ignore_errors=True)
        logger.info("downloaded version %s from %s to %s", version, self.url, target)
        return target

    def _verify_files(self, folder: Path, manifest: dict[str, Any]) -> None:
        for name, expected in manifest.get("files", {}).items():
            actual = sha256_file(folder / name)
            if actual != expected:
                raise RegistryError(
                    f"{name} of version {manifest.get('version')} in {self.url} does not match its "
                    f"manifest (SHA-256 {actual}, expected {expected}); the registry copy is damaged"
                )

    # Writing.

    def clean_leftovers(self) -> list[Leftover]:
        """Remove what interrupted publications left and return what was removed."""
        removed = self.leftovers()
        for leftover in removed:
            logger.warning("removing %s left by an interrupted publication: %s", leftover.kind, leftover.path)
            self.fs.rm(leftover.path, recursive=True)
        return removed

    def begin_version(self, version: str) -> StagedVersion:
        """Create an empty staging folder for a new version and return it.

        When `version` is taken, "-2", "-3", ... is appended. A local registry
        stages inside `<registry>/staging/` so the final rename stays on one
        file system. A remote registry stages in a local temporary folder.
        """
        base = check_version_name(version)
        name, counter = base, 1
        while self.fs.exists(self._path(VERSIONS_DIR, name)):
            counter += 1
            name = f"{base}-{counter}"

        if self.is_local:
            staging_root = Path(self._path(STAGING_DIR))
            staging_root.mkdir(parents=True, exist_ok=True)
            path = staging_root / f"{name}-{secrets.token_hex(4)}"
            path.mkdir()
        else:
            path = Path(tempfile.mkdtemp(prefix=f"clrec-staging-{name}-"))
        logger.info("staging version %s in %s", name, path)
        crash_point("staging_created")
        return StagedVersion(version=name, path=path)

    def commit_version(self, staged: StagedVersion) -> None:
        """Make a fully written staged version visible under versions/."""
        missing = [name for name in VERSION_FILES if not (staged.path / name).is_file()]
        if missing:
            raise RegistryError(
                f"staged version {staged.version} in {staged.path} lacks {', '.join(missing)}; "
                "it is not committed"
            )
        if self.is_local:
            self._commit_local(staged)
        else:
            self._commit_remote(staged)
        logger.info("committed version %s to %s", staged.version, self.url)

    def _commit_local(self, staged: StagedVersion) -> None:
        fsync_tree(staged.path)
        crash_point("files_synced")
        versions_root = Path(self._path(VERSIONS_DIR))
        versions_root.mkdir(parents=True, exist_ok=True)
        target = versions_root / staged.version
        if target.exists():
            raise RegistryError(f"version {staged.version} already exists in {self.url}; publish again")
        os.rename(staged.path, target)
        fsync_dir(versions_root)
        crash_point("version_committed")

    def _commit_remote(self, staged: StagedVersion) -> None:
        for name in VERSION_FILES[:-1]:
            self.fs.put_file(str(staged.path / name), self._version_path(staged.version, name))
        crash_point("files_synced")
        self.fs.put_file(str(staged.path / MANIFEST_FILE), self._version_path(staged.version, MANIFEST_FILE))
        crash_point("version_committed")
        shutil.rmtree(staged.path, ignore_errors=True)

    def discard(self, staged: StagedVersion) -> None:
        """Remove a staged version after a failed publication."""
        try:
            shutil.rmtree(staged.path)
        except FileNotFoundError:
            return
        except OSError as error:
            logger.warning("could not remove staging folder %s: %s", staged.path, error)

    def promote(self, version: str) -> dict[str, Any]:
        """Make `version` the production version and return the new production.json content.

        The version that was in production goes to the front of "previous", so
        `rollback` can return to it.
        """
        manifest = self.read_manifest(version)  # raises when the version is missing or incomplete
        if manifest.get("gate", {}).get("passed") is False:
            logger.warning("promoting %s although its evaluation gate failed", version)
        current = self.read_production()
        if current is not None and current["version"] == version:
            logger.info("version %s is already in production", version)
            return current
        previous = [current["version"], *current["previous"]] if current else []
        record = {"version": version, "previous": previous, "updated_at": utc_now_iso()}
        self._write_production(record)
        logger.info("promoted %s to production (was %s)", version, current["version"] if current else None)
        return record

    def rollback(self) -> str:
        """Put the previous production version back and return its name."""
        current = self.read_production()
        if current is None:
            raise RegistryError(f"registry {self.url} has no production version to roll back from")
        if not current["previous"]:
            raise RegistryError(
                f"production version {current['version']} has no previous version to roll back to; "
                "use `clrec registry promote VERSION` to choose one"
            )
        target, *older = current["previous"]
        if not self.has_version(target):
            raise RegistryError(
                f"cannot roll back to {target}: the version is missing from {self.url}; "
                "use `clrec registry promote VERSION` to choose another one"
            )
        record = {"version": target, "previous": older, "updated_at": utc_now_iso()}
        self._write_production(record)
        logger.info("rolled production back from %s to %s", current["version"], target)
        return target

    def _write_production(self, record: dict[str, Any]) -> None:
        data = (json.dumps(record, indent=2) + "\n").encode("utf-8")
        path = self._path(PRODUCTION_FILE)
        if self.is_local:
            root = Path(self.root)
            root.mkdir(parents=True, exist_ok=True)
            temporary = temporary_name(Path(path))
            write_file_synced(temporary, data)
            crash_point("production_temp_written")
            os.replace(temporary, path)
            fsync_dir(root)
        else:
            self.fs.pipe_file(path, data)  # one PUT: atomic on object stores
        crash_point("production_replaced")
