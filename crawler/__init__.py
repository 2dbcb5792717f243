"""gongkai.crawler: find the annual reports on government portals and keep the originals.

    from gongkai.crawler import crawl, RawStore, load_portals
    stats = crawl("portals.yaml", "DATA", delay=0.05)   # Scrapy in a subprocess; per-portal stats
    for fetch in RawStore("DATA").fetches(): ...          # the fetch log (docs/architecture.md)

Scrapy is imported only inside the crawl subprocess (`python -m gongkai.crawler.run`), never by
importing this package.
"""
from .portals import Portal, PortalConfigError, load_portals
from .run import CrawlError, crawl
from .store import RawStore

__all__ = ["CrawlError", "Portal", "PortalConfigError", "RawStore", "crawl", "load_portals"]
