"""Scrapy *item pipeline* (not to be confused with our `pipelines/` package): every fetch the
spider yields goes to the raw archive, and each portal's counts go to the crawl-run log."""
from __future__ import annotations

import logging
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from .items import Fetch, utc_now
from .store import RawStore

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

#: Counters written per portal per run to DATA/raw/crawl-runs.jsonl.
RUN_COUNTERS = (
    "pages_fetched",   # list and detail pages received (stored or not modified)
    "list_pages",
    "detail_pages",
    "reports_found",   # detail pages whose title or link text is an annual report's
    "attachments",     # attachments received (stored or not modified)
    "stored",          # fetches whose body was stored (list, detail, attachment)
    "new_objects",     # of which bodies not in the archive before
    "bytes",           # bytes of stored bodies
    "new",             # URLs stored for the first time
    "changed",         # URLs stored before whose body changed (a new version; the old one is kept)
    "unchanged",       # URLs answered 200 with the body already stored for them (no new version)
    "new_reports",     # report pages (detail, is_report) stored for the first time
    "removed",         # URLs stored before that now answer 404/410 (marked gone; versions kept)
    "not_modified",
    "gone",
    "errors",
    "blocked",
    "exceptions",      # spider callbacks that raised (bugs, or pages nothing could parse)
)


class RawArchivePipeline:
    """Store each `Fetch` body once (content-addressed) and append its fetch-log line.

    Commits in groups: bodies are written as they come, their log lines kept back until, every
    `GONGKAI_COMMIT_SECONDS` (or `GONGKAI_COMMIT_ITEMS` fetches, and when the crawl closes), one
    filesystem sync makes the bodies durable and the lines are appended. A killed crawl loses at
    most the lines of the last group: those URLs are fetched again (their bodies, already
    stored, are not written twice).
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.store: RawStore | None = None
        self.started_at: str | None = None
        self.counts: dict[str, Counter] = {}
        self.known: dict[str, str] = {}   # URL → sha256 of its last stored body
        self.gone: set[str] = set()       # stored URLs whose last fetch was a 404/410
        self.pending: list[dict] = []     # log lines of bodies not yet synced
        self.commit_seconds = crawler.settings.getfloat("GONGKAI_COMMIT_SECONDS", 1.0)
        self.commit_items = crawler.settings.getint("GONGKAI_COMMIT_ITEMS", 500)
        self._last_commit = time.monotonic()
        self._ticker: task.LoopingCall | None = None
        self._closing = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.spider_error, signal=signals.spider_error)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RawArchivePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        self.store = RawStore(spider.data_dir)
        self.started_at = utc_now()
        self.counts = {p.id: Counter() for p in spider.portals}
        removed = self.store.clean_partial()
        if removed:
            logger.info("removed %d partial object file(s) left by a killed crawl", removed)
        for entry in self.store.fetches():
            self._remember(entry.get("url"), entry.get("outcome"), entry.get("sha256"))
        self._ticker = task.LoopingCall(self._commit_quietly)   # a quiet crawl still commits
        self._ticker.start(self.commit_seconds, now=False)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Fetch):
            return item
        assert self.store is not None, "open_spider was not called"
        counts = self.counts.setdefault(item.portal, Counter())
        try:
            self._archive(item, counts)
        except OSError as e:
            # A full disk or a read-only data dir: every further fetch would be lost. Stop.
            logger.critical("cannot write the raw archive in %s: %s; closing the crawl", self.store.root, e)
            if self._closing is None:
                self._closing = deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_error"))
                self._closing.addErrback(lambda f: logger.error("closing the crawl failed: %s", f.value))
            raise
        self._count(counts, item)
        item.body = None  # the bytes are in the archive now; don't keep them in memory
        return item

    def _archive(self, item: Fetch, counts: Counter) -> str | None:
        sha = None
        if item.outcome == "stored" and item.body is not None:
            sha = self.store.digest(item.body)
            if sha not in self.store:
                counts["new_objects"] += 1
            self.store.put(item.body, sync=False)
            counts["stored"] += 1
            counts["bytes"] += len(item.body)
            before = self.known.get(item.url)
            if before is None:
                counts["new"] += 1
                if item.role == "detail" and item.is_report:
                    counts["new_reports"] += 1
            elif before != sha:
                counts["changed"] += 1
            else:
                counts["unchanged"] += 1
        if item.outcome == "gone" and item.url in self.known and item.url not in self.gone:
            counts["removed"] += 1
        self._remember(item.url, item.outcome, sha)
        self.pending.append(item.log_entry(sha))
        if (len(self.pending) >= self.commit_items
                or time.monotonic() - self._last_commit >= self.commit_seconds):
            self.commit()
        return sha

    def _commit_quietly(self) -> None:
        try:
            self.commit()
        except OSError as e:   # the next item's commit raises it again and closes the crawl
            logger.error("cannot commit the raw archive in %s: %s", self.store.root, e)

    def commit(self) -> None:
        """Sync the bodies written since the last commit, then append their log lines."""
        if self.pending:
            self.store.sync()
            self.store.log_fetches(self.pending)
            self.pending = []
        self._last_commit = time.monotonic()

    def _remember(self, url: str | None, outcome: str | None, sha: str | None) -> None:
        if not url:
            return
        if outcome == "stored" and sha:
            self.known[url] = sha
            self.gone.discard(url)
        elif outcome == "not_modified":
            self.gone.discard(url)
        elif outcome == "gone" and url in self.known:
            self.gone.add(url)

    @staticmethod
    def _count(counts: Counter, item: Fetch) -> None:
        received = item.outcome in ("stored", "not_modified")
        if item.outcome == "error":
            counts["errors"] += 1
        elif item.outcome in ("blocked", "gone", "not_modified"):
            counts[item.outcome] += 1
        if not received:
            return
        if item.role in ("list", "detail"):
            counts["pages_fetched"] += 1
            counts[f"{item.role}_pages"] += 1
        if item.role == "detail" and item.is_report:
            counts["reports_found"] += 1
        if item.role == "attachment":
            counts["attachments"] += 1

    def spider_error(self, failure: Failure, response: Response, spider: Spider) -> None:
        portal = response.meta.get("portal") if response is not None else None
        if portal:
            self.counts.setdefault(portal, Counter())["exceptions"] += 1

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.store is None:
            return
        if self._ticker is not None and self._ticker.running:
            self._ticker.stop()
        self.commit()
        finished_at = utc_now()
        by_id = {p.id: p for p in spider.portals}
        for portal_id, counts in self.counts.items():
            portal = by_id.get(portal_id)
            entry = {
                "run_id": spider.run_id,
                "portal": portal_id,
                "name": portal.name if portal else None,
                "urls": list(portal.urls) if portal else [],
                "started_at": self.started_at,
                "finished_at": finished_at,
                "finish_reason": reason,
                **{name: counts.get(name, 0) for name in RUN_COUNTERS},
                "warnings": list(spider.portal_warnings.get(portal_id, [])),
            }
            self.store.log_run(entry)
            logger.info("portal %s: %s", portal_id,
                        ", ".join(f"{k}={entry[k]}" for k in RUN_COUNTERS if entry[k]))
