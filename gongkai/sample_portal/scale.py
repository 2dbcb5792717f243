"""Many sample portals holding many reports, generated page by page on request, for scale runs.

    net = ScaleNetwork(portals=1000, reports=100_000, base_url="http://127.0.0.1:8766")
    net.portals_yaml()                 # one entry per portal (its column URL)
    net.respond("/s00017/trs/ndbg/index_3.html")      # → Page, or None for a 404
    for item in net.truth(): ...      # every report with the numbers it prints (a generator)
    with start_scale(portals=10, reports=1000) as served: served.base_url, served.network

Portal ``i`` (``scale-00017``) uses the list family ``FAMILIES[i % 5]`` of the sample network
(TRS ``createPageHTML``, Hanweb ``dataproxy.jsp``, ``list.jsp?page=N``, silent ``index_N.shtml``,
one plain GBK list) below its own path prefix ``/s00017``. The ``reports`` are spread evenly over the
portals; each column also lists one news item after every ``NEWS_EVERY - 1`` reports (never a
report, never to be archived).

Nothing is held per page: every response is a pure function of (portal, position in the column),
seeded by both, so a run serves 100 000 reports in the memory of a few. A report's numbers are
generated like the sample portal's (every arithmetic rule of the official form holds, checked by
the generator), its narrative and markup too (Word-pasted and plain HTML alternate; pages of the
Hanweb and plain families are GBK). One report in 200 is a PDF attachment and one in 1000 a DOCX
attachment behind a short detail page; the rest are HTML pages with the tables inline — see
``docs/scale.md`` for why the mix matters for the hour (a PDF costs ~15 HTML reports to extract).
"""
from __future__ import annotations

import dataclasses
import hashlib
import math
import random
import re
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import lru_cache
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import yaml

from . import render_html
from .generator import SEED, Issuer, PlannedReport, Report, _Carry, _generate_numbers, report_title, template_for
from .generator import narrative
from .network import FAMILIES, PDF, Page, _Handler, _validators

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
NEWS_EVERY = 20          # every 20th column item is news
PER_PAGE = 20            # list items per list page (Hanweb: records per dataproxy page)
ATTACHMENT_EVERY = 1000  # of every 1000 reports, five are PDF attachments and one a DOCX attachment
YEARS = tuple(range(2024, 2018, -1))   # newest first: the column lists the newest reports first
_DOC_ID = 100000
MAX_PORTALS = 27900      # distinct place names
_DEPARTMENTS = (
    ("人民政府", "government"), ("发展和改革委员会", "government"), ("教育局", "education"),
    ("财政局", "finance"), ("住房和城乡建设局", "housing"), ("民政局", "government"),
    ("人力资源和社会保障局", "government"), ("自然资源局", "government"), ("生态环境分局", "government"),
    ("交通运输局", "government"), ("农业农村局", "government"), ("水利局", "government"),
    ("商务局", "government"), ("文化广电和旅游局", "heritage"), ("卫生健康委员会", "government"),
    ("退役军人事务局", "government"), ("应急管理局", "government"), ("审计局", "finance"),
    ("市场监督管理局", "government"), ("统计局", "finance"), ("医疗保障局", "government"),
    ("城市管理局", "housing"), ("城关街道办事处", "subdistrict"), ("经济开发区管理委员会", "zone"),
)
_PLACE_CHARS = "青石云松安平永宁东阳兴华长乐德新和丰清河泰临南山北川金水玉林龙泉白马"[:30] + \
    "溪源岗湾桥岭峰畈原坪岩洲塘湖滨城台堡集庄关渡口坝浦里屯寨沟垣堰"[:30]
_NEWS = ("召开政务公开工作推进会", "开展政府开放日活动", "举办依申请公开业务培训", "通报政务公开检查情况",
         "召开信息公开工作会议", "发布政务公开工作要点")
_CHARSET = {"hanweb": "gbk-header", "plain": "gbk-meta"}
_PAGE_TYPE = {"hanweb": "text/html; charset=GBK", "plain": "text/html"}
_LAST_MODIFIED = {"Last-Modified": "Mon, 01 Apr 2024 01:00:00 GMT"}


