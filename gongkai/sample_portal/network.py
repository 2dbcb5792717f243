"""A network of sample portals, one per list family, for crawler tests (opt-in; the default
``build_site()`` / ``start()`` portal is unchanged).

    with start_network() as net:                 # each family on its own loopback address
        net.portals_yaml(); net.truth            # one YAML entry per family: its column URL only
        net.switch(2)                            # the site's next version: one report withdrawn
                                                 # (404), one corrected (new bytes)

Families (each below its own path prefix and, when served by ``start_network``, on its own
loopback address — 127.0.0.2, 127.0.0.3, … — so that Scrapy's per-site politeness, one download
slot per host, lets them be crawled in parallel), 44 reports each (220 in all) plus news:

- ``trs``: TRS WCM, ``index.html``, ``index_1.html``… named only by ``createPageHTML`` (UTF-8);
- ``hanweb``: 大汉 column whose records come from ``/hanweb/module/web/jpage/dataproxy.jsp``
  (XML, records as HTML in CDATA); detail pages GBK with a ``charset=GBK`` header;
- ``pageparam``: ``list.jsp?page=N`` with numbered and 下一页 links;
- ``shtml``: a silent directory column ``/shtml/ndbg/`` whose pages ``index_N.shtml`` link
  each other by number (the first probe, ``index_1.html``, is a 404);
- ``plain``: one GBK page (no charset anywhere but its ``<meta>``) with a bare list of links,
  some straight to PDF files.

Hostile details: some responses are slow (``SLOW_SECONDS``), one report's attachment is missing
(404) and another's is a truncated PDF, one news page answers HTTP 521 with a challenge, one report
page is a 200 cookie-and-reload challenge, one news item links a PDF (never to be fetched).

``truth``: one dict per item: ``portal``, ``kind`` (report/news), ``title``, ``page_url``,
``documents`` (URLs of the report's files), ``expect`` (``stored``, or ``blocked`` for the
challenge), ``broken_attachments`` (URLs expected to 404), ``version`` notes (``withdrawn`` /
``changed`` in version 2).
"""
from __future__ import annotations

import dataclasses
import hashlib
import random
import socket
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import yaml

from . import render_html
from .generator import report_title, template_for
from .render_pdf import render_pdf

FAMILIES = ("trs", "hanweb", "pageparam", "shtml", "plain")
REPORTS_PER_PORTAL = 44
PER_PAGE = 10
SLOW_SECONDS = 0.25
CHALLENGE = (b'<html><head><meta charset="utf-8"></head><body><script>document.cookie=("__jsl_clearance=1712345678.1|0|x");'
             b"location.href=location.pathname+location.search</script></body></html>")
_DEPARTMENTS = ("人民政府", "发展和改革委员会", "教育局", "公安分局", "民政局", "财政局", "人力资源和社会保障局",
                "自然资源局", "住房和城乡建设局", "卫生健康委员会", "市场监督管理局")
_PLACES = {"trs": "示例东区", "hanweb": "示例西区", "pageparam": "示例南区", "shtml": "示例北区", "plain": "示例中区"}
_NEWS = ("召开政务公开工作推进会", "开展政府开放日活动", "举办依申请公开业务培训", "通报第三季度政务公开检查情况",
         "召开全区信息公开工作会议", "发布政务公开工作要点")
PDF = "application/pdf"


@dataclasses.dataclass
class Page:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Network:
    base_url: str                          # the first family's
    version: int
    pages: dict[str, Page]                 # path (with query for ?page=N) → response
    records: dict[str, list[str]]          # Hanweb column id → its <record> CDATA items
    truth: list[dict]
    slow: set[str]
    base_urls: dict[str, str] = dataclasses.field(default_factory=dict)   # family → its base URL

    def column_url(self, family: str) -> str:
        return self.base_urls.get(family, self.base_url) + _COLUMN[family]

    def portals_yaml(self, families: tuple[str, ...] = FAMILIES) -> str:
        entries = [{"id": f"net-{f}", "name": f"{_PLACES[f]}人民政府（示例）", "url": self.column_url(f),
                    "level": "county", "region": {"province": "示例省", "city": "示例市", "county": _PLACES[f]}}
                   for f in families]
        return yaml.safe_dump({"portals": entries}, allow_unicode=True, sort_keys=False)

    @property
    def reports(self) -> list[dict]:
        return [t for t in self.truth if t["kind"] == "report"]


