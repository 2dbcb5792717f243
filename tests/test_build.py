"""gongkai.build: choosing report candidates from a fetch log, and the guarded extractor pool."""
from __future__ import annotations

import json
import os
import time

from gongkai import build
from gongkai.pipelines.errors import NotAReport


def fake_extract(data: bytes, filename=None):
    """Behaves as the document tells it (the documents are test inputs)."""
    if data == b"hang":
        time.sleep(60)
    if data.startswith(b"slow"):
        time.sleep(1.5)
    if data == b"die":
        os._exit(9)
    if data == b"boom":
        raise ValueError("parser bug")
    if data == b"news":
        raise NotAReport("no annual-report title")
    return {"title": data.decode(), "filename": filename}


def test_guarded_pool_survives_hostile_documents(tmp_path):
    jobs = []
    for name in ["ok1", "hang", "die", "boom", "news", "ok2", "ok3"]:
        (tmp_path / name).write_bytes(name.encode())
        jobs.append((name, str(tmp_path / name), f"{name}.pdf"))
    t0 = time.monotonic()
    out = {k: (status, value) for k, status, value in
           build.run_guarded(jobs, workers=2, timeout=3, extractor="test_build:fake_extract")}
    assert time.monotonic() - t0 < 30
    assert out["ok1"] == ("ok", {"title": "ok1", "filename": "ok1.pdf"})
    assert out["ok3"][0] == "ok"
    assert out["hang"][0] == "timeout"
    assert out["die"][0] == "crashed" and "exit code 9" in out["die"][1]
    assert out["boom"] == ("error", "ValueError: parser bug")
    assert out["news"] == ("not_a_report", "no annual-report title")


def _f(url, role, sha, **kw):
    return {"url": url, "role": role, "sha256": sha, "fetched_at": "2024-01-01T00:00:00Z", **kw}


def test_report_candidates_take_latest_versions_and_attachments():
    log = [
        _f("http://x/list.html", "list", "l1"),
        _f("http://x/a.html", "detail", "a1", is_report=True, attachments=["http://x/a.pdf"]),
        _f("http://x/a.pdf", "attachment", "p1", referer="http://x/a.html"),
        _f("http://x/n.html", "detail", "n1", is_report=False),
        _f("http://x/b.html", "detail", "b1", is_report=True, attachments=[]),
        _f("http://x/b.doc", "attachment", "d1", referer="http://x/b.html"),
        _f("http://x/a.html", "detail", None, is_report=True, outcome="not_modified"),
        _f("http://x/a.pdf", "attachment", "p2", referer="http://x/a.html"),
    ]
    got = {c["page"]["url"]: [a["sha256"] for a in c["attachments"]] for c in build.report_candidates(log)}
    assert got == {"http://x/a.html": ["p2"], "http://x/b.html": ["d1"]}


def test_lines_are_written_in_write_order_and_replace_the_file_at_the_end(tmp_path):
    path = tmp_path / "reports.jsonl"
    path.write_text('{"id": "old"}\n', encoding="utf-8")
    rows = [{"id": "c", "n": 1}, {"id": "a", "n": 2}, {"id": "b", "n": 3}]
    with build._AtomicLines(path) as lines:
        lines.write_all(rows[:2])
        assert path.read_text(encoding="utf-8") == '{"id": "old"}\n'
        lines.write_all(rows[2:])
    assert [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] == rows
    assert os.listdir(tmp_path) == ["reports.jsonl"]


def test_lines_leave_the_previous_file_when_writing_fails(tmp_path):
    path = tmp_path / "reports.jsonl"
    path.write_text('{"id": "old"}\n', encoding="utf-8")
    try:
        with build._AtomicLines(path) as lines:
            lines.write_all([{"id": "b"}, {"id": "a"}])
            raise RuntimeError("extraction failed")
    except RuntimeError:
        pass
    assert path.read_text(encoding="utf-8") == '{"id": "old"}\n'
    assert os.listdir(tmp_path) == ["reports.jsonl"]


class _Store:
    def __init__(self, root):
        self.root = root

    def path(self, sha):
        return self.root / sha


