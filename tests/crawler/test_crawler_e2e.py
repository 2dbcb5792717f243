"""End to end: `crawl()` (Scrapy in a subprocess) against portals served on 127.0.0.1."""
from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest
from crawler_site import DOCX_2018_NAME, DOCX_2020_NAME, DOCX_BYTES, SITE, closed_port, serve_fixture_site

from gongkai.crawler.items import LOG_FIELDS
from gongkai.crawler.portals import PortalConfigError
from gongkai.crawler.run import crawl
from gongkai.crawler.store import RawStore


class Crawled:
    def __init__(self, base: str, requested: list[str], stats: dict, data: Path):
        self.base, self.requested, self.stats, self.data = base, requested, stats, data
        self.store = RawStore(data)
        self.fetches = list(self.store.fetches())
        self.by_path = {f["url"][len(base):]: f for f in self.fetches if f["url"].startswith(base)}

    def get(self, path: str) -> dict:
        assert path in self.by_path, f"{path} was not fetched; fetched: {sorted(self.by_path)}"
        return self.by_path[path]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Crawled:
    tmp = tmp_path_factory.mktemp("crawl")
    with serve_fixture_site() as (base, requested):
        portals = tmp / "portals.yaml"
        portals.write_text(f"""portals:
  - id: fixture-trs
    name: 涧西区人民政府
    url: {base}/zwgk/ndbg/index.html
    platform: trs
  - id: fixture-listmodel
    name: 涧西区部门年报
    url: {base}/bmxxgk/ndbg/index.shtml
  - id: fixture-probe
    name: 涧西区发展和改革委员会
    url: {base}/zfxxgk/ndbg
  - id: fixture-hanweb
    name: 涧西区卫生健康委员会
    url: {base}/col/col123/index.html
    platform: hanweb
  - id: fixture-dead
    name: 已关停的网站
    url: http://127.0.0.1:{closed_port()}/zwgk/ndbg/index.html
""", encoding="utf-8")
        stats = crawl(portals, tmp / "data", delay=0, log_file=tmp / "crawl.log", timeout=300)
    return Crawled(base, requested, stats, tmp / "data")


def test_every_fetch_log_line_has_the_contract_fields(crawled):
    assert crawled.fetches
    for f in crawled.fetches:
        assert tuple(f) == LOG_FIELDS
        assert f["fetched_at"].endswith("Z") and f["fetched_at"][:2] == "20"
        assert f["role"] in ("list", "detail", "attachment")
        if f["outcome"] == "stored":
            assert f["status"] == 200 and f["size"] > 0
            path = crawled.store.path(f["sha256"])
            assert hashlib.sha256(path.read_bytes()).hexdigest() == f["sha256"]
            assert stat.S_IMODE(path.stat().st_mode) & 0o222 == 0
        else:
            assert f["sha256"] is None


def test_later_list_pages_reached_only_through_the_script(crawled):
    index = crawled.get("/zwgk/ndbg/index.html")
    assert index["role"] == "list" and index["referer"] is None and index["portal"] == "fixture-trs"
    for page in ("/zwgk/ndbg/index_1.html", "/zwgk/ndbg/index_2.html"):
        f = crawled.get(page)
        assert (f["role"], f["outcome"], f["referer"]) == ("list", "stored", crawled.base + "/zwgk/ndbg/index.html")
    # …and every detail page of the column, news included
    for page in ("202103/t20210325_201.html", "202101/t20210110_202.html", "202003/t20200320_101.html",
                 "202001/t20200115_102.html", "201903/t20190328_301.html", "201901/t20190105_302.html"):
        f = crawled.get(f"/zwgk/ndbg/{page}")
        assert f["role"] == "detail" and f["outcome"] == "stored"
        assert crawled.store.read(f["sha256"]) == (SITE / "zwgk/ndbg" / page).read_bytes()  # the original bytes


def test_gbk_pages_titles_decoded(crawled):
    report = crawled.get("/zwgk/ndbg/202003/t20200320_101.html")
    assert report["title"] == "涧西区2019年政府信息公开工作年度报告"
    assert report["is_report"] is True
    assert report["headers"]["content-type"] == "text/html"  # no charset from the server
    news = crawled.get("/zwgk/ndbg/202001/t20200115_102.html")  # GBK, no meta, wrong header charset
    assert news["title"] == "区长主持召开区政府常务会议"
    assert news["is_report"] is False


