"""Serve the sample portal over HTTP from memory (stdlib ``ThreadingHTTPServer``).

Behaves like the nginx in front of a TRS site: Content-Type as configured per page (GBK pages
sometimes without charset), ``Last-Modified`` and ``ETag`` on every resource, 304 for matching
``If-None-Match`` / ``If-Modified-Since``, 404 elsewhere, ``/`` and ``…/`` served as ``index.html``.
The port is bound before the site is built, because every absolute URL depends on it.
"""
from __future__ import annotations

import sys
import threading
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .site import Resource, Site, build_site


class _Handler(BaseHTTPRequestHandler):
    server: "_PortalServer"
    server_version = "nginx"
    protocol_version = "HTTP/1.1"
    timeout = 60  # seconds an idle keep-alive connection may hold a thread
    # TCP_NODELAY: headers and body are separate writes; with Nagle and the client's delayed ACKs
    # every keep-alive response would stall ~40 ms.
    disable_nagle_algorithm = True

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - signature of the base class
        if self.server.log_requests:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def _resolve(self) -> Resource | None:
        path = unquote(urlsplit(self.path).path) or "/"
        if path.endswith("/"):
            path += "index.html"
        site = self.server.site
        return site.resources.get(path) if site is not None else None

    def _not_modified(self, resource: Resource) -> bool:
        etag = resource.headers.get("ETag")
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
            return "*" in tags or (etag is not None and etag in tags)
        if_modified_since = self.headers.get("If-Modified-Since")
        last_modified = resource.headers.get("Last-Modified")
        if if_modified_since and last_modified:
            try:
                return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(if_modified_since)
            except (TypeError, ValueError):
                return False
        return False

    def _respond(self, with_body: bool) -> None:
        resource = self._resolve()
        if resource is None:
            body = b"<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center>" \
                   b"<hr><center>nginx</center></body></html>"
            self.send_response(HTTPStatus.NOT_FOUND)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if with_body:
                self.wfile.write(body)
            return
        if self._not_modified(resource):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            for name, value in resource.headers.items():
                self.send_header(name, value)
            self.end_headers()
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", resource.content_type)
        self.send_header("Content-Length", str(len(resource.body)))
        for name, value in resource.headers.items():
            self.send_header(name, value)
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if with_body:
            self.wfile.write(resource.body)

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._respond(with_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(with_body=False)


class _PortalServer(ThreadingHTTPServer):
    daemon_threads = True
    site: Site | None = None
    log_requests = False


class SamplePortal:
    """A running sample portal. Use as a context manager, or call ``stop()``."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1", *, log_requests: bool = False,
                 include_seed: bool = True):
        self._server = _PortalServer((host, port), _Handler)
        self._server.log_requests = log_requests
        self.host = host
        self.port: int = self._server.server_address[1]
        self.base_url = f"http://{host}:{self.port}"
        try:
            self.site: Site = build_site(self.base_url, include_seed=include_seed)
        except BaseException:
            self._server.server_close()
            raise
        self._server.site = self.site
        self._thread: threading.Thread | None = None

    @property
    def column_url(self) -> str:
        return self.site.column_url

    def start(self) -> "SamplePortal":
        if self._thread is None:
            self._thread = threading.Thread(target=self._server.serve_forever, name=f"sample-portal-{self.port}",
                                            daemon=True)
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted."""
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> "SamplePortal":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def start(port: int = 0, host: str = "127.0.0.1", *, include_seed: bool = True) -> SamplePortal:
    """Bind ``host:port`` (0 = a free port), build the site for that address and serve it from a
    daemon thread."""
    return SamplePortal(port, host, include_seed=include_seed).start()


def serve_forever(port: int, portals_out: str | None = None, host: str = "127.0.0.1", *,
                  log_requests: bool = False) -> None:
    """Serve the sample portal until Ctrl-C, printing its URL (and writing the portals YAML)."""
    portal = SamplePortal(port, host, log_requests=log_requests)
    print(f"Sample portal at {portal.base_url}/  (annual-report column: {portal.column_url})", flush=True)
    if portals_out:
        Path(portals_out).write_text(portal.site.portals_yaml(), encoding="utf-8")
        print(f"Portals YAML written to {portals_out}", flush=True)
    try:
        portal.serve_forever()
    except KeyboardInterrupt:
        print("Stopped.", flush=True)
