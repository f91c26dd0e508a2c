"""Dataset fetching: downloads from a local HTTP server, mirror copies and checks."""

from __future__ import annotations

import functools
import hashlib
import http.server
import shutil
import threading
import zipfile
from pathlib import Path

import pytest

from clrec.data import DataFetchError, fetch_dataset
from clrec.data.catalog import AMAZON_BEAUTY, ML_100K


@pytest.fixture()
def http_root(tmp_path: Path, mirror_dir: Path):
    """Serve a copy of the mirror on 127.0.0.1, with ml-100k packed as the official zip."""
    root = tmp_path / "served"
    root.mkdir()
    with zipfile.ZipFile(root / "ml-100k.zip", "w") as bundle:
        for name in ML_100K.files:
            bundle.write(mirror_dir / "ml-100k" / name, f"ml-100k/{name}")
    shutil.copyfile(mirror_dir / "amazon-beauty" / "beauty.txt", root / "beauty.txt")
    (root / "corrupt.txt").write_bytes(b"1 2\n")

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def no_env_mirror(monkeypatch):
    monkeypatch.delenv("CLREC_DATA_MIRROR", raising=False)


def test_download_zip_verifies(http_root, tmp_path):
    folder = fetch_dataset("ml-100k", cache_dir=tmp_path / "cache", source_url=f"{http_root}/ml-100k.zip")
    assert sorted(p.name for p in folder.iterdir()) == sorted(ML_100K.files)
    digest = hashlib.sha256((folder / "u.data").read_bytes()).hexdigest()
    assert digest == ML_100K.files["u.data"]


def test_download_single_file(http_root, tmp_path):
    folder = fetch_dataset("amazon-beauty", cache_dir=tmp_path / "cache", source_url=f"{http_root}/beauty.txt")
    assert (folder / "beauty.txt").stat().st_size > 0


def test_checksum_mismatch_names_both(http_root, tmp_path):
    with pytest.raises(DataFetchError) as raised:
        fetch_dataset("amazon-beauty", cache_dir=tmp_path / "cache", source_url=f"{http_root}/corrupt.txt")
    message = str(raised.value)
    assert "beauty.txt" in message
    assert AMAZON_BEAUTY.files["beauty.txt"] in message
    assert hashlib.sha256(b"1 2\n").hexdigest() in message
    # Nothing unverified reaches the cache.
    assert not (tmp_path / "cache" / "amazon-beauty" / "beauty.txt").exists()


def test_failed_download_suggests_mirror(http_root, tmp_path):
    with pytest.raises(DataFetchError, match="CLREC_DATA_MIRROR"):
        fetch_dataset("amazon-beauty", cache_dir=tmp_path / "cache", source_url=f"{http_root}/missing.txt")


def test_unknown_name_lists_known(tmp_path):
    with pytest.raises(DataFetchError, match="known datasets: amazon-beauty, ml-100k"):
        fetch_dataset("ml-1m", cache_dir=tmp_path)


def test_mirror_from_environment(mirror_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("CLREC_DATA_MIRROR", str(mirror_dir))
    folder = fetch_dataset("ml-100k", cache_dir=tmp_path / "cache")
    assert (folder / "u.item").is_file()


def test_mirror_missing_folder(tmp_path):
    with pytest.raises(DataFetchError, match="dataset folder not found in the mirror"):
        fetch_dataset("ml-100k", cache_dir=tmp_path / "cache", mirror=tmp_path / "empty")


def test_corrupt_cache_is_replaced(mirror_dir, tmp_path):
    folder = fetch_dataset("amazon-beauty", cache_dir=tmp_path, mirror=mirror_dir)
    (folder / "beauty.txt").write_text("tampered\n")
    fetch_dataset("amazon-beauty", cache_dir=tmp_path, mirror=mirror_dir)
    digest = hashlib.sha256((folder / "beauty.txt").read_bytes()).hexdigest()
    assert digest == AMAZON_BEAUTY.files["beauty.txt"]


def test_bad_mirror_file_named(mirror_dir, tmp_path):
    mirror = tmp_path / "mirror"
    shutil.copytree(mirror_dir / "amazon-beauty", mirror / "amazon-beauty")
    (mirror / "amazon-beauty" / "beauty.txt").write_bytes(b"")
    with pytest.raises(DataFetchError) as raised:
        fetch_dataset("amazon-beauty", cache_dir=tmp_path / "cache", mirror=mirror)
    message = str(raised.value)
    assert str(mirror / "amazon-beauty" / "beauty.txt") in message
    assert "the file is empty" in message
    assert "replace it in the mirror" in message


def test_failed_refetch_names_bad_cache(mirror_dir, http_root, tmp_path):
    folder = fetch_dataset("amazon-beauty", cache_dir=tmp_path, mirror=mirror_dir)
    (folder / "beauty.txt").write_text("tampered\n")
    with pytest.raises(DataFetchError, match="failed its checksum"):
        fetch_dataset("amazon-beauty", cache_dir=tmp_path, source_url=f"{http_root}/missing.txt")