def test_news_and_notices_are_not_reports_and_their_files_are_not_fetched(crawled):
    news = crawled.get("/zwgk/ndbg/202101/t20210110_202.html")
    assert news["is_report"] is False
    assert news["attachments"] == [crawled.base + "/zwgk/ndbg/202101/P020210110000001.pdf"]
    notice = crawled.get("/zwgk/ndbg/201901/t20190105_302.html")
    assert notice["title"] == "关于做好2018年政府信息公开工作年度报告编制工作的通知"
    assert notice["is_report"] is False
    assert "/zwgk/ndbg/202101/P020210110000001.pdf" not in crawled.requested
    assert "/zwgk/ndbg/201901/P020190105000001.doc" not in crawled.requested


def test_report_attachments_stored_with_names(crawled):
    page_url = crawled.base + "/zwgk/ndbg/202103/t20210325_201.html"
    page = crawled.get("/zwgk/ndbg/202103/t20210325_201.html")
    assert page["is_report"] is True and page["title"] == "涧西区人民政府2020年政府信息公开工作年度报告"
    pdf = crawled.get("/zwgk/ndbg/202103/P020210325123456789.pdf")
    assert (pdf["role"], pdf["referer"], pdf["content_type"], pdf["filename"]) == (
        "attachment", page_url, "application/pdf", "P020210325123456789.pdf")
    assert pdf["link_text"] == "涧西区人民政府2020年政府信息公开工作年度报告.pdf"
    docx = crawled.get("/module/download/downfile.jsp?classid=0&filename=2103251430123.docx")
    assert docx["filename"] == DOCX_2020_NAME  # GBK percent-encoded Content-Disposition
    assert docx["content_type"].endswith("wordprocessingml.document")
    assert crawled.store.read(docx["sha256"]) == DOCX_BYTES["0"]
    assert sorted(page["attachments"]) == sorted([pdf["url"], docx["url"]])

    report_2018 = crawled.base + "/zwgk/ndbg/201903/t20190328_301.html"
    script_docx = crawled.get("/module/download/downfile.jsp?classid=1&filename=190328.docx")
    assert (script_docx["filename"], script_docx["referer"]) == (DOCX_2018_NAME, report_2018)  # RFC 5987
    missing = crawled.get("/zwgk/ndbg/201903/P020190328000009.doc")
    assert (missing["outcome"], missing["status"], missing["sha256"]) == ("gone", 404, None)


def test_blocked_and_robots(crawled):
    challenge = crawled.get("/waf/t20201201_901.html")
    assert (challenge["outcome"], challenge["status"], challenge["sha256"]) == ("blocked", 200, None)
    http_412 = crawled.get("/waf/t20201202_903.html")
    assert (http_412["outcome"], http_412["status"]) == ("blocked", 412)
    private = crawled.get("/private/t20201120_902.html")
    assert private["outcome"] == "blocked" and "robots.txt" in private["error"]
    assert "/private/t20201120_902.html" not in crawled.requested
    assert crawled.stats["fixture-trs"]["blocked"] == 3


def test_list_model_static_pages_and_warning(crawled):
    for k in (1, 2):
        assert crawled.get(f"/bmxxgk/ndbg/index_{k}.shtml")["role"] == "list"
    reports = [f for f in crawled.fetches if f["portal"] == "fixture-listmodel" and f["role"] == "detail"]
    assert len(reports) == 6 and all(f["is_report"] for f in reports)
    [warning] = crawled.stats["fixture-listmodel"]["warnings"]
    assert "4 pages" in warning and "search API" in warning


def test_probing_a_silent_column_behind_a_redirect(crawled):
    first = crawled.get("/zfxxgk/ndbg/")
    assert first["requested_url"] == crawled.base + "/zfxxgk/ndbg"
    assert crawled.get("/zfxxgk/ndbg/index_1.html")["outcome"] == "gone"  # .html first…
    assert crawled.get("/zfxxgk/ndbg/index_1.htm")["outcome"] == "stored"  # …then the site's .htm
    assert crawled.get("/zfxxgk/ndbg/index_2.htm")["outcome"] == "gone"    # the first 404 ends it
    assert crawled.get("/zfxxgk/ndbg/202103/t20210326_603.htm")["is_report"] is True
    assert crawled.get("/zfxxgk/ndbg/202203/t20220301_602.htm")["is_report"] is False  # 工作要点
    assert not any(p.startswith("/zfxxgk/ndbg/index_3") for p in crawled.requested)


def test_hanweb_records(crawled):
    details = {f["url"][len(crawled.base):]: f for f in crawled.fetches
               if f["portal"] == "fixture-hanweb" and f["role"] == "detail"}
    assert len(details) == 5
    assert sum(f["is_report"] for f in details.values()) == 3
    proxies = [f for f in crawled.fetches if "dataproxy.jsp" in f["url"]]
    assert len(proxies) == 3 and all(f["role"] == "list" and f["outcome"] == "stored" for f in proxies)