def test_pages_come_in_log_order_each_once_its_originals_are_extracted(tmp_path):
    # the first page waits for a slow attachment while the other worker finishes later pages:
    # they are held back until it is done, then all come in log order
    (tmp_path / "raw").mkdir()
    for name in ["p1", "slow1", "p2", "p3", "p4"]:
        (tmp_path / "raw" / name).write_bytes(name.encode())
    candidates = [{"page": _f(f"http://x/{p}.html", "detail", p), "attachments": atts}
                  for p, atts in [("p1", [_f("http://x/a.pdf", "attachment", "slow1")]),
                                  ("p2", []), ("p3", []), ("p4", [])]]
    seen = []
    with build._CachedEntries(tmp_path, "test") as entries:
        for c in build._extracted_in_order(tmp_path, _Store(tmp_path / "raw"), candidates, entries,
                                           workers=2, timeout=30, progress=None,
                                           extractor="test_build:fake_extract"):
            assert all(f["sha256"] in entries.statuses for f in [c["page"], *c["attachments"]])
            seen.append(c["page"]["sha256"])
        assert seen == ["p1", "p2", "p3", "p4"]
        assert entries.extracted == 5
        assert entries["slow1"]["record"] == {"title": "slow1", "filename": None}


# ── the record cache (DATA/records/cache.db) ──────────────────────────────────────────────────

def _entry(sha, version="v1", status="ok", at="2024-01-01T00:00:00Z", **record):
    return {"sha256": sha, "extractor_version": version, "status": status, "extracted_at": at,
            "reason": None if status == "ok" else "why", "record": record if status == "ok" else None}


def _rows(data):
    """The rows of cache.db as another process sees them: sha256 → (version, status)."""
    import sqlite3

    db = sqlite3.connect(build.cache_db_path(data))
    try:
        return {sha: (v, s) for sha, v, s in db.execute("SELECT sha256, extractor_version, status FROM entries")}
    finally:
        db.close()


def _extract_pages(data, names, extractor="test_build:fake_extract"):
    """`_extracted_in_order` over one page per name (raw/<name> holds the name's bytes):
    (the pages' statuses, how many were extracted rather than cached)."""
    (data / "raw").mkdir(exist_ok=True)
    for name in names:
        (data / "raw" / name).write_bytes(name.encode())
    candidates = [{"page": _f(f"http://x/{n}.html", "detail", n), "attachments": []} for n in names]
    with build._CachedEntries(data, "v1") as entries:
        for _ in build._extracted_in_order(data, _Store(data / "raw"), candidates, entries, workers=1,
                                           timeout=30, progress=None, extractor=extractor):
            pass
        return dict(entries.statuses), entries.extracted


def test_record_cache_entries_are_kept_per_extractor_version(tmp_path):
    with build.RecordCache(tmp_path) as cache:
        cache.put(_entry("a" * 64, title="A"))
        cache.put(_entry("b" * 64, status="not_a_report"))
    with build.RecordCache(tmp_path) as cache:
        assert cache.get("a" * 64, "v1")["record"] == {"title": "A"}
        assert cache.get("b" * 64, "v1")["reason"] == "why"
        assert cache.get("a" * 64, "v2") is None   # another extractor version: a miss
        assert cache.statuses(["a" * 64, "b" * 64, "c" * 64], "v1") == {"a" * 64: "ok", "b" * 64: "not_a_report"}
        assert cache.statuses(["a" * 64], "v2") == {}
        cache.put(_entry("a" * 64, version="v2", title="A2"))   # replaces the v1 entry
    assert _rows(tmp_path) == {"a" * 64: ("v2", "ok"), "b" * 64: ("v1", "not_a_report")}
    assert os.listdir(tmp_path / "records") == ["cache.db"]


def test_record_cache_buffers_writes_and_lookups_see_the_buffer(tmp_path):
    with build.RecordCache(tmp_path, flush_every=3) as cache:
        cache.put(_entry("a" * 64, title="A"))
        cache.put(_entry("b" * 64, title="B"))
        assert _rows(tmp_path) == {}   # buffered: nothing written yet
        assert cache.get("a" * 64, "v1")["record"] == {"title": "A"}
        assert cache.statuses(["a" * 64, "b" * 64], "v1") == {"a" * 64: "ok", "b" * 64: "ok"}
        cache.put(_entry("c" * 64, title="C"))   # the third: one transaction writes all three
        assert set(_rows(tmp_path)) == {"a" * 64, "b" * 64, "c" * 64}
        cache.put(_entry("d" * 64, title="D"))
    assert len(_rows(tmp_path)) == 4   # closing writes the rest


