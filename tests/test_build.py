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


def test_sorted_lines_are_in_key_order_with_ties_in_write_order(tmp_path):
    path = tmp_path / "reports.jsonl"
    rows = [{"id": "c", "n": 1}, {"id": "a", "n": 2}, {"id": "b", "n": 3}, {"id": "a", "n": 4}]
    with build._SortedLines(path, key=lambda row: row["id"]) as lines:
        lines.write_all(rows[:2])
        lines.write_all(rows[2:])
    assert [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] == [
        {"id": "a", "n": 2}, {"id": "a", "n": 4}, {"id": "b", "n": 3}, {"id": "c", "n": 1}]
    assert os.listdir(tmp_path) == ["reports.jsonl"]


def test_sorted_lines_leave_the_previous_file_when_writing_fails(tmp_path):
    path = tmp_path / "reports.jsonl"
    path.write_text('{"id": "old"}\n', encoding="utf-8")
    try:
        with build._SortedLines(path, key=lambda row: row["id"]) as lines:
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
    entries = build._CachedEntries(tmp_path, "test")
    seen = []
    for c in build._extracted_in_order(tmp_path, _Store(tmp_path / "raw"), candidates, entries,
                                       workers=2, timeout=30, progress=None,
                                       extractor="test_build:fake_extract"):
        assert all(f["sha256"] in entries.statuses for f in [c["page"], *c["attachments"]])
        seen.append(c["page"]["sha256"])
    assert seen == ["p1", "p2", "p3", "p4"]
    assert entries.extracted == 5
    assert entries["slow1"]["record"] == {"title": "slow1", "filename": None}
