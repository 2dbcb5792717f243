"""A crawl killed with SIGKILL mid-run and started again loses nothing and duplicates nothing.

No Scrapy JOBDIR: the archive itself is the crawl state. Bodies are content-addressed and written
atomically (a killed write leaves only a temporary file, removed by the next crawl), log lines are
fsync'ed one by one, and the restarted crawl revalidates what the killed one stored (304s), so it
fetches again only what had not been logged.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

from mutable_site import REPORT, MutableSite, list_page, report_page

from gongkai.crawler.run import crawl
from gongkai.crawler.store import RawStore

REPORTS = 40


def _build(site: MutableSite) -> set[str]:
    links = [(f"./t2021{i:04d}_{i}.html", REPORT.format(year=1980 + i)) for i in range(REPORTS)]
    pages = [links[i:i + 10] for i in range(0, REPORTS, 10)]
    urls = set()
    for n, chunk in enumerate(pages):
        path = "/ndbg/index.html" if n == 0 else f"/ndbg/index_{n}.html"
        body = list_page(chunk).replace(
            b"</body>", f'<script>createPageHTML({len(pages)}, {n}, "index", "html");</script></body>'.encode())
        site.set(path, body)
        urls.add(site.base + path)
    for i in range(REPORTS):
        site.set(f"/ndbg/t2021{i:04d}_{i}.html", report_page(REPORT.format(year=1980 + i), f"./P{i:04d}.pdf"))
        site.set(f"/ndbg/P{i:04d}.pdf", b"%PDF-1.4 report " + str(i).encode() + b"\n%%EOF", "application/pdf")
        urls |= {f"{site.base}/ndbg/t2021{i:04d}_{i}.html", f"{site.base}/ndbg/P{i:04d}.pdf"}
    return urls


def test_sigkill_mid_crawl_then_resume(tmp_path):
    data = tmp_path / "data"
    store = RawStore(data)
    with MutableSite(delay=0.03) as site:
        expected = _build(site)
        portals = tmp_path / "portals.yaml"
        portals.write_text(site.portals_yaml(), encoding="utf-8")
        proc = subprocess.Popen(
            [sys.executable, "-m", "gongkai.crawler.run", "--portals", str(portals), "--data", str(data),
             "--delay", "0"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and sum(1 for _ in store.fetches()) < 30:
                time.sleep(0.02)
            assert proc.poll() is None, "the crawl finished before it could be killed"
            os.killpg(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(timeout=30)
        killed_lines = list(store.fetches())
        assert 30 <= len(killed_lines) < len(expected)
        assert not list(store.runs())          # the killed run never finished
        stored_before = {f["url"] for f in killed_lines if f["outcome"] == "stored"}

        stats = crawl(portals, data, delay=0, timeout=120)["mutable"]

    fetches = list(store.fetches())
    stored = [f for f in fetches if f["outcome"] == "stored"]
    # nothing lost: every list page, report page and PDF is archived
    assert expected <= {f["url"] for f in stored}
    assert stats["reports_found"] == REPORTS and stats["errors"] == stats["exceptions"] == 0
    # nothing duplicated: one stored line per URL, one object per body, no partial files
    dup = [url for url, n in Counter(f["url"] for f in stored).items() if n > 1]
    assert not dup, dup
    assert set(store.objects()) == {f["sha256"] for f in stored}
    assert not list(store.objects_dir.glob("*/.*.tmp"))
    # what the killed run had stored was revalidated (304), not downloaded again
    assert stats["not_modified"] >= len(stored_before & expected)
    assert stats["new"] == len(expected - stored_before)
