"""A tiny portal on 127.0.0.1 serving tests/crawler/fixtures/site the way real portals do.

- every page is served as `text/html` *without* a charset (GBK pages rely on their `<meta>`, or
  on nothing); one GBK page even comes with a wrong `charset=utf-8`;
- a directory URL serves its index.html / index.htm / index.shtml; anything missing is a 404;
- `/module/download/downfile.jsp?classid=0|1&filename=…` sends a DOCX with a GBK-percent-encoded
  (classid=0) or RFC 5987 (classid=1) Content-Disposition file name;
- `/module/web/jpage/dataproxy.jsp?startrecord=&endrecord=` answers Hanweb record groups;
- `/waf/…901.html` is a 200 cookie-and-reload challenge page, `/waf/…903.html` an HTTP 412;
- `/robots.txt` disallows `/private/`.

`serve_fixture_site()` yields `(base_url, requested_paths)`.
"""
from __future__ import annotations

import contextlib
import re
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

FIXTURES = Path(__file__).parent / "fixtures"
SITE = FIXTURES / "site"

DOCX_2020_NAME = "涧西区人民政府2020年政府信息公开工作年度报告.docx"
DOCX_2018_NAME = "涧西区2018年政府信息公开工作年度报告.docx"
DOCX_BYTES = {
    "0": b"PK\x03\x04 gongkai crawler fixture: the 2020 report as DOCX",
    "1": b"PK\x03\x04 gongkai crawler fixture: the 2018 report as DOCX",
}
WRONG_CHARSET = {"/zwgk/ndbg/202001/t20200115_102.html"}
CONTENT_TYPES = {".html": "text/html", ".htm": "text/html", ".shtml": "text/html", ".pdf": "application/pdf",
                 ".txt": "text/plain"}


def hanweb_records() -> list[str]:
    text = (FIXTURES / "hanweb_records.xml").read_text(encoding="utf-8")
    return re.findall(r"<record>.*?</record>", text, re.S)


class FixturePortalHandler(BaseHTTPRequestHandler):
    requested: list[str]  # set on the per-server subclass
    server_version = "nginx"
    sys_version = ""

    def log_message(self, format: str, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self.requested.append(self.path)
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        if path == "/module/download/downfile.jsp":
            return self._downfile(query)
        if path == "/module/web/jpage/dataproxy.jsp":
            return self._dataproxy(query)
        if path == "/waf/t20201201_901.html":
            return self._send(200, (FIXTURES / "challenge.html").read_bytes(), "text/html")
        if path == "/waf/t20201202_903.html":
            return self._send(412, (FIXTURES / "challenge.html").read_bytes(), "text/html")
        if path == "/robots.txt":
            return self._send(200, (SITE / "robots.txt").read_bytes(), "text/plain")
        target = (SITE / path.lstrip("/")).resolve()
        if SITE.resolve() not in target.parents and target != SITE.resolve():
            return self._send(404, b"not found", "text/plain")
        if target.is_dir() and not path.endswith("/"):
            return self._send(301, b"", "text/html", {"Location": path + "/"})
        if target.is_dir():
            target = next((target / n for n in ("index.html", "index.htm", "index.shtml")
                           if (target / n).is_file()), target / "index.html")
        if not target.is_file():
            return self._send(404, b"<html><body>404 Not Found</body></html>", "text/html")
        content_type = CONTENT_TYPES.get(target.suffix, "application/octet-stream")
        if path in WRONG_CHARSET:
            content_type += "; charset=utf-8"
        self._send(200, target.read_bytes(), content_type)

    def _downfile(self, query: dict[str, list[str]]) -> None:
        classid = query.get("classid", [""])[0]
        if classid not in DOCX_BYTES:
            return self._send(404, b"not found", "text/plain")
        if classid == "0":
            disposition = 'attachment; filename="' + quote(DOCX_2020_NAME.encode("gbk")) + '"'
        else:
            disposition = "attachment; filename*=UTF-8''" + quote(DOCX_2018_NAME)
        self._send(200, DOCX_BYTES[classid], "application/octet-stream",
                   {"Content-Disposition": disposition})

    def _dataproxy(self, query: dict[str, list[str]]) -> None:
        records = hanweb_records()
        start = int(query.get("startrecord", ["1"])[0])
        end = int(query.get("endrecord", [str(len(records))])[0])
        body = ('<?xml version="1.0" encoding="utf-8"?>\n<datastore><recordset>\n'
                + "\n".join(records[start - 1:end]) + "\n</recordset></datastore>\n")
        self._send(200, body.encode("utf-8"), "text/xml")

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", f'"{len(body):x}-fixture"')
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


@contextlib.contextmanager
def serve_fixture_site() -> Iterator[tuple[str, list[str]]]:
    requested: list[str] = []
    handler = type("Handler", (FixturePortalHandler,), {"requested": requested})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requested
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
