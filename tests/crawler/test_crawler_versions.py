"""Raw-archive versioning across crawls, against a local portal whose pages change between them.

- a document that changes at the same URL becomes a new version; both are kept;
- an unchanged one is neither stored twice nor given a new version (304 on a conditional request,
  or, from a server that ignores validators, a 200 with the same bytes);
- a previously stored URL that now answers 404 is marked gone with its date; its versions stay;
- a challenge page (412/521, or a 200 cookie-and-reload page) is `blocked`, never stored.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from mutable_site import REPORT, MutableSite, list_page, report_page

from gongkai.build import report_candidates
from gongkai.crawler.run import crawl
from gongkai.crawler.store import RawStore

CHALLENGE = (Path(__file__).parent / "fixtures" / "challenge.html").read_bytes()
PDF = "application/pdf"


def _site_v1(site: MutableSite) -> None:
    links = [(f"./t2021012{i}_{i}.html", REPORT.format(year=2016 + i)) for i in (1, 2, 3)]
    links.append(("./t20210110_9.html", "区长调研政务公开工作"))
    site.set("/ndbg/index.html", list_page(links))
    for i in (1, 2, 3):
        site.set(f"/ndbg/t2021012{i}_{i}.html", report_page(REPORT.format(year=2016 + i), f"./P0{i}.pdf"))
        site.set(f"/ndbg/P0{i}.pdf", b"%PDF-1.4 report " + str(i).encode() + b" version 1\n%%EOF", PDF)
    site.set("/ndbg/t20210110_9.html", report_page("区长调研政务公开工作"))


def _site_v2(site: MutableSite) -> None:
    """Report 1 corrected (page and PDF); report 3 withdrawn: off the list, and 404."""
    links = [(f"./t2021012{i}_{i}.html", REPORT.format(year=2016 + i)) for i in (1, 2)]
    links.append(("./t20210110_9.html", "区长调研政务公开工作"))
    site.set("/ndbg/index.html", list_page(links))
    site.set("/ndbg/t20210121_1.html", report_page(REPORT.format(year=2017), "./P01.pdf", "<p>（更正）</p>"))
    site.set("/ndbg/P01.pdf", b"%PDF-1.4 report 1 version 2 (corrected)\n%%EOF", PDF)
    del site.pages["/ndbg/t20210123_3.html"]
    del site.pages["/ndbg/P03.pdf"]


def _crawl(site: MutableSite, tmp: Path, data: Path) -> dict:
    portals = tmp / "portals.yaml"
    portals.write_text(site.portals_yaml(), encoding="utf-8")
    [stats] = crawl(portals, data, delay=0, timeout=120).values()
    return stats


@pytest.fixture(scope="module")
def three_crawls(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("versions")
    data = tmp / "data"
    with MutableSite() as site:
        _site_v1(site)
        first = _crawl(site, tmp, data)
        objects_1 = set(RawStore(data).objects())
        _site_v2(site)
        second = _crawl(site, tmp, data)
        objects_2 = set(RawStore(data).objects())
        third = _crawl(site, tmp, data)
        base = site.base
    return base, data, (first, second, third), (objects_1, objects_2)


def test_first_crawl_everything_is_new(three_crawls):
    base, data, (first, _, _), _ = three_crawls
    # list + 4 detail pages + 3 PDFs
    assert first["stored"] == first["new"] == first["new_objects"] == 8
    assert first["new_reports"] == first["reports_found"] == 3
    assert first["changed"] == first["removed"] == first["not_modified"] == 0


def test_a_changed_document_is_a_new_version_and_the_old_one_is_kept(three_crawls):
    base, data, (_, second, _), (objects_1, objects_2) = three_crawls
    store = RawStore(data)
    history = store.url_history()
    for path in ("/ndbg/t20210121_1.html", "/ndbg/P01.pdf"):
        h = history[base + path]
        assert len(h.versions) == 2, path
        old, new = h.versions
        assert old.sha256 in store and new.sha256 in store and h.current == new.sha256
        assert old.first_seen < new.first_seen
    assert b"corrected" in store.read(history[base + "/ndbg/P01.pdf"].current)
    assert objects_1 <= objects_2          # nothing is ever deleted
    # list page, report 1's page and PDF changed; report 2 and the news answered 304
    assert second["changed"] == 3 and second["new"] == 0 and second["new_objects"] == 3
    assert second["not_modified"] == 3


def test_unchanged_documents_are_not_stored_twice(three_crawls):
    base, data, (first, second, third), (_, objects_2) = three_crawls
    store = RawStore(data)
    assert set(store.objects()) == objects_2
    assert third["stored"] == third["new_objects"] == third["changed"] == third["removed"] == 0
    assert third["not_modified"] == third["pages_fetched"] + third["attachments"] > 0
    history = store.url_history()
    assert len(history[base + "/ndbg/t20210122_2.html"].versions) == 1
    stored_lines = [f for f in store.fetches() if f["url"] == base + "/ndbg/t20210122_2.html"
                    and f["outcome"] == "stored"]
    assert len(stored_lines) == 1
    # report candidates name each page once, at its latest version: nothing re-processed
    pages = [c["page"]["url"] for c in report_candidates(store.fetches())]
    assert sorted(pages) == sorted(set(pages))


def test_a_withdrawn_report_is_marked_gone_and_kept(three_crawls):
    base, data, (_, second, third), _ = three_crawls
    store = RawStore(data)
    history = store.url_history()
    for path in ("/ndbg/t20210123_3.html", "/ndbg/P03.pdf"):
        h = history[base + path]
        assert h.gone_since is not None, path
        assert len(h.versions) == 1 and h.versions[0].sha256 in store
        assert h.gone_since > h.versions[0].last_seen
    gone = [f for f in store.fetches() if f["outcome"] == "gone" and "index_" not in f["url"]]
    assert {f["url"] for f in gone} == {base + "/ndbg/t20210123_3.html", base + "/ndbg/P03.pdf"}
    assert all(f["status"] == 404 and f["sha256"] is None and f["fetched_at"] for f in gone)
    assert second["removed"] == 2  # (`gone` also counts the 404 of probing index_1.html)
    assert third["removed"] == 0 and third["gone"] == 1   # a gone URL is not asked for again
    # the withdrawn report is still a report candidate, from its archived version
    assert base + "/ndbg/t20210123_3.html" in {c["page"]["url"] for c in report_candidates(store.fetches())}


def test_server_ignoring_validators_adds_no_version(tmp_path):
    data = tmp_path / "data"
    with MutableSite(conditional=False) as site:
        _site_v1(site)
        first = _crawl(site, tmp_path, data)
        second = _crawl(site, tmp_path, data)
    assert second["stored"] == first["stored"] == second["unchanged"] == 8
    assert second["new_objects"] == second["new"] == second["changed"] == 0
    store = RawStore(data)
    assert len(set(store.objects())) == 8
    assert all(len(h.versions) == 1 for h in store.url_history().values())


def test_challenge_pages_are_blocked_never_stored(tmp_path):
    data = tmp_path / "data"
    with MutableSite() as site:
        links = [("./t20210121_1.html", REPORT.format(year=2020)), ("./t20210122_2.html", REPORT.format(year=2019)),
                 ("./t20210123_3.html", REPORT.format(year=2018)), ("./t20210124_4.html", REPORT.format(year=2017))]
        site.set("/ndbg/index.html", list_page(links))
        site.set("/ndbg/t20210121_1.html", CHALLENGE, status=521)
        site.set("/ndbg/t20210122_2.html", CHALLENGE, status=412)
        site.set("/ndbg/t20210123_3.html", CHALLENGE)                 # 200 cookie-and-reload page
        site.set("/ndbg/t20210124_4.html", report_page(REPORT.format(year=2017)))
        stats = _crawl(site, tmp_path, data)
        base = site.base
    store = RawStore(data)
    by_url = {f["url"]: f for f in store.fetches()}
    for path, status in (("/ndbg/t20210121_1.html", 521), ("/ndbg/t20210122_2.html", 412),
                         ("/ndbg/t20210123_3.html", 200)):
        f = by_url[base + path]
        assert (f["outcome"], f["status"], f["sha256"]) == ("blocked", status, None), path
    assert store.digest(CHALLENGE) not in store
    assert stats["blocked"] == 3 and stats["reports_found"] == 1 and stats["stored"] == 2
    assert [c["page"]["url"] for c in report_candidates(store.fetches())] == [base + "/ndbg/t20210124_4.html"]