_COLUMN = {"trs": "/trs/zwgk/ndbg/index.html", "hanweb": "/hanweb/col/col2001/index.html",
           "pageparam": "/pageparam/ndbg/list.jsp", "shtml": "/shtml/ndbg/", "plain": "/plain/ndbg.html"}


def _validators(body: bytes) -> dict[str, str]:
    return {"ETag": '"' + hashlib.sha256(body).hexdigest()[:20] + '"',
            "Last-Modified": "Mon, 01 Apr 2024 01:00:00 GMT"}


def _templates():
    from .generator import build_reports

    by_template: dict[str, list] = {}
    for r in build_reports(None):
        by_template.setdefault(r.template, []).append(r)
    return by_template


def loopback_hosts(n: int, first: int = 2) -> list[str]:
    """``n`` loopback addresses (127.0.0.2, 127.0.0.3, …; Linux routes all of 127.0.0.0/8 to
    ``lo``) that can be bound here; where only 127.0.0.1 can (e.g. macOS without aliases), ``n``
    times 127.0.0.1 — still correct, but one Scrapy download slot for all."""
    hosts = [f"127.0.{(i >> 8) & 255}.{i & 255}" for i in range(first, first + n)]
    if any(h.endswith(".0") or h.endswith(".255") for h in hosts):
        hosts = [f"127.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}" for i in range(first, first + n)]
    for host in hosts[:1] + hosts[-1:]:
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind((host, 0))
        except OSError:
            return ["127.0.0.1"] * n
    return hosts