@dataclasses.dataclass(frozen=True)
class ScalePortal:
    index: int
    reports: int          # reports in its column
    family: str

    @property
    def id(self) -> str:
        return f"scale-{self.index:05d}"

    @property
    def place(self) -> str:
        """A made-up county name, distinct per portal (two or three characters + 县)."""
        i = self.index
        name = _PLACE_CHARS[i % 30] + _PLACE_CHARS[30 + (i // 30) % 30]
        if i >= 900:
            name += _PLACE_CHARS[i // 900 - 1]
        return name + "县"

    @property
    def prefix(self) -> str:
        return f"/s{self.index:05d}"

    @property
    def items(self) -> int:
        """Column items: the reports and the news between them."""
        return self.reports + self.reports // (NEWS_EVERY - 1)

    @property
    def per_year(self) -> int:
        return max(1, math.ceil(self.reports / len(YEARS)))

    @property
    def gbk(self) -> bool:
        return self.family in _CHARSET


def item_kind(j: int) -> tuple[str, int]:
    """Column position ``j`` → ("report", k) or ("news", n)."""
    if j % NEWS_EVERY == NEWS_EVERY - 1:
        return "news", j // NEWS_EVERY
    return "report", j - j // NEWS_EVERY


def report_position(k: int) -> int:
    """Report ``k`` → its column position."""
    return k + k // (NEWS_EVERY - 1)


class ScaleNetwork:
    def __init__(self, portals: int, reports: int, base_url: str):
        if portals < 1 or reports < portals:
            raise ValueError(f"need at least one portal and one report per portal (got {portals} portals, "
                             f"{reports} reports)")
        if portals > MAX_PORTALS:
            raise ValueError(f"at most {MAX_PORTALS} portals")
        self.portals = portals
        self.reports = reports
        self.base_url = base_url.rstrip("/")
        self._report = lru_cache(maxsize=256)(self._make_report)

    # ── the portals ──────────────────────────────────────────────────────────────────────────

    def portal(self, i: int) -> ScalePortal:
        if not 0 <= i < self.portals:
            raise IndexError(i)
        share, extra = divmod(self.reports, self.portals)
        return ScalePortal(i, share + (1 if i < extra else 0), FAMILIES[i % len(FAMILIES)])

    def column_path(self, p: ScalePortal) -> str:
        return p.prefix + {"trs": "/trs/ndbg/index.html", "hanweb": "/hanweb/col/col2001/index.html",
                           "pageparam": "/pageparam/ndbg/list.jsp", "shtml": "/shtml/ndbg/",
                           "plain": "/plain/ndbg.html"}[p.family]

    def portals_yaml(self) -> str:
        entries = [{"id": p.id, "name": f"{p.place}人民政府（示例）", "url": self.base_url + self.column_path(p),
                    "level": "county", "region": {"province": "示例省", "city": "规模测试市", "county": p.place}}
                   for p in map(self.portal, range(self.portals))]
        return yaml.safe_dump({"portals": entries}, allow_unicode=True, sort_keys=False)

    # ── the reports ──────────────────────────────────────────────────────────────────────────

    def issuer(self, p: ScalePortal, k: int) -> Issuer:
        m = k % p.per_year
        name, kind = _DEPARTMENTS[m % len(_DEPARTMENTS)]
        if m >= len(_DEPARTMENTS):
            name = f"第{m // len(_DEPARTMENTS) + 1}{name}"
        rng = random.Random(f"{SEED}:scale-issuer:{p.index}:{m}")
        return Issuer(f"{p.place}{name}", kind, f"{p.place}{name}办公室", f"{p.place}人民路{m + 1}号",
                      f"0379-6{rng.randint(1000000, 9999999)}", rng.choice((1, 3, 6, 12, 22, 60)),
                      rng.choice((0, 1, 1, 2, 4)))

    def year(self, p: ScalePortal, k: int) -> int:
        return YEARS[min(k // p.per_year, len(YEARS) - 1)]

    def form(self, p: ScalePortal, k: int) -> str:
        h = int(hashlib.sha256(f"scale-form:{p.index}:{k}".encode()).hexdigest()[:8], 16) % ATTACHMENT_EVERY
        return "pdf" if h % 200 == 7 else "docx" if h == 31 else "html"

    def published(self, p: ScalePortal, j: int) -> datetime:
        """Column position ``j`` → its publication time: newest first, down the column (a news
        item a minute before the report above it)."""
        kind, n = item_kind(j)
        k = n if kind == "report" else j - j // NEWS_EVERY - 1
        year = self.year(p, k)
        within = k - YEARS.index(year) * p.per_year
        day = datetime(year + 1, 3, 28, 17, 0) - timedelta(minutes=37 * within)
        return day - timedelta(minutes=1) if kind == "news" else day

    def report(self, i: int, k: int) -> Report:
        return self._report(i, k)

    def _make_report(self, i: int, k: int) -> Report:
        p = self.portal(i)
        if not 0 <= k < p.reports:
            raise IndexError(k)
        issuer, year = self.issuer(p, k), self.year(p, k)
        rng = random.Random(f"{SEED}:scale:{i}:{k}")
        cells = _generate_numbers(rng, issuer, year, _Carry())
        template = template_for(year)
        text_rng = random.Random(f"{SEED}:scale-text:{i}:{k}")
        form = self.form(p, k)
        style = "word" if k % 2 else "plain"
        return Report(plan=PlannedReport(issuer.name, year, form, _CHARSET.get(p.family, "utf-8"), "年", style),
                      title=report_title(issuer.name, year), issuer=issuer.name, year=year, template=template,
                      cells=cells, published=self.published(p, report_position(k)),
                      preface=narrative.preface(issuer, year, template),
                      overview=narrative.overview(text_rng, issuer, year, template, cells),
                      problems=narrative.problems(text_rng, issuer, year),
                      other=narrative.other_matters(text_rng, issuer, year, template))

    def truth(self) -> Iterator[dict]:
        """Every report, portal by portal: where it is and the numbers it prints (a generator)."""
        for i in range(self.portals):
            p = self.portal(i)
            for k in range(p.reports):
                r = self.report(i, k)
                page, attachment = self.paths(p, report_position(k))
                yield {"portal": p.id, "issuer": r.issuer, "year": r.year, "template": r.template,
                       "title": r.title, "format": r.plan.form, "page_url": self.base_url + page,
                       "document_url": self.base_url + (attachment or page), "cells": r.cells}

    # ── URLs ─────────────────────────────────────────────────────────────────────────────────

    def paths(self, p: ScalePortal, j: int) -> tuple[str, str | None]:
        """Column position ``j`` → (detail page path, attachment path or None)."""
        d, doc_id = self.published(p, j), _DOC_ID + j
        pre = f"{p.prefix}/{p.family}"
        if p.family == "trs":
            folder, name = f"{pre}/ndbg/{d:%Y%m}/", f"t{d:%Y%m%d}_{doc_id}.html"
        elif p.family == "hanweb":
            folder, name = f"{pre}/art/{d.year}/{d.month}/{d.day}/", f"art_2001_{doc_id}.html"
        elif p.family == "pageparam":
            folder, name = f"{pre}/ndbg/content/", f"content_{doc_id}.jsp"
        elif p.family == "shtml":
            folder, name = f"{pre}/ndbg/{d:%Y%m}/", f"t{d:%Y%m%d}_{doc_id}.shtml"
        else:
            folder, name = f"{pre}/ndbg/{d:%Y}/", f"info_{doc_id}.html"
        kind, k = item_kind(j)
        form = self.form(p, k) if kind == "report" else "html"
        attachment = f"{folder}P0{d:%Y%m%d}{doc_id}.{form}" if form != "html" else None
        return folder + name, attachment

    def _title(self, p: ScalePortal, j: int) -> str:
        kind, n = item_kind(j)
        if kind == "news":
            return f"{p.place}{_NEWS[n % len(_NEWS)]}（第{n + 1}期）"
        return report_title(self.issuer(p, n).name, self.year(p, n))   # without making the report

    # ── responses ────────────────────────────────────────────────────────────────────────────

    _PORTAL = re.compile(r"/s(\d{5})(/.*)")
    _DOC = re.compile(r".*?(\d{6})\.(html|shtml|jsp|pdf|docx)")

    def respond(self, path: str) -> Page | None:
        """The response for a request path (with its query), or None (404)."""
        parts = urlsplit(path)
        m = self._PORTAL.fullmatch(parts.path)
        if not m or int(m.group(1)) >= self.portals:
            return None
        p = self.portal(int(m.group(1)))
        rest = m.group(2)
        query = parse_qs(parts.query)
        listed = self._list(p, rest, query)
        if listed is not None:
            return listed
        d = self._DOC.fullmatch(rest.rsplit("/", 1)[-1])
        if not d:
            return None
        j = int(d.group(1)) - _DOC_ID
        if not 0 <= j < p.items:
            return None
        page, attachment = self.paths(p, j)
        if parts.path == page:
            return self._detail(p, j, attachment)
        if parts.path == attachment:
            return self._attachment(p, j)
        return None

    def _encode(self, p: ScalePortal, html: str) -> bytes:
        return html.encode("gbk", "xmlcharrefreplace") if p.gbk else html.encode("utf-8")

    def _page(self, p: ScalePortal, html: str) -> Page:
        body = self._encode(p, html)
        return Page(200, body, _PAGE_TYPE.get(p.family, "text/html; charset=utf-8"), _validators(body))

    def _detail(self, p: ScalePortal, j: int, attachment: str | None) -> Page:
        kind, n = item_kind(j)
        page_url = self.base_url + self.paths(p, j)[0]
        charset = _CHARSET.get(p.family, "utf-8")
        if kind == "news":
            return self._page(p, render_html.news_page(
                self._title(p, j), self.published(p, j), f"{p.place}人民政府办公室",
                ("为进一步推进政务公开工作，近日召开专题会议。", "会议对下一阶段工作作出部署。"), page_url, charset))
        report = self.report(p.index, n)
        if attachment is None:
            return self._page(p, render_html.report_page(report, page_url, charset, report.plan.html_style))
        name = attachment.rsplit("/", 1)[1]
        return self._page(p, render_html.attachment_page(report, page_url, charset, name,
                                                         f"{report.title}.{report.plan.form}"))

    def _attachment(self, p: ScalePortal, j: int) -> Page:
        report = self.report(p.index, item_kind(j)[1])
        if report.plan.form == "pdf":
            from .render_pdf import render_pdf

            body, kind = render_pdf(report), PDF
        else:
            from .render_docx import render_docx

            body, kind = render_docx(report), DOCX
        return Page(200, body, kind, _validators(body))

    # ── list pages ───────────────────────────────────────────────────────────────────────────

    def _entries(self, p: ScalePortal, start: int, stop: int) -> list[render_html.ListEntry]:
        """Column positions [start, stop) as list entries (href relative to the list's folder)."""
        out = []
        column_dir = self.column_path(p).rsplit("/", 1)[0] + "/"
        for j in range(start, min(stop, p.items)):
            page, _ = self.paths(p, j)
            href = ("./" + page[len(column_dir):]) if page.startswith(column_dir) else page
            out.append(render_html.ListEntry(self._title(p, j), href, self.published(p, j)))
        return out

    def _pages(self, p: ScalePortal) -> int:
        return max(1, math.ceil(p.items / PER_PAGE))

    def _ul(self, entries) -> str:
        return "<ul class=\"list\">" + "".join(
            f'<li><a href="{render_html._attr(e.href)}" target="_blank" title="{render_html._attr(e.title)}">'
            f'{render_html.escape(e.title)}</a><span>{e.published:%Y-%m-%d}</span></li>' for e in entries) + "</ul>"

    def _shell(self, p: ScalePortal, title: str, body: str, meta: str = '<meta charset="utf-8">') -> str:
        return (f"<!DOCTYPE html><html><head>{meta}<title>{title}</title></head><body>"
                f'<div class="nav"><a href="/">首页</a> <a href="{p.prefix}/jgzn/index.html">机构职能</a></div>'
                f"{body}</body></html>")

    def _list(self, p: ScalePortal, rest: str, query: dict) -> Page | None:
        pages = self._pages(p)
        fam = p.family
        if fam == "trs":
            m = re.fullmatch(r"/trs/ndbg/index(?:_(\d+))?\.html", rest)
            if not m or int(m.group(1) or 0) >= pages:
                return None
            n = int(m.group(1) or 0)
            html = render_html.list_page(self._entries(p, n * PER_PAGE, (n + 1) * PER_PAGE), n, pages)
            body = html.encode("utf-8")
            return Page(200, body, "text/html; charset=utf-8", _validators(body))
        if fam == "hanweb":
            if rest == "/hanweb/module/web/jpage/dataproxy.jsp":
                start = int(query.get("startrecord", ["1"])[0])
                end = int(query.get("endrecord", [str(p.items)])[0])
                records = self._records(p, start - 1, end)
                xml = ('<?xml version="1.0" encoding="utf-8"?>\n<datastore><recordset>\n' + records
                       + "</recordset></datastore>\n")
                return Page(200, xml.encode("utf-8"), "text/xml;charset=utf-8")
            if rest != "/hanweb/col/col2001/index.html":
                return None
            proxy = f"{p.prefix}/hanweb/module/web/jpage/dataproxy.jsp"
            body = (f'<div class="list" id="5001"><script type="text/xml"><datastore>\n<nextgroup><![CDATA[<a href="'
                    f'{proxy}?page=1&appid=1&webid=9&path=/&columnid=2001&unitid=5001'
                    f'&permissiontype=0"></a>]]></nextgroup>\n<recordset>\n{self._records(p, 0, PER_PAGE)}'
                    f"</recordset></datastore></script></div>"
                    f"<script>$(document).ready(function(){{$('#5001').jpage({{dataStore: dataStore, totalRecord: "
                    f"{p.items}, perPage: {PER_PAGE}, groupSize: 2, proxyUrl: '{proxy}'}});}});</script>")
            return self._page(p, self._shell(p, "政府信息公开年报", body, '<meta charset="gbk">'))
        if fam == "pageparam":
            if rest != "/pageparam/ndbg/list.jsp":
                return None
            n = int(query.get("page", ["1"])[0])
            if not 1 <= n <= pages:
                return None
            links = " ".join(f'<a href="list.jsp{"" if k == 1 else f"?page={k}"}">{k}</a>'
                             for k in range(max(1, n - 5), min(pages, n + 5) + 1) if k != n)
            nxt = f' <a href="list.jsp?page={n + 1}">下一页</a>' if n < pages else ""
            ul = self._ul(self._entries(p, (n - 1) * PER_PAGE, n * PER_PAGE))
            return self._page(p, self._shell(p, "年报", f'{ul}<div class="pages">{links}{nxt}</div>'))
        if fam == "shtml":
            m = re.fullmatch(r"/shtml/ndbg/(?:index(?:_(\d+))?\.shtml)?", rest)
            if not m or int(m.group(1) or 0) >= pages:
                return None
            n = int(m.group(1) or 0)
            ul = self._ul(self._entries(p, n * PER_PAGE, (n + 1) * PER_PAGE))
            # the first page links no other page: its siblings are found by probing index_1
            links = " ".join(f'<a href="index{"" if k == 0 else f"_{k}"}.shtml">{k + 1}</a>'
                             for k in range(pages) if k != n)
            return self._page(p, self._shell(p, "年报", ul + (f'<div class="pages">{links}</div>' if n else "")))
        if rest != "/plain/ndbg.html":
            return None
        links = "".join(f'<p><a href="{render_html._attr(e.href)}">{render_html.escape(e.title)}</a> '
                        f"({e.published:%Y-%m-%d})</p>" for e in self._entries(p, 0, p.items))
        return self._page(p, self._shell(p, "信息公开年报", f'<div class="content">{links}</div>',
                                         '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'))

    def _records(self, p: ScalePortal, start: int, stop: int) -> str:
        return "".join(f'<record><![CDATA[<li><a href="{e.href}" title="{e.title}" target="_blank">{e.title}</a>'
                       f'<span>{e.published:%Y-%m-%d}</span></li>]]></record>\n'
                       for e in self._entries(p, start, stop))


# ── serving ──────────────────────────────────────────────────────────────────────────────────

class _ScaleHandler(_Handler):
    def do_GET(self):  # noqa: N802
        net: ScaleNetwork = self.server.network
        if self.path == "/robots.txt":
            return self._send(Page(200, b"User-agent: *\nAllow: /\n", "text/plain"))
        try:
            page = net.respond(self.path)
        except (ValueError, IndexError):   # a malformed number in the path or query
            page = None
        self._answer(page)


class _ScaleServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    network: ScaleNetwork


class ScalePortals:
    """A ``ScaleNetwork`` served on ``host:port`` (0: a free port) from a daemon thread."""

    def __init__(self, portals: int, reports: int, port: int = 0, host: str = "127.0.0.1"):
        self.server = _ScaleServer((host, port), _ScaleHandler)
        self.base_url = f"http://{host}:{self.server.server_address[1]}"
        self.server.network = self.network = ScaleNetwork(portals, reports, self.base_url)
        self._thread: threading.Thread | None = None

    def start(self) -> "ScalePortals":
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def stop(self) -> None:
        if self._thread is not None:
            self.server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.server.server_close()

    def __enter__(self) -> "ScalePortals":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def start_scale(portals: int, reports: int, port: int = 0, host: str = "127.0.0.1") -> ScalePortals:
    return ScalePortals(portals, reports, port, host).start()
