"""`PortalSpider` callbacks on frozen responses (no network, no reactor)."""
from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request, Response, XmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from gongkai.crawler.items import Fetch
from gongkai.crawler.spiders.portal import PortalSpider
from gongkai.crawler.store import RawStore

SITE = Path(__file__).parent / "fixtures" / "site"
BASE = "http://www.jianxi.gov.cn"


@pytest.fixture
def spider(tmp_path) -> PortalSpider:
    portals = tmp_path / "portals.yaml"
    portals.write_text(f"portals:\n  - id: jianxi\n    name: 涧西区\n    url: {BASE}/zwgk/ndbg/index.html\n",
                       encoding="utf-8")
    crawler = get_crawler(PortalSpider, {"GONGKAI_MAX_LIST_PAGES": 50})
    return PortalSpider.from_crawler(crawler, portals=str(portals), data=str(tmp_path / "data"))


def respond(url: str, body: bytes, role: str, *, status: int = 200, headers: dict | None = None,
            cls: type[Response] = HtmlResponse, **meta) -> Response:
    request = Request(url, meta={"portal": "jianxi", "role": role, "referer": meta.pop("referer", None),
                                 "link_text": meta.pop("link_text", None), **meta})
    return cls(url=url, body=body, status=status, request=request,
               headers={"Content-Type": "text/html", **(headers or {})})


def split(results) -> tuple[list[Fetch], list[Request]]:
    results = list(results)
    return [r for r in results if isinstance(r, Fetch)], [r for r in results if isinstance(r, Request)]


def test_trs_list_page(spider):
    url = f"{BASE}/zwgk/ndbg/index.html"
    fetches, requests = split(spider.parse_list(respond(url, (SITE / "zwgk/ndbg/index.html").read_bytes(), "list")))
    [fetch] = fetches
    assert (fetch.role, fetch.outcome, fetch.status, fetch.filename) == ("list", "stored", 200, "index.html")
    assert fetch.body == (SITE / "zwgk/ndbg/index.html").read_bytes()
    lists = [r for r in requests if r.meta["role"] == "list"]
    details = [r for r in requests if r.meta["role"] == "detail"]
    assert [r.url for r in lists] == [f"{BASE}/zwgk/ndbg/index_1.html", f"{BASE}/zwgk/ndbg/index_2.html"]
    assert all(r.meta["referer"] == url and r.callback == spider.parse_list for r in lists)
    assert len(details) == 5
    assert details[0].meta["link_text"] == "涧西区人民政府2020年政府信息公开工作年度报告"
    assert all(r.errback == spider.on_error for r in requests)


def test_silent_list_at_a_directory_probes_index_1(spider):
    url = f"{BASE}/zfxxgk/ndbg/"
    _, requests = split(spider.parse_list(respond(url, (SITE / "zfxxgk/ndbg/index.htm").read_bytes(), "list")))
    [probe] = [r for r in requests if r.meta["role"] == "list"]
    assert probe.url == f"{BASE}/zfxxgk/ndbg/index_1.html"
    assert probe.meta["probe"] == 1 and probe.meta["probe_exts"] == ("htm", "shtml")

    # index_1.html is missing: try .htm
    failure = Failure(HttpError(respond(probe.url, b"404", "list", status=404, **{
        k: probe.meta[k] for k in ("probe", "probe_base", "probe_exts", "referer")})))
    failure.request = probe
    fetches, retry = split(spider.on_error(failure))
    assert fetches[0].outcome == "gone" and fetches[0].body is None and fetches[0].status == 404
    assert [r.url for r in retry] == [f"{BASE}/zfxxgk/ndbg/index_1.htm"]
    assert retry[0].meta["probe_exts"] == ("shtml",)


def test_report_titled_links_outside_the_list_and_sub_columns(spider):
    html = f"""<html><body><div class="side">
      <a href="/zwgk/ndbg/2019/">2019年度政府信息公开工作年度报告</a>
      <a href="/files/nb2018.pdf">涧西区2018年政府信息公开年报</a>
      <a href="/zwgk/ndbg/notice.html">关于报送年度报告的通知</a></div></body></html>""".encode()
    _, requests = split(spider.parse_list(respond(f"{BASE}/zwgk/ndbg/index.html", html, "list")))
    assert {(r.url, r.meta["role"]) for r in requests} == {
        (f"{BASE}/zwgk/ndbg/notice.html", "detail"),        # the list area's only page link
        (f"{BASE}/zwgk/ndbg/2019/", "list"),                # a report-titled sub-column
        (f"{BASE}/files/nb2018.pdf", "detail"),             # a report-titled file
        (f"{BASE}/zwgk/ndbg/index_1.html", "list"),         # the page says nothing: probe
    }


def test_report_page_follows_its_attachments(spider):
    url = f"{BASE}/zwgk/ndbg/202103/t20210325_201.html"
    body = (SITE / "zwgk/ndbg/202103/t20210325_201.html").read_bytes()
    fetches, requests = split(spider.parse_detail(respond(url, body, "detail", link_text="年报", referer="L")))
    [page] = fetches
    assert page.is_report is True and page.title == "涧西区人民政府2020年政府信息公开工作年度报告"
    assert page.attachments == [r.url for r in requests]
    assert [r.meta["role"] for r in requests] == ["attachment", "attachment"]
    assert all(r.meta["referer"] == url for r in requests)
    entry = page.log_entry("ab" * 32)
    assert entry["referer"] == "L" and entry["link_text"] == "年报" and entry["sha256"] == "ab" * 32


