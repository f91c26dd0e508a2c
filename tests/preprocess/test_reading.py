"""Reading text files in blocks: lines across block boundaries, line numbers and the file hash."""

from __future__ import annotations

import hashlib

from clrec.preprocess import reading
from tests.preprocess.helpers import read_file


def test_lines_across_blocks(tmp_path, monkeypatch):
    # 7-byte blocks cut every row (13 to 14 bytes) at least once.
    monkeypatch.setattr(reading, "BLOCK_BYTES", 7)
    rows = [f"{user}\t{item}\t5\t{100 + line}" for line, (user, item) in enumerate([(1, 10), (2, 11), (1, 12)], start=1)]
    path = tmp_path / "log.tsv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    events, rejects, files = read_file(path)
    assert sorted((event[2], user, event[3]) for user, event in events) == [(1, "1", "10"), (2, "2", "11"), (3, "1", "12")]
    assert rejects == []
    assert files[0]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert files[0]["size_bytes"] == path.stat().st_size


def test_undecodable_line_in_block(tmp_path, monkeypatch):
    # The whole block fails to decode, so each line is decoded alone: only line 2 is rejected.
    monkeypatch.setattr(reading, "BLOCK_BYTES", 1 << 10)
    path = tmp_path / "log.tsv"
    path.write_bytes(b"1\t10\t5\t100\r\n1\t\xff\t5\t101\r\n1\t12\t5\t102\r\n")
    events, rejects, _ = read_file(path)
    assert [event[3] for _, event in events] == ["10", "12"]
    assert [(line, reason) for _, line, reason, _, _ in rejects] == [(2, "undecodable")]