def build_network(base_url: str | dict[str, str], version: int = 1) -> Network:
    """Every page of every family for ``base_url`` (one base for all, or family → base URL);
    ``version`` 2 withdraws one report and corrects another in each family."""
    bases = ({f: base_url[f].rstrip("/") for f in FAMILIES} if isinstance(base_url, dict)
             else dict.fromkeys(FAMILIES, base_url.rstrip("/")))
    templates = _templates()
    pages: dict[str, Page] = {}
    records: dict[str, list[str]] = {}
    truth: list[dict] = []
    slow: set[str] = set()
    pdf_cache: dict[int, bytes] = {}

    def add(path: str, body: bytes, content_type: str, status: int = 200) -> None:
        assert path not in pages, path
        pages[path] = Page(status, body, content_type, _validators(body) if status == 200 else {})

    for fi, family in enumerate(FAMILIES):
        base = bases[family]
        rng = random.Random(f"network:{family}")
        place = _PLACES[family]
        gbk = family in ("hanweb", "plain")
        charset = "gbk-header" if family == "hanweb" else ("gbk-meta" if gbk else "utf-8")
        page_type = {"hanweb": "text/html; charset=GBK", "plain": "text/html"}.get(family, "text/html; charset=utf-8")
        encode = (lambda s: s.encode("gbk", "xmlcharrefreplace")) if gbk else (lambda s: s.encode("utf-8"))
        prefix = _COLUMN[family].split("/")[1]
        items = []
        for k in range(REPORTS_PER_PORTAL):
            department = _DEPARTMENTS[k % len(_DEPARTMENTS)]
            year = 2019 + k // len(_DEPARTMENTS)
            issuer = f"{place}{department}"
            model = templates[template_for(year)][k % len(templates[template_for(year)])]
            published = datetime(year + 1, 1, 10 + k % 18, 9, 30) + timedelta(minutes=k)
            report = dataclasses.replace(model, title=report_title(issuer, year), issuer=issuer, year=year,
                                         published=published)
            items.append(("report", report.title, published, report))
        for n, title in enumerate(_NEWS):
            items.append(("news", f"{place}{title}", datetime(2023, 3 + n, 5, 10, 0), None))
        items.sort(key=lambda it: it[2], reverse=True)

        withdrawn = next(i for i, it in enumerate(items) if it[0] == "report" and i > 3)
        changed = withdrawn + 1
        entries = []   # (title, href relative to the column folder, published)
        for i, (kind, title, published, report) in enumerate(items):   # i: stable across versions
            if version >= 2 and i == withdrawn:
                continue
            doc_id = 100000 + int(hashlib.sha256(f"{fi}:{title}".encode()).hexdigest()[:8], 16) % 900000
            folder, name, href_base = _paths(family, published, doc_id)
            page_path = f"/{prefix}{folder}{name}"
            page_url = base + page_path
            item = {"portal": f"net-{family}", "kind": kind, "title": title, "page_url": page_url,
                    "documents": [page_url], "expect": "stored", "broken_attachments": [], "version": None}
            if kind == "news":
                news_html = render_html.news_page(title, published, f"{place}人民政府办公室",
                                                  ("为进一步推进政务公开工作，近日召开专题会议。", "会议对下一阶段工作作出部署。"),
                                                  page_url, charset)
                if i % 3 == 0:   # news with a file: never to be fetched
                    pdf_path = page_path.rsplit("/", 1)[0] + f"/N0{doc_id}.pdf"
                    news_html = news_html.replace("</body>", f'<a href="./N0{doc_id}.pdf">会议材料.pdf</a></body>')
                    add(pdf_path, b"%PDF-1.4 news material\n%%EOF", PDF)
                    item["news_attachment"] = base + pdf_path
                if family == "pageparam" and i == 1:
                    add(page_path, CHALLENGE, "text/html", status=521)
                    item["expect"] = "blocked"
                else:
                    add(page_path, encode(news_html), page_type)
                truth.append(item)
                entries.append((title, href_base + name, published))
                continue

            form = "pdf" if i % 4 == 1 else "html"
            direct = family == "plain" and i % 6 == 2      # the list links the PDF itself
            if version >= 2 and i == changed:
                report = dataclasses.replace(report, other=[*report.other, "（本报告于2024年4月更正了表三部分数据。）"])
                item["version"] = "changed"
            if version == 1 and i == withdrawn:
                item["version"] = "withdrawn"
            if direct:
                pdf_name = name.rsplit(".", 1)[0] + ".pdf"
                pdf_path = f"/{prefix}{folder}{pdf_name}"
                add(pdf_path, _pdf(report, pdf_cache, k=i), PDF)
                item.update(page_url=base + pdf_path, documents=[base + pdf_path])
                truth.append(item)
                entries.append((title, href_base + pdf_name, published))
                continue
            if form == "pdf":
                pdf_name = f"P0{published:%Y%m%d}{doc_id}.pdf"
                html = render_html.attachment_page(report, page_url, charset, pdf_name, f"{title}.pdf")
                pdf_path = f"/{prefix}{folder}{pdf_name}"
                if i % 24 == 5:
                    item["broken_attachments"] = [base + pdf_path]        # linked, but 404
                    item["documents"] = [page_url]
                elif i % 24 == 13:
                    add(pdf_path, _pdf(report, pdf_cache, k=i)[:300], PDF)  # truncated
                    item["documents"] = [page_url, base + pdf_path]
                    item["truncated"] = base + pdf_path
                else:
                    add(pdf_path, _pdf(report, pdf_cache, k=i), PDF)
                    item["documents"] = [page_url, base + pdf_path]
                    if i % 24 == 9:
                        slow.add(pdf_path)
            else:
                html = render_html.report_page(report, page_url, charset, "word" if i % 2 else "plain")
            if family == "hanweb" and i == withdrawn + 3 and version == 1:
                add(page_path, CHALLENGE, "text/html")
                item["expect"] = "blocked"
            else:
                add(page_path, encode(html), page_type)
            truth.append(item)
            entries.append((title, href_base + name, published))

        _lists(family, entries, add, records, slow, prefix, encode, page_type)
    return Network(bases[FAMILIES[0]], version, pages, records, truth, slow, bases)


def _pdf(report, cache: dict[int, bytes], k: int) -> bytes:
    """A PDF of the report (rendered once per model; the title line makes each file distinct)."""
    key = id(report.cells)
    if key not in cache:
        cache[key] = render_pdf(report)
    return cache[key] + f"\n% {report.title} {k}\n".encode("utf-8")


def _paths(family: str, published: datetime, doc_id: int) -> tuple[str, str, str]:
    """(folder below the prefix, file name, href prefix from the list page)."""
    if family == "trs":
        return f"/zwgk/ndbg/{published:%Y%m}/", f"t{published:%Y%m%d}_{doc_id}.html", f"./{published:%Y%m}/"
    if family == "hanweb":
        d = published
        return f"/art/{d.year}/{d.month}/{d.day}/", f"art_2001_{doc_id}.html", f"/hanweb/art/{d.year}/{d.month}/{d.day}/"
    if family == "pageparam":
        return "/ndbg/content/", f"content_{doc_id}.jsp", "./content/"
    if family == "shtml":
        return f"/ndbg/{published:%Y%m}/", f"t{published:%Y%m%d}_{doc_id}.shtml", f"./{published:%Y%m}/"
    return f"/ndbg/{published:%Y}/", f"info_{doc_id}.html", f"./ndbg/{published:%Y}/"


