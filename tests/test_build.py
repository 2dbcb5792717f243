"""gongkai.build: choosing report candidates from a fetch log, and the guarded extractor pool."""
from __future__ import annotations

import os
import time

from gongkai import build
from gongkai.pipelines.errors import NotAReport


def fake_extract(data: bytes, filename=None):
    """Behaves as the document tells it (the documents are test inputs)."""
    if data == b"hang":
        time.sleep(60)
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