def test_unreachable_portal_is_an_error_not_a_failure(crawled):
    dead = [f for f in crawled.fetches if f["portal"] == "fixture-dead"]
    assert len(dead) == 1 and dead[0]["outcome"] == "error" and dead[0]["status"] is None
    assert "refused" in dead[0]["error"].lower()
    assert crawled.stats["fixture-dead"]["errors"] == 1


def test_run_stats(crawled):
    assert set(crawled.stats) == {"fixture-trs", "fixture-listmodel", "fixture-probe", "fixture-hanweb",
                                  "fixture-dead"}
    trs = crawled.stats["fixture-trs"]
    assert trs["finish_reason"] == "finished"
    assert trs["list_pages"] == 3 and trs["detail_pages"] == 6 and trs["pages_fetched"] == 9
    assert trs["reports_found"] == 3 and trs["attachments"] == 3
    assert trs["gone"] == 1 and trs["errors"] == 0 and trs["exceptions"] == 0
    assert trs["started_at"] <= trs["finished_at"]
    runs = list(crawled.store.runs())
    assert len(runs) == 5 and len({r["run_id"] for r in runs}) == 1


def test_a_second_crawl_adds_no_objects(crawled, tmp_path):
    with serve_fixture_site() as (base, _):
        portals = tmp_path / "portals.yaml"
        portals.write_text(f"portals:\n  - id: again\n    name: again\n    url: {base}/zfxxgk/ndbg/\n",
                           encoding="utf-8")
        first = crawl(portals, tmp_path / "data", delay=0)["again"]
        second = crawl(portals, tmp_path / "data", delay=0)["again"]
    assert first["new_objects"] == first["stored"] > 0
    assert second["stored"] == first["stored"] and second["new_objects"] == 0
    assert first["run_id"] != second["run_id"]


def test_bad_portals_file_fails_before_the_subprocess(tmp_path):
    bad = tmp_path / "portals.yaml"
    bad.write_text("portals:\n  - id: Bad_Id\n    name: x\n    url: http://127.0.0.1/\n", encoding="utf-8")
    with pytest.raises(PortalConfigError, match="field 'id'"):
        crawl(bad, tmp_path / "data")


@pytest.mark.e2e
def test_sample_portal_every_truth_item_is_found(tmp_path):
    sample_portal = pytest.importorskip("gongkai.sample_portal")
    if not hasattr(sample_portal, "start"):
        pytest.skip("gongkai.sample_portal.start is not there yet")
    with sample_portal.start() as portal:
        portals = tmp_path / "portals.yaml"
        portals.write_text(portal.site.portals_yaml(), encoding="utf-8")
        stats = crawl(portals, tmp_path / "data", delay=0, timeout=600)
        truth = portal.site.truth
    fetches = list(RawStore(tmp_path / "data").fetches())
    by_url = {f["url"]: f for f in fetches}
    assert truth
    for item in truth:
        page = by_url.get(item["page_url"])
        assert page is not None, f"page not fetched: {item['page_url']} ({item['title']})"
        assert page["role"] == "detail" and page["outcome"] == "stored"
        assert page["is_report"] is (item["kind"] == "report"), item["title"]
        document = by_url.get(item["document_url"])
        assert document is not None, f"document not fetched: {item['document_url']} ({item['title']})"
        assert document["outcome"] == "stored"
        if item.get("sha256"):
            assert document["sha256"] == item["sha256"]
        if item["document_url"] != item["page_url"]:
            assert document["role"] == "attachment" and document["referer"] == item["page_url"]
    [portal_stats] = stats.values()
    assert portal_stats["reports_found"] == sum(1 for t in truth if t["kind"] == "report")
    assert portal_stats["errors"] == portal_stats["blocked"] == portal_stats["exceptions"] == 0


@pytest.mark.e2e
def test_sample_portal_recrawl_is_conditional(tmp_path):
    sample_portal = pytest.importorskip("gongkai.sample_portal")
    if not hasattr(sample_portal, "start"):
        pytest.skip("gongkai.sample_portal.start is not there yet")
    with sample_portal.start() as portal:
        portals = tmp_path / "portals.yaml"
        portals.write_text(portal.site.portals_yaml(), encoding="utf-8")
        [first] = crawl(portals, tmp_path / "data", delay=0).values()
        [second] = crawl(portals, tmp_path / "data", delay=0).values()
    assert first["stored"] > 0 and first["not_modified"] == 0
    # nothing changed: every URL answers 304, and discovery goes on from the archived originals
    assert second["stored"] == 0 and second["not_modified"] == first["stored"]
    for key in ("pages_fetched", "reports_found", "attachments"):
        assert second[key] == first[key], key
