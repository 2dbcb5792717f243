"""`PortalSpider`: crawl the annual-report columns of the portals in a YAML file.

For each column URL it walks every list page (what the page's script or links say, else probing
`index_K` until the first 404), fetches every detail page of the list (news too: they are
originals, logged with `is_report` false), and from report pages fetches the attachments.
Every response becomes a `Fetch` item; `RawArchivePipeline` stores it.

Revisits are conditional: a URL whose last fetch stored a body is asked for with its `ETag` /
`Last-Modified`; on 304 the fetch is logged `not_modified` and discovery goes on from the
archived original, so a recrawl re-downloads only what changed.

The platform knowledge lives in `crawler.discovery` as pure functions; the callbacks stay thin.

    scrapy crawl portal -a portals=portals.yaml -a data=DATA [-a run_id=…] [-a only=id1,id2]
"""
from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from gongkai.pipelines.classify import is_report_title, report_year

from .. import discovery
from ..items import Fetch
from ..portals import Portal, load_portals
from ..store import RawStore

#: Extensions tried, in order, when probing the static pages beside a directory URL.
PROBE_EXTENSIONS = ("html", "htm", "shtml")


def header_text(value: bytes | str | None) -> str | None:
    """A header value as text (UTF-8 if valid, else GB18030, else Latin-1)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    for enc in ("utf-8", "gb18030"):
        try:
            return value.decode(enc)
        except UnicodeDecodeError:
            continue
    return value.decode("latin-1")


def response_headers(response: Response) -> dict[str, str]:
    """Response headers, lower-case names → values (repeated headers joined by ", ")."""
    return {
        (header_text(name) or "").lower(): ", ".join(header_text(v) or "" for v in values)
        for name, values in response.headers.items()
    }


@dataclass(frozen=True)
class Validator:
    """What the archive knows of a URL's last stored version, for a conditional request."""

    sha256: str
    etag: str | None
    last_modified: str | None
    content_type: str | None