def _write_many(data, prefix, n):
    with build.RecordCache(data, flush_every=7) as cache:
        for i in range(n):
            cache.put(_entry(f"{prefix}{i:063d}", title=str(i)))


def test_record_cache_takes_writes_of_several_processes_at_once(tmp_path):
    import multiprocessing

    build.RecordCache(tmp_path).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_write_many, args=(tmp_path, p, 300)) for p in "ab"]
    for p in procs:
        p.start()
    _write_many(tmp_path, "c", 300)
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert len(_rows(tmp_path)) == 900


def test_a_rebuild_takes_originals_from_the_cache_and_an_interrupted_one_keeps_its_work(tmp_path):
    assert _extract_pages(tmp_path, ["p1", "p2"]) == ({"p1": "ok", "p2": "ok"}, 2)
    assert _extract_pages(tmp_path, ["p1", "p2"]) == ({"p1": "ok", "p2": "ok"}, 0)

    # the consumer fails after the first page: what was extracted is in the cache all the same
    (tmp_path / "raw" / "p3").write_bytes(b"p3")
    (tmp_path / "raw" / "news").write_bytes(b"news")
    candidates = [{"page": _f(f"http://x/{n}.html", "detail", n), "attachments": []} for n in ["p3", "news"]]
    try:
        with build._CachedEntries(tmp_path, "v1") as entries:
            for _ in build._extracted_in_order(tmp_path, _Store(tmp_path / "raw"), candidates, entries,
                                               workers=1, timeout=30, progress=None,
                                               extractor="test_build:fake_extract"):
                raise RuntimeError("choosing the report failed")
    except RuntimeError:
        pass
    assert _rows(tmp_path)["p3"] == ("v1", "ok")
    statuses, extracted = _extract_pages(tmp_path, ["p1", "p3", "news"])
    assert statuses == {"p1": "ok", "p3": "ok", "news": "not_a_report"}
    assert extracted <= 1   # at most the page that was still being extracted when it failed


def test_old_per_file_cache_entries_are_imported_into_cache_db_and_deleted(tmp_path):
    records = tmp_path / "records"
    old_sha, stale_sha, newer_sha = "ab" + "1" * 62, "ab" + "2" * 62, "cd" + "3" * 62
    with build.RecordCache(tmp_path) as cache:   # cache.db already has an entry newer than its old file
        cache.put(_entry(newer_sha, at="2025-01-01T00:00:00Z", title="db"))
    for entry in [_entry(old_sha, title="old work"), _entry(stale_sha, version="v0", title="older extractor"),
                  _entry(newer_sha, at="2024-01-01T00:00:00Z", title="file")]:
        path = records / entry["sha256"][:2] / f"{entry['sha256']}.json"   # the old layout
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(entry), encoding="utf-8")
    (records / "cd" / "notes.txt").write_text("not the cache's", encoding="utf-8")
    for name in ["reports.jsonl", "failures.jsonl", "documents/x-1.json"]:
        (records / name).parent.mkdir(parents=True, exist_ok=True)
        (records / name).write_text("{}\n", encoding="utf-8")

    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / old_sha).write_bytes(b"boom")   # extracting it again would fail
    (tmp_path / "raw" / stale_sha).write_bytes(b"p9")
    candidates = [{"page": _f(f"http://x/{sha}.html", "detail", sha), "attachments": []}
                  for sha in [old_sha, stale_sha]]
    with build._CachedEntries(tmp_path, "v1") as entries:
        assert entries.cache.imported == 3
        list(build._extracted_in_order(tmp_path, _Store(tmp_path / "raw"), candidates, entries, workers=1,
                                       timeout=30, progress=None, extractor="test_build:fake_extract"))
        assert entries[old_sha]["record"] == {"title": "old work"}   # a cache hit
        assert entries.extracted == 1                                # the other extractor version's: a miss
        assert entries.cache.get(newer_sha, "v1")["record"] == {"title": "db"}
    # the old files and their emptied directories are gone; what is not the old cache's stays
    assert sorted(os.listdir(records)) == ["cache.db", "cd", "documents", "failures.jsonl", "reports.jsonl"]
    assert os.listdir(records / "cd") == ["notes.txt"]
    assert os.listdir(records / "documents") == ["x-1.json"]
    assert (records / "reports.jsonl").read_text(encoding="utf-8") == "{}\n"
