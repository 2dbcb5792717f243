"""Export the raw archive as a standard WARC file (ISO 28500, WARC/1.0, gzip per record) via warcio.

    from gongkai.crawler.warc import export_warc
    counts = export_warc("DATA", "archive.warc.gz")   # {"response": n, "revisit": m}

One `response` record per distinct (URL, body) stored in `raw/fetches.jsonl`, oldest first:
`WARC-Target-URI` (the URL fetched, after redirects), `WARC-Date` (the fetch time), the original
HTTP status line and response headers, the original bytes as payload, and
`WARC-Payload-Digest: sha256:<base32>` (the archive's sha256 of the body; warcio adds the
`WARC-Block-Digest`). A URL stored again with the same body (a server that ignores validators)
becomes a `revisit` record (identical-payload-digest profile) pointing at the first capture,
not a second copy. Pages that never had a stored body (304, 404, blocked, errors) are left out.

Headers describe the bytes as received: Scrapy has already undone any `Content-Encoding` and
chunked `Transfer-Encoding`, so those two headers are dropped and `Content-Length` is set to
the stored body's length (the originals are kept as `X-Gongkai-Orig-…`), as WARC readers expect.
"""
from __future__ import annotations

import base64
import os
from http import HTTPStatus
from pathlib import Path

from .store import RawStore

_REWRITTEN = ("content-encoding", "transfer-encoding", "content-length")


def sha256_payload_digest(sha256_hex: str) -> str:
    """`sha256:<base32>`, the WARC-Payload-Digest spelling of a hex sha256."""
    return "sha256:" + base64.b32encode(bytes.fromhex(sha256_hex)).decode("ascii")


def _warc_date(fetched_at: str | None) -> str | None:
    """`2024-03-31T08:15:02.123Z` → `2024-03-31T08:15:02Z` (WARC/1.0 allows seconds only)."""
    if not fetched_at:
        return None
    return fetched_at.split(".")[0].rstrip("Z") + "Z"


def _http_headers(entry: dict, length: int) -> list[tuple[str, str]]:
    headers = []
    for name, value in (entry.get("headers") or {}).items():
        if name.lower() in _REWRITTEN:
            if name.lower() != "content-length":
                headers.append((f"X-Gongkai-Orig-{name.title()}", str(value)))
            continue
        headers.append((name.title() if name.islower() else name, str(value)))
    if not any(n.lower() == "content-type" for n, _ in headers) and entry.get("content_type"):
        headers.append(("Content-Type", entry["content_type"]))
    headers.append(("Content-Length", str(length)))
    return headers


def _status_line(status: int | None) -> str:
    status = status or 200
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    return f"{status} {reason}".strip()


def export_warc(data_dir: str | os.PathLike, output: str | os.PathLike, *, portals: set[str] | None = None) -> dict:
    """Write every stored fetch of DATA/raw (of `portals`, if given) to `output` as WARC records.

    Returns counts: `{"response": n, "revisit": m, "missing": k}` (`missing`: log lines whose object
    is not in the archive, skipped). The file is written under a temporary name and renamed.
    """
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    store = RawStore(data_dir)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    counts = {"response": 0, "revisit": 0, "missing": 0}
    first: dict[tuple[str, str], tuple[str, str | None]] = {}   # (url, sha) → (record id, date)
    try:
        with open(tmp, "wb") as f:
            writer = WARCWriter(f, gzip=True)
            writer.write_record(writer.create_warcinfo_record(output.name, {
                "software": "gongkai (warcio)",
                "format": "WARC File Format 1.0",
                "description": "government information-disclosure annual reports: raw archive export",
            }))
            for entry in store.fetches():
                sha, url = entry.get("sha256"), entry.get("url")
                if entry.get("outcome") != "stored" or not sha or not url:
                    continue
                if portals is not None and entry.get("portal") not in portals:
                    continue
                if sha not in store:
                    counts["missing"] += 1
                    continue
                date = _warc_date(entry.get("fetched_at"))
                size = store.path(sha).stat().st_size
                http = StatusAndHeaders(_status_line(entry.get("status")), _http_headers(entry, size),
                                        protocol="HTTP/1.1")
                warc_headers = {"WARC-Payload-Digest": sha256_payload_digest(sha)}
                if date:
                    warc_headers["WARC-Date"] = date
                if (url, sha) in first:
                    refers_id, refers_date = first[(url, sha)]
                    extra = {"WARC-Refers-To": refers_id, **({"WARC-Date": date} if date else {})}
                    record = writer.create_revisit_record(url, sha256_payload_digest(sha), url, refers_date,
                                                          http_headers=http, warc_headers_dict=extra)
                    writer.write_record(record)
                    counts["revisit"] += 1
                    continue
                with store.open(sha) as body:
                    record = writer.create_warc_record(url, "response", payload=body, length=size,
                                                       http_headers=http, warc_headers_dict=warc_headers)
                    writer.write_record(record)
                first[(url, sha)] = (record.rec_headers.get_header("WARC-Record-ID"), date)
                counts["response"] += 1
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return counts