@dataclass(frozen=True)
class Received:
    """A response's content: fresh bytes (`stored`), or the archived ones after a 304."""

    body: bytes
    content_type: str | None
    outcome: str


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(self, portals: str | None = None, data: str | None = None, run_id: str | None = None,
                 only: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if not portals or not data:
            raise ValueError("PortalSpider needs -a portals=PORTALS.yaml and -a data=DATA_DIR")
        self.portals_path = portals
        self.data_dir = data
        self.store = RawStore(data)
        self.run_id = run_id or uuid.uuid4().hex
        self.portals: list[Portal] = load_portals(portals)
        if only:
            wanted = {p.strip() for p in only.split(",") if p.strip()}
            unknown = wanted - {p.id for p in self.portals}
            if unknown:
                raise ValueError(f"portal ids not in {portals}: {', '.join(sorted(unknown))}")
            self.portals = [p for p in self.portals if p.id in wanted]
        self.portal_by_id = {p.id: p for p in self.portals}
        self.portal_warnings: dict[str, list[str]] = {p.id: [] for p in self.portals}
        self.validators: dict[str, Validator] = {}
        self._list_pages_requested: Counter = Counter()
        self._list_pages_seen: set[tuple[str, tuple[str, str, str]]] = set()
        self._requested: set[str] = set()
        self._rechecked = False

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> "PortalSpider":
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.spider_idle, signal=scrapy.signals.spider_idle)
        return spider

    def spider_idle(self) -> None:
        """When discovery is done, revisit once the archived pages and files of these portals that
        no list led to this run: a report taken off its list is fetched again, so one that now
        answers 404 is logged `gone` (its stored versions stay in the archive)."""
        if self._rechecked:
            return
        self._rechecked = True
        requests = list(self.recheck_requests())
        if not requests:
            return
        self.logger.info("revisiting %d archived URL(s) no list led to this run", len(requests))
        for request in requests:
            self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def recheck_requests(self) -> Iterator[Request]:
        """Requests for the detail pages and attachments of these portals whose last fetch was
        received (stored or not modified) and which this run has not asked for."""
        last: dict[str, dict] = {}
        for entry in self.store.fetches():
            if entry.get("portal") in self.portal_by_id and entry.get("role") in ("detail", "attachment"):
                last[entry.get("requested_url") or entry["url"]] = entry
        for url, entry in last.items():
            if url in self._requested or entry.get("outcome") not in ("stored", "not_modified"):
                continue
            portal = self.portal_by_id[entry["portal"]]
            meta = self._meta(portal, entry["role"], entry.get("referer"), entry.get("link_text"), recheck=True)
            callback = self.parse_detail if entry["role"] == "detail" else self.parse_attachment
            yield self._request(url, callback, meta)

    # ── requests ─────────────────────────────────────────────────────────────────────────────

    async def start(self) -> AsyncIterator[Request]:
        if self.settings.getbool("GONGKAI_CONDITIONAL_REQUESTS", True):
            self.validators = self.load_validators(self.store)
        for portal in self.portals:
            for url in portal.urls:
                request = self._list_request(portal, url, referer=None, link_text=None)
                if request is not None:
                    yield request

    @staticmethod
    def load_validators(store: RawStore) -> dict[str, Validator]:
        """URL → its last stored version's validators, from the fetch log (ETag or Last-Modified
        required, and the object still in the archive)."""
        validators: dict[str, Validator] = {}
        for entry in store.fetches():
            if entry.get("outcome") != "stored" or not entry.get("sha256"):
                continue
            headers = entry.get("headers") or {}
            etag, modified = headers.get("etag"), headers.get("last-modified")
            validator = Validator(entry["sha256"], etag, modified, entry.get("content_type"))
            for url in (entry.get("requested_url"), entry.get("url")):
                if url:
                    if etag or modified:
                        validators[url] = validator
                    else:
                        validators.pop(url, None)
        return {url: v for url, v in validators.items() if v.sha256 in store}

    def _request(self, url: str, callback, meta: dict[str, Any], **kwargs: Any) -> Request:
        self._requested.add(url)
        headers = {}
        validator = self.validators.get(url)
        if validator is not None:
            if validator.etag:
                headers["If-None-Match"] = validator.etag
            if validator.last_modified:
                headers["If-Modified-Since"] = validator.last_modified
            meta = {**meta, "previous": validator, "handle_httpstatus_list": [304]}
        return Request(url, callback=callback, errback=self.on_error, headers=headers, meta=meta, **kwargs)

    @staticmethod
    def _meta(portal: Portal, role: str, referer: str | None, link_text: str | None,
              **extra: Any) -> dict[str, Any]:
        return {"portal": portal.id, "role": role, "referer": referer, "link_text": link_text or None,
                **extra}

    def _list_page_budget(self, portal: Portal) -> int:
        per_url = portal.hints.get("max_pages") or self.settings.getint("GONGKAI_MAX_LIST_PAGES", 500)
        return per_url * len(portal.urls)

    def _list_request(self, portal: Portal, url: str, referer: str | None, link_text: str | None,
                      **extra: Any) -> Request | None:
        key = (portal.id, discovery.page_key(url))
        if key in self._list_pages_seen:
            return None
        if self._list_pages_requested[portal.id] >= self._list_page_budget(portal):
            self._warn(portal, f"list page limit ({self._list_page_budget(portal)}) reached")
            return None
        self._list_pages_seen.add(key)
        self._list_pages_requested[portal.id] += 1
        return self._request(url, self.parse_list, self._meta(portal, "list", referer, link_text, **extra),
                             dont_filter=referer is None)

    def _detail_request(self, portal: Portal, url: str, referer: str, link_text: str) -> Request | None:
        """A request for a detail page; None for a report of a year outside the portal's `years`."""
        year = report_year(link_text) if portal.years and is_report_title(link_text) else None
        if year is not None and not (portal.years[0] <= year <= portal.years[1]):
            return None
        return self._request(url, self.parse_detail, self._meta(portal, "detail", referer, link_text))

    def _attachment_request(self, portal: Portal, url: str, referer: str, link_text: str) -> Request:
        return self._request(url, self.parse_attachment, self._meta(portal, "attachment", referer, link_text))

    def _probe_request(self, portal: Portal, response: Response, k: int,
                       exts: tuple[str, ...] = ()) -> Request | None:
        """Ask for the K-th static list page beside this one, when no page has said how many there
        are (`exts`: extensions to try for a directory URL, first one first)."""
        url = discovery.static_index_url(response.url, k, exts[0] if exts else None)
        if url is None:
            return None
        return self._list_request(portal, url, referer=response.url, link_text=None,
                                  probe=k, probe_base=response.url, probe_exts=exts[1:])

    # ── callbacks ────────────────────────────────────────────────────────────────────────────

    def parse_list(self, response: Response) -> Iterator[Fetch | Request]:
        portal = self.portal_by_id[response.meta["portal"]]
        got = self._received(response)
        if not discovery.is_html(got.content_type, got.body):
            yield self._fetch(response, got)
            return
        if got.outcome == "stored" and discovery.is_challenge_page(got.body):
            yield self._fetch(response, got, outcome="blocked", error="anti-bot challenge page")
            return
        html = discovery.decode_html(got.body, got.content_type)
        yield self._fetch(response, got, title=discovery.page_title(html))

        pages = discovery.pagination(html, response.url)
        for url in pages.urls:
            request = self._list_request(portal, url, referer=response.url, link_text=None)
            if request is not None:
                yield request
        if pages.total_pages and pages.source == "listModel" and len(pages.urls) + 1 < pages.total_pages:
            self._warn(portal, f"{urljoin(response.url, '.')}: the list has {pages.total_pages} pages, only "
                               f"{len(pages.urls) + 1} are static files (later ones need the search API)")

        hints = portal.hints
        details = discovery.list_links(html, response.url, selector=hints.get("list_selector"),
                                       pattern=hints.get("detail_pattern"))
        for url, text in details:
            request = self._detail_request(portal, url, response.url, text)
            if request is not None:
                yield request
        # A report must not be missed for sitting outside the list area, or for being a file;
        # a link titled like a report that leads to a list is a sub-column (per year, per body).
        listed = {url for url, _ in details}
        for url, text in discovery.title_links(html, response.url):
            if url in listed or not is_report_title(text):
                continue
            if discovery.is_list_url(url):
                request = self._list_request(portal, url, referer=response.url, link_text=text)
                if request is not None:
                    yield request
            else:
                request = self._detail_request(portal, url, response.url, text)
                if request is not None:
                    yield request

        if pages.source is None and details:
            probe = self._probe_request(portal, response, (response.meta.get("probe") or 0) + 1,
                                        self._probe_exts(response))
            if probe is not None:
                yield probe

    def parse_detail(self, response: Response) -> Iterator[Fetch | Request]:
        portal = self.portal_by_id[response.meta["portal"]]
        link_text = response.meta.get("link_text")
        got = self._received(response)
        if not discovery.is_html(got.content_type, got.body):
            # the list links the document itself (a PDF, a DOC…): it is its own detail page
            yield self._fetch(response, got, is_report=is_report_title(link_text), attachments=[])
            return
        if got.outcome == "stored" and discovery.is_challenge_page(got.body):
            yield self._fetch(response, got, outcome="blocked", error="anti-bot challenge page")
            return
        html = discovery.decode_html(got.body, got.content_type)
        target = discovery.script_redirect(html, response.url)
        if target is not None:  # a stub that sends the browser on: the page is where it points
            yield self._fetch(response, got, title=discovery.page_title(html), is_report=False, attachments=[])
            request = self._detail_request(portal, target, response.url, link_text)
            if request is not None:
                yield request
            return
        title = discovery.page_title(html)
        is_report = is_report_title(title) or is_report_title(link_text)
        attachments = discovery.attachment_links(html, response.url)
        yield self._fetch(response, got, title=title, is_report=is_report,
                          attachments=[url for url, _ in attachments])
        for url, text in attachments:
            if is_report or is_report_title(text):
                yield self._attachment_request(portal, url, response.url, text)

    def parse_attachment(self, response: Response) -> Iterator[Fetch]:
        got = self._received(response)
        if (got.outcome == "stored" and discovery.is_html(got.content_type, got.body)
                and discovery.is_challenge_page(got.body)):
            yield self._fetch(response, got, outcome="blocked", error="anti-bot challenge page")
            return
        yield self._fetch(response, got)

    def on_error(self, failure: Failure) -> Iterator[Fetch | Request]:
        """Non-2xx responses (404 → gone, 412/521 → blocked, others → error) and failures without
        a response (DNS, timeout, refused → error; robots.txt → blocked)."""
        request = failure.request
        portal = self.portal_by_id[request.meta["portal"]]
        if failure.check(HttpError):
            response = failure.value.response
            outcome = discovery.outcome_for_status(response.status)
            error = None if outcome in ("gone", "not_modified") else f"HTTP {response.status}"
            got = Received(response.body, header_text(response.headers.get("Content-Type")), outcome)
            yield self._fetch(response, got, error=error)
            exts = request.meta.get("probe_exts") or ()
            if outcome == "gone" and request.meta.get("probe") == 1 and exts:
                # index_1.html is missing: the column may use .htm or .shtml
                base = request.meta.get("probe_base")
                url = discovery.static_index_url(base, 1, exts[0]) if base else None
                if url:
                    retry = self._list_request(portal, url, referer=request.meta.get("referer"),
                                               link_text=None, probe=1, probe_base=base,
                                               probe_exts=exts[1:])
                    if retry is not None:
                        yield retry
            return
        if failure.check(IgnoreRequest) and "robots.txt" in str(failure.value):
            outcome, error = "blocked", "forbidden by robots.txt"
        else:
            outcome, error = "error", f"{failure.type.__name__}: {failure.getErrorMessage()}"
        self.logger.info("%s: %s %s (%s)", portal.id, outcome, request.url, error)
        yield Fetch(portal=portal.id, role=request.meta["role"], url=request.url, outcome=outcome,
                    referer=request.meta.get("referer"), link_text=request.meta.get("link_text"),
                    error=error)

    # ── helpers ──────────────────────────────────────────────────────────────────────────────

    def _received(self, response: Response) -> Received:
        content_type = header_text(response.headers.get("Content-Type"))
        previous: Validator | None = response.meta.get("previous")
        if response.status == 304 and previous is not None:
            return Received(self.store.read(previous.sha256), content_type or previous.content_type,
                            "not_modified")
        return Received(response.body, content_type, "stored")

    @staticmethod
    def _probe_exts(response: Response) -> tuple[str, ...]:
        """Alternatives to try when index_1 of a directory URL is missing."""
        if "probe_exts" in response.meta:
            return ()  # already probing: keep the extension that worked
        if response.url.split("?")[0].endswith("/"):
            return PROBE_EXTENSIONS
        return ()

    def _warn(self, portal: Portal, message: str) -> None:
        if message not in self.portal_warnings[portal.id]:
            self.logger.warning("%s: %s", portal.id, message)
            self.portal_warnings[portal.id].append(message)

    def _fetch(self, response: Response, got: Received, outcome: str | None = None, **fields: Any) -> Fetch:
        """A `Fetch` item for a response: URL, status, headers, body (when stored), file name,
        content type, and the link that led here."""
        outcome = outcome or got.outcome
        meta = response.meta
        redirects = meta.get("redirect_urls") or []
        requested = redirects[0] if redirects else response.request.url if response.request else None
        filename = discovery.filename_from_response(
            header_text(response.headers.get("Content-Disposition")), response.url)
        return Fetch(
            portal=meta["portal"],
            role=meta["role"],
            url=response.url,
            requested_url=requested if requested and requested != response.url else None,
            status=response.status,
            headers=response_headers(response),
            body=response.body if outcome == "stored" else None,
            size=len(response.body),
            content_type=discovery.sniff_content_type(got.body, filename, got.content_type),
            filename=filename,
            referer=meta.get("referer"),
            link_text=meta.get("link_text"),
            outcome=outcome,
            **fields,
        )