def test_news_page_is_fetched_but_its_attachments_are_not(spider):
    url = f"{BASE}/zwgk/ndbg/202101/t20210110_202.html"
    body = (SITE / "zwgk/ndbg/202101/t20210110_202.html").read_bytes()
    fetches, requests = split(spider.parse_detail(respond(url, body, "detail", link_text="推进会")))
    assert fetches[0].is_report is False and fetches[0].outcome == "stored"
    assert fetches[0].attachments == [f"{BASE}/zwgk/ndbg/202101/P020210110000001.pdf"]
    assert requests == []


def test_list_linking_the_document_itself(spider):
    url = f"{BASE}/files/nb2018.pdf"
    response = respond(url, b"%PDF-1.4 ...", "detail", headers={"Content-Type": "application/octet-stream"},
                       cls=Response, link_text="涧西区2018年政府信息公开年报")
    [fetch] = list(spider.parse_detail(response))
    assert (fetch.role, fetch.is_report, fetch.content_type, fetch.filename) == (
        "detail", True, "application/pdf", "nb2018.pdf")


def test_challenge_page_is_blocked_not_stored(spider):
    body = (SITE.parent / "challenge.html").read_bytes()
    [fetch] = list(spider.parse_detail(respond(f"{BASE}/a/t20200101_1.html", body, "detail")))
    assert fetch.outcome == "blocked" and fetch.body is None and fetch.size == len(body)


def test_redirect_and_headers(spider):
    url = f"{BASE}/zwgk/ndbg/"
    response = respond(url, b"<html><title>x</title></html>", "list",
                       headers={"ETag": '"abc"', "Last-Modified": "Mon, 01 Mar 2021 00:00:00 GMT"},
                       redirect_urls=[f"{BASE}/zwgk/ndbg"])
    fetch = next(iter(spider.parse_list(response)))
    assert fetch.requested_url == f"{BASE}/zwgk/ndbg"
    assert fetch.headers["etag"] == '"abc"' and "last-modified" in fetch.headers
    assert all(k == k.lower() for k in fetch.headers)


def test_network_errors_are_logged_as_errors(spider):
    request = Request(f"{BASE}/zwgk/ndbg/index.html", meta={"portal": "jianxi", "role": "list", "referer": None})
    failure = Failure(DNSLookupError("no such host"))
    failure.request = request
    [fetch] = list(spider.on_error(failure))
    assert fetch.outcome == "error" and fetch.status is None and "DNSLookupError" in fetch.error


def test_hanweb_dataproxy_reply_is_a_list_page(spider):
    xml = ('<?xml version="1.0" encoding="utf-8"?><datastore><recordset>'
           + (SITE.parent / "hanweb_records.xml").read_text(encoding="utf-8") + "</recordset></datastore>").encode()
    url = f"{BASE}/module/web/jpage/dataproxy.jsp?columnid=123&startrecord=1&endrecord=5&perpage=2"
    fetches, requests = split(spider.parse_list(respond(url, xml, "list", cls=XmlResponse,
                                                        headers={"Content-Type": "text/xml"})))
    assert fetches[0].outcome == "stored" and fetches[0].content_type == "text/xml"
    assert len([r for r in requests if r.meta["role"] == "detail"]) == 5


def test_revisit_is_conditional_and_a_304_continues_from_the_archive(spider, tmp_path):
    url = f"{BASE}/zwgk/ndbg/202103/t20210325_201.html"
    body = (SITE / "zwgk/ndbg/202103/t20210325_201.html").read_bytes()
    store = RawStore(tmp_path / "data")
    sha = store.put(body)
    store.log_fetch(Fetch(portal="jianxi", role="detail", url=url, outcome="stored", status=200,
                          headers={"etag": '"5f-1"', "last-modified": "Thu, 25 Mar 2021 01:30:00 GMT"},
                          content_type="text/html").log_entry(sha))
    spider.validators = spider.load_validators(store)
    request = spider._detail_request(spider.portals[0], url, f"{BASE}/zwgk/ndbg/index.html", "年报")
    assert request.headers["If-None-Match"] == b'"5f-1"'
    assert request.headers["If-Modified-Since"] == b"Thu, 25 Mar 2021 01:30:00 GMT"
    assert request.meta["handle_httpstatus_list"] == [304]

    not_modified = HtmlResponse(url=url, status=304, body=b"", request=request, headers={"ETag": '"5f-1"'})
    fetches, attachments = split(spider.parse_detail(not_modified))
    [fetch] = fetches
    assert (fetch.outcome, fetch.status, fetch.body, fetch.is_report) == ("not_modified", 304, None, True)
    assert fetch.content_type == "text/html" and fetch.log_entry(None)["sha256"] is None
    assert len(attachments) == 2  # found again in the archived page


def test_no_validators_without_etag_or_last_modified(tmp_path):
    store = RawStore(tmp_path)
    sha = store.put(b"<html></html>")
    store.log_fetch({"url": "http://a/1", "outcome": "stored", "sha256": sha, "headers": {}})
    store.log_fetch({"url": "http://a/2", "outcome": "stored", "sha256": sha, "headers": {"etag": '"x"'}})
    store.log_fetch({"url": "http://a/3", "outcome": "gone", "sha256": None, "headers": {"etag": '"y"'}})
    assert set(PortalSpider.load_validators(store)) == {"http://a/2"}
