"""Assemble the sample portal: every resource (path → bytes + headers) and the truth about it.

The site is a TRS WCM-style district portal: a home page, the column 政府信息公开年报 at
``/zwgk/ndbg/`` listed newest first over ``index.html``, ``index_1.html``, … (later pages reachable
only through ``createPageHTML``), detail pages ``/zwgk/ndbg/YYYYMM/tYYYYMMDD_NNNNN.html`` and
attachments beside them (``P0YYYYMMDD…pdf``/``.docx``).
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import yaml

from . import render_html
from .generator import SEED, Report, build_reports
from .news import NewsItem, news_items
from .render_docx import render_docx
from .render_pdf import render_pdf, render_scanned_pdf

COLUMN_PATH = "/zwgk/ndbg/"
ITEMS_PER_PAGE = 12
PORTAL_ID = "sample-jianxi"
PORTAL_NAME = "涧西区人民政府（示例门户）"
PORTAL_REGION = {"province": "河南省", "city": "洛阳市", "county": "涧西区"}
PORTAL_LEVEL = "county"

CONTENT_TYPES = {
    "utf-8": "text/html; charset=utf-8",
    "gbk-meta": "text/html",
    "gbk-header": "text/html; charset=GBK",
    "gbk-bare": "text/html",
}
PDF_TYPE = "application/pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_BEIJING = timezone(timedelta(hours=8))
_SITE_EPOCH = datetime(2019, 12, 30, 9, 0, tzinfo=_BEIJING)


@dataclass(frozen=True)
class Resource:
    """One served file: its bytes, Content-Type and further headers (Last-Modified, ETag)."""

    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Site:
    base_url: str
    resources: dict[str, Resource]
    truth: list[dict]
    column_path: str = COLUMN_PATH

    @property
    def column_url(self) -> str:
        """The column's first list page (the portal's start URL)."""
        return f"{self.base_url}{self.column_path}index.html"

    @property
    def reports(self) -> list[dict]:
        return [item for item in self.truth if item["kind"] == "report"]

    def portals_yaml(self) -> str:
        """The portals YAML (docs/architecture.md) describing this site."""
        entry = {
            "id": PORTAL_ID,
            "name": PORTAL_NAME,
            "url": self.column_url,
            "platform": "trs",
            "level": PORTAL_LEVEL,
            "region": dict(PORTAL_REGION),
        }
        return yaml.safe_dump({"portals": [entry]}, allow_unicode=True, sort_keys=False)

    def resource_for(self, url: str) -> Resource | None:
        """The resource behind an absolute URL of this site."""
        if not url.startswith(self.base_url):
            return None
        return self.resources.get(url[len(self.base_url):])


def _http_headers(body: bytes, modified: datetime) -> dict[str, str]:
    """nginx-style validators: Last-Modified from the publication time, ETag "mtime-size" in hex."""
    stamp = modified.astimezone(timezone.utc)
    return {"Last-Modified": format_datetime(stamp, usegmt=True),
            "ETag": f'"{int(stamp.timestamp()):x}-{len(body):x}"'}


def _encode(html: str, page_encoding: str) -> bytes:
    return html.encode("utf-8" if page_encoding == "utf-8" else "gbk")


@dataclass
class _Entry:
    """One item of the column, before rendering."""

    title: str
    published: datetime          # Beijing time, naive
    report: Report | None = None
    news: NewsItem | None = None
    path: str = ""
    attachment_path: str = ""

    @property
    def page_encoding(self) -> str:
        return self.report.plan.page_encoding if self.report else self.news.page_encoding  # type: ignore[union-attr]

    @property
    def form(self) -> str:
        return self.report.plan.form if self.report else "html"


def _assign_urls(entries: list[_Entry]) -> None:
    """TRS document ids grow with publication time; attachments get TRS ``P0…`` names."""
    rng = random.Random(f"{SEED}:urls")
    doc_id = 10030
    for entry in sorted(entries, key=lambda e: e.published):
        doc_id += rng.randint(7, 240)
        day = entry.published
        folder = f"{COLUMN_PATH}{day:%Y%m}/"
        entry.path = f"{folder}t{day:%Y%m%d}_{doc_id}.html"
        if entry.form in ("pdf", "docx"):
            digits = "".join(rng.choice("0123456789") for _ in range(12))
            entry.attachment_path = f"{folder}P0{day:%Y%m%d}{digits}.{entry.form}"


def _aware(day: datetime) -> datetime:
    return day.replace(tzinfo=_BEIJING)


def build_site(base_url: str, *, include_seed: bool = True) -> Site:
    """Build the whole portal in memory for ``base_url`` (``http://127.0.0.1:8765``).

    ``include_seed=False`` leaves out the seed report (which needs ``gongkai.pipelines.extract``).
    """
    base = base_url.rstrip("/")
    seed = None
    if include_seed:
        from .seed import seed_report
        seed = seed_report()
    reports = ([seed] if seed else []) + build_reports(seed)
    government_2022 = next(r for r in reports if r.issuer == "涧西区人民政府" and r.year == 2022)
    news = news_items({"applications": int(government_2022.cells["t3.new.total"] or 0),
                       "reviews": int(government_2022.cells["t4.review.total"] or 0)})

    entries = [_Entry(r.title, r.published, report=r) for r in reports]
    entries += [_Entry(n.title, n.published, news=n) for n in news]
    _assign_urls(entries)
    entries.sort(key=lambda e: e.published, reverse=True)   # the column lists newest first

    resources: dict[str, Resource] = {}
    truth: list[dict] = []

    def add(path: str, body: bytes, content_type: str, modified: datetime) -> None:
        if path in resources:
            raise AssertionError(f"two resources at {path}")
        resources[path] = Resource(body, content_type, _http_headers(body, modified))

    pages = [entries[i:i + ITEMS_PER_PAGE] for i in range(0, len(entries), ITEMS_PER_PAGE)]
    list_paths = [f"{COLUMN_PATH}index.html"] + [f"{COLUMN_PATH}index_{i}.html" for i in range(1, len(pages))]
    for page_index, page_entries in enumerate(pages):
        list_entries = [render_html.ListEntry(e.title, "." + e.path[len(COLUMN_PATH) - 1:], e.published)
                        for e in page_entries]
        html = render_html.list_page(list_entries, page_index, len(pages))
        add(list_paths[page_index], html.encode("utf-8"), CONTENT_TYPES["utf-8"], _aware(entries[0].published))
        for entry in page_entries:
            truth.append(_render_entry(entry, base, list_paths[page_index], add))

    newest = _aware(entries[0].published)
    add("/index.html", render_html.home_page(f"{COLUMN_PATH}index.html").encode("utf-8"), CONTENT_TYPES["utf-8"], newest)
    add("/robots.txt", b"User-agent: *\nAllow: /\n", "text/plain; charset=utf-8", _SITE_EPOCH)
    add("/images/common.css", render_html.STYLESHEET.encode("utf-8"), "text/css", _SITE_EPOCH)
    return Site(base, resources, truth)


def _render_entry(entry: _Entry, base: str, list_path: str, add) -> dict:
    page_url = base + entry.path
    encoding = entry.page_encoding
    modified = _aware(entry.published)
    item: dict = {
        "kind": "news" if entry.news else "report",
        "title": entry.title,
        "link_text": entry.title,
        "page_url": page_url,
        "list_url": base + list_path,
        "document_url": page_url,
        "format": entry.form,
        "encoding": "utf-8" if encoding == "utf-8" else "gbk",
        "page_encoding": encoding,
        "charset_header": CONTENT_TYPES[encoding].partition("charset=")[2] or None,
        "year": None,
        "issuer": None,
        "template": None,
        "cells": {},
        "published": f"{entry.published:%Y-%m-%d}",
        "published_at": f"{entry.published:%Y-%m-%d %H:%M}",
    }
    if entry.news:
        news = entry.news
        html = render_html.news_page(news.title, news.published, news.source, news.paragraphs, page_url, encoding)
        body = _encode(html, encoding)
        add(entry.path, body, CONTENT_TYPES[encoding], modified)
        item.update(issuer=news.source, sha256=hashlib.sha256(body).hexdigest())
        return item

    report = entry.report
    assert report is not None
    plan = report.plan
    item.update(year=report.year, issuer=report.issuer, template=report.template, cells=dict(report.cells),
                origin=report.origin, sections=report.sections)
    if plan.form == "html":
        html = render_html.report_page(report, page_url, encoding, plan.html_style)
        body = _encode(html, encoding)
        add(entry.path, body, CONTENT_TYPES[encoding], modified)
        item["sha256"] = hashlib.sha256(body).hexdigest()
        return item

    filename = entry.attachment_path.rsplit("/", 1)[1]
    link_text = f"{report.title}.{plan.form}"
    if plan.form == "docx":
        document = render_docx(report)
    else:
        document = render_scanned_pdf(report) if plan.scanned else render_pdf(report)
    item["scanned"] = plan.scanned
    add(entry.attachment_path, document, PDF_TYPE if plan.form == "pdf" else DOCX_TYPE, modified)
    page = render_html.attachment_page(report, page_url, encoding, filename, link_text)
    add(entry.path, _encode(page, encoding), CONTENT_TYPES[encoding], modified)
    item.update(document_url=base + entry.attachment_path, attachment_filename=filename,
                attachment_link_text=link_text, sha256=hashlib.sha256(document).hexdigest())
    return item