def _lists(family, entries, add, records, slow, prefix, encode, page_type) -> None:
    chunks = [entries[i:i + PER_PAGE] for i in range(0, len(entries), PER_PAGE)] or [[]]

    def ul(chunk):
        return "<ul class=\"list\">" + "".join(
            f'<li><a href="{render_html._attr(h)}" target="_blank" title="{render_html._attr(t)}">'
            f'{render_html.escape(t)}</a><span>{p:%Y-%m-%d}</span></li>' for t, h, p in chunk) + "</ul>"

    def page(title, body, charset_meta='<meta charset="utf-8">'):
        return (f"<!DOCTYPE html><html><head>{charset_meta}<title>{title}</title></head><body>"
                f'<div class="nav"><a href="/">首页</a> <a href="/{prefix}/jgzn/index.html">机构职能</a></div>'
                f"{body}</body></html>")

    if family == "trs":
        for n, chunk in enumerate(chunks):
            html = render_html.list_page([render_html.ListEntry(t, h, p) for t, h, p in chunk], n, len(chunks))
            add(f"/trs/zwgk/ndbg/index{'' if n == 0 else f'_{n}'}.html", html.encode("utf-8"), "text/html; charset=utf-8")
        slow.add("/trs/zwgk/ndbg/index_2.html")
    elif family == "hanweb":
        rec = [f'<li><a href="{h}" title="{t}" target="_blank">{t}</a><span>{p:%Y-%m-%d}</span></li>'
               for t, h, p in entries]
        records["2001"] = rec
        first = "".join(f"<record><![CDATA[{r}]]></record>\n" for r in rec[:PER_PAGE])
        body = (f'<div class="list" id="5001"><script type="text/xml"><datastore>\n<nextgroup><![CDATA[<a href="'
                f'/hanweb/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=9&path=/&columnid=2001&unitid=5001'
                f'&permissiontype=0"></a>]]></nextgroup>\n<recordset>\n{first}</recordset></datastore></script></div>'
                f"<script>$(document).ready(function(){{$('#5001').jpage({{dataStore: dataStore, totalRecord: "
                f"{len(rec)}, perPage: {PER_PAGE}, groupSize: 2, proxyUrl: '/hanweb/module/web/jpage/dataproxy.jsp'}});}});"
                f"</script>")
        add("/hanweb/col/col2001/index.html", encode(page("政府信息公开年报", body, '<meta charset="gbk">')), page_type)
    elif family == "pageparam":
        for n, chunk in enumerate(chunks, start=1):
            links = " ".join(f'<a href="list.jsp{"" if k == 1 else f"?page={k}"}">{k}</a>'
                             for k in range(1, len(chunks) + 1) if k != n)
            nxt = f' <a href="list.jsp?page={n + 1}">下一页</a>' if n < len(chunks) else ""
            body = f'{ul(chunk)}<div class="pages">{links}{nxt}</div>'
            add("/pageparam/ndbg/list.jsp" + ("" if n == 1 else f"?page={n}"),
                page("年报", body).encode("utf-8"), "text/html; charset=utf-8")
        slow.add("/pageparam/ndbg/list.jsp?page=3")
    elif family == "shtml":
        for n, chunk in enumerate(chunks):
            links = " ".join(f'<a href="index{"" if k == 0 else f"_{k}"}.shtml">{k + 1}</a>'
                             for k in range(len(chunks)) if k != n)
            # the first page links no other page: its siblings are found by probing index_1
            body = ul(chunk) + (f'<div class="pages">{links}</div>' if n else "")
            html = page("年报", body).encode("utf-8")
            add(f"/shtml/ndbg/index{'' if n == 0 else f'_{n}'}.shtml", html, "text/html; charset=utf-8")
            if n == 0:
                add("/shtml/ndbg/", html, "text/html; charset=utf-8")
    else:
        links = "".join(f'<p><a href="{h}">{t}</a> ({p:%Y-%m-%d})</p>' for t, h, p in entries)
        add("/plain/ndbg.html", encode(page("信息公开年报", f'<div class="content">{links}</div>',
                                            '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')),
            page_type)


