"""The bundled sample portal: a deterministic TRS-style district government site to crawl.

    site = build_site("http://127.0.0.1:8765")      # in memory: site.resources, site.truth
    with start() as portal:                         # served on a free port from a daemon thread
        portal.base_url, portal.site.column_url, portal.site.portals_yaml()
    serve_forever(8765, "portals.yaml")             # blocking, for `gongkai sample-portal`

``site.truth`` lists every item of the annual-report column (reports and news) with the numbers
its document prints; tests compare the archive against it.
"""
from .server import SamplePortal, serve_forever, start
from .site import Resource, Site, build_site

__all__ = ["Resource", "SamplePortal", "Site", "build_site", "serve_forever", "start"]
