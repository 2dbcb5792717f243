"""The raw archive: objects written once and read-only, logs that survive a killed crawl."""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import stat
import threading

import pytest

from gongkai.crawler.store import RawStore


def test_put_stores_once_read_only(tmp_path):
    store = RawStore(tmp_path)
    body = "涧西区2019年政府信息公开工作年度报告".encode("gbk")
    sha = store.put(body)
    assert sha == hashlib.sha256(body).hexdigest()
    path = store.path(sha)
    assert path == tmp_path / "raw" / "objects" / sha[:2] / sha
    assert path.read_bytes() == body
    assert store.read(sha) == body
    with store.open(sha) as f:
        assert f.read() == body
    assert stat.S_IMODE(path.stat().st_mode) & 0o222 == 0  # nobody may write it
    assert sha in store

    before = path.stat()
    assert store.put(body) == sha  # the same bytes again: untouched
    after = path.stat()
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)
    assert sorted(p.name for p in path.parent.iterdir()) == [sha]  # no temp files left


def test_empty_body_and_bad_digest(tmp_path):
    store = RawStore(tmp_path)
    sha = store.put(b"")
    assert store.read(sha) == b""
    with pytest.raises(ValueError):
        store.path("../../etc/passwd")
    assert "f" * 64 not in store


def test_fetch_log_round_trip_and_latest_by_url(tmp_path):
    store = RawStore(tmp_path)
    assert list(store.fetches()) == []
    store.log_fetch({"url": "http://a/1", "title": "年报", "outcome": "stored", "sha256": "1" * 64})
    store.log_fetch({"url": "http://a/2", "requested_url": "http://a/old2", "outcome": "stored"})
    store.log_fetch({"url": "http://a/1", "outcome": "not_modified", "sha256": None})
    lines = store.fetch_log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and "年报" in lines[0]  # UTF-8, not \\u escapes
    assert [f["url"] for f in store.fetches()] == ["http://a/1", "http://a/2", "http://a/1"]
    latest = store.latest_by_url()
    assert latest["http://a/1"]["outcome"] == "not_modified"
    assert latest["http://a/old2"]["url"] == "http://a/2"


def test_torn_last_line_is_tolerated_and_repaired(tmp_path):
    store = RawStore(tmp_path)
    store.log_fetch({"url": "http://a/1"})
    with open(store.fetch_log, "ab") as f:  # a crawl killed in the middle of a line
        f.write(b'{"url": "http://a/2", "ti')
    assert [f["url"] for f in store.fetches()] == ["http://a/1"]
    store.log_fetch({"url": "http://a/3"})  # the next run starts a fresh line
    assert [f["url"] for f in store.fetches()] == ["http://a/1", "http://a/3"]


def test_runs_log(tmp_path):
    store = RawStore(tmp_path)
    store.log_run({"run_id": "r1", "portal": "p", "pages_fetched": 3})
    assert list(store.runs()) == [{"run_id": "r1", "portal": "p", "pages_fetched": 3}]


def _append_many(data_dir: str, writer: int, count: int) -> None:
    store = RawStore(data_dir)
    for i in range(count):
        store.log_fetch({"url": f"http://a/{writer}/{i}", "pad": "年" * (i % 50) * 40})


def test_concurrent_appends_never_interleave(tmp_path):
    writers, count = 4, 150
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_append_many, args=(str(tmp_path), w, count)) for w in range(writers)]
    threads = [threading.Thread(target=_append_many, args=(str(tmp_path), 100 + t, count)) for t in range(2)]
    for p in procs:
        p.start()
    for t in threads:
        t.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    for t in threads:
        t.join(60)
    raw_lines = RawStore(tmp_path).fetch_log.read_bytes().split(b"\n")
    assert raw_lines[-1] == b""
    parsed = [json.loads(line) for line in raw_lines[:-1]]  # every line is whole JSON
    assert len(parsed) == (writers + 2) * count
    assert len({p["url"] for p in parsed}) == len(parsed)


def test_put_from_parallel_writers_yields_one_object(tmp_path):
    body = os.urandom(1 << 20)
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(RawStore(tmp_path).put(body))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1
    store = RawStore(tmp_path)
    assert store.read(results[0]) == body
    assert [p.name for p in store.path(results[0]).parent.iterdir()] == [results[0]]