class _Handler(BaseHTTPRequestHandler):
    server: "_NetworkServer"
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    # TCP_NODELAY: headers and body are written separately; with Nagle and the client's delayed
    # ACK every keep-alive response would stall ~40 ms.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # noqa: A002
        pass

    def do_GET(self):  # noqa: N802
        net = self.server.network
        parts = urlsplit(self.path)
        self.server.requested.append(self.path)
        if parts.path in net.slow or self.path in net.slow:
            time.sleep(SLOW_SECONDS)
        if parts.path == "/robots.txt":
            return self._send(Page(200, b"User-agent: *\nAllow: /\n", "text/plain"))
        if parts.path == "/hanweb/module/web/jpage/dataproxy.jsp":
            q = parse_qs(parts.query)
            rec = net.records.get(q.get("columnid", [""])[0], [])
            start, end = int(q.get("startrecord", ["1"])[0]), int(q.get("endrecord", [str(len(rec))])[0])
            xml = ('<?xml version="1.0" encoding="utf-8"?>\n<datastore><recordset>\n'
                   + "".join(f"<record><![CDATA[{r}]]></record>\n" for r in rec[start - 1:end])
                   + "</recordset></datastore>\n")
            return self._send(Page(200, xml.encode("utf-8"), "text/xml;charset=utf-8"))
        self._answer(net.pages.get(self.path) or (net.pages.get(parts.path) if not parts.query else None))

    def _answer(self, page: Page | None) -> None:
        """`page`, or a 404 for None, or a 304 when the request names the page's ETag."""
        if page is None:
            return self._send(Page(404, b"<html><body><h1>404 Not Found</h1></body></html>", "text/html"))
        etag = page.headers.get("ETag")
        if etag and self.headers.get("If-None-Match") == etag:
            return self._send(Page(304, b"", page.content_type, page.headers))
        self._send(page)

    def _send(self, page: Page) -> None:
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        for k, v in page.headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(page.body)))
        self.end_headers()
        self.wfile.write(page.body)


class _NetworkServer(ThreadingHTTPServer):
    daemon_threads = True
    network: Network
    requested: list[str]


class NetworkPortal:
    """The network served from daemon threads: by default each family on its own loopback
    address (``loopback_hosts``), all on ``port`` (0: a free one per address); with ``host``, every
    family on that one host. ``switch(version)`` between crawls."""

    def __init__(self, port: int = 0, host: str | None = None, version: int = 1):
        hosts = loopback_hosts(len(FAMILIES)) if host is None else [host] * len(FAMILIES)
        self._servers: list[_NetworkServer] = []
        self._requested: list[str] = []
        by_host: dict[str, _NetworkServer] = {}
        try:
            for h in hosts:
                if h not in by_host:
                    server = _NetworkServer((h, port), _Handler)
                    server.requested = self._requested
                    by_host[h] = server
                    self._servers.append(server)
        except BaseException:
            for server in self._servers:
                server.server_close()
            raise
        self.base_urls = {f: f"http://{h}:{by_host[h].server_address[1]}" for f, h in zip(FAMILIES, hosts)}
        self.base_url = self.base_urls[FAMILIES[0]]
        self.switch(version)
        self._threads: list[threading.Thread] = []

    @property
    def hosts(self) -> list[str]:
        """The distinct addresses served."""
        return [s.server_address[0] for s in self._servers]

    @property
    def network(self) -> Network:
        return self._servers[0].network

    @property
    def truth(self) -> list[dict]:
        return self.network.truth

    @property
    def requested(self) -> list[str]:
        return self._requested

    def portals_yaml(self, families: tuple[str, ...] = FAMILIES) -> str:
        return self.network.portals_yaml(families)

    def switch(self, version: int) -> None:
        network = build_network(self.base_urls, version)
        for server in self._servers:
            server.network = network

    def start(self) -> "NetworkPortal":
        if not self._threads:
            self._threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in self._servers]
            for t in self._threads:
                t.start()
        return self

    def stop(self) -> None:
        if self._threads:
            for server in self._servers:
                server.shutdown()
            for t in self._threads:
                t.join(timeout=5)
            self._threads = []
        for server in self._servers:
            server.server_close()

    def __enter__(self) -> "NetworkPortal":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def start_network(port: int = 0, version: int = 1, host: str | None = None) -> NetworkPortal:
    """The network, started: each family on its own loopback address unless ``host`` is given."""
    return NetworkPortal(port, host=host, version=version).start()
