"""A small portal on 127.0.0.1 whose pages a test changes between crawls.

`MutableSite.pages` maps a path to `(status, body, content_type)`; anything else is a 404. Every
200 carries an `ETag` (hash of the body) and a `Last-Modified`, and a matching `If-None-Match`
gets a 304, like nginx. `delay` slows every response (for kill-and-resume tests);
`conditional=False` makes the server ignore validators (always 200).
"""
from __future__ import annotations

import hashlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REPORT = "涧西区{year}年政府信息公开工作年度报告"


def list_page(links: list[tuple[str, str]]) -> bytes:
    items = "".join(f'<li><a href="{href}" target="_blank">{text}</a><span>2021-01-20</span></li>'
                    for href, text in links)
    return (f'<html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body>'
            f'<ul class="list">{items}</ul></body></html>').encode("utf-8")


def report_page(title: str, attachment: str | None = None, extra: str = "") -> bytes:
    link = f'<p><a href="{attachment}">{title}.pdf</a></p>' if attachment else ""
    return (f'<html><head><meta charset="utf-8"><meta name="ArticleTitle" content="{title}">'
            f'<title>{title}</title></head><body><h1>{title}</h1><div class="content">'
            f'<p>一、总体情况</p>{extra}{link}</div></body></html>').encode("utf-8")


class MutableSite:
    def __init__(self, *, delay: float = 0.0, conditional: bool = True):
        self.pages: dict[str, tuple[int, bytes, str]] = {}
        self.delay = delay
        self.conditional = conditional
        self.requested: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "nginx"

            def log_message(self, format, *args):  # noqa: A002
                pass

            def do_GET(self):  # noqa: N802
                site.requested.append(self.path)
                if site.delay:
                    time.sleep(site.delay)
                page = site.pages.get(self.path)
                if self.path == "/robots.txt":
                    page = (200, b"User-agent: *\nAllow: /\n", "text/plain")
                if page is None:
                    page = (404, b"<html><body>404 Not Found</body></html>", "text/html")
                status, body, content_type = page
                headers = {"Content-Type": content_type}
                if status == 200:
                    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                    headers.update({"ETag": etag, "Last-Modified": "Wed, 20 Jan 2021 01:00:00 GMT"})
                    if site.conditional and self.headers.get("If-None-Match") == etag:
                        self.send_response(304)
                        for k, v in headers.items():
                            self.send_header(k, v)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def set(self, path: str, body: bytes, content_type: str = "text/html; charset=utf-8", status: int = 200):
        self.pages[path] = (status, body, content_type)

    def portals_yaml(self, portal_id: str = "mutable", column: str = "/ndbg/index.html") -> str:
        return f"portals:\n  - id: {portal_id}\n    name: 可变门户\n    url: {self.base}{column}\n"

    def __enter__(self) -> "MutableSite":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
