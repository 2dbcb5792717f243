"""`export_warc`: the raw archive as standard WARC records that warcio reads back unchanged."""
from __future__ import annotations

import hashlib

import pytest
from click.testing import CliRunner
from mutable_site import REPORT, MutableSite, list_page, report_page
from warcio.archiveiterator import ArchiveIterator

from gongkai.cli import main
from gongkai.crawler.run import crawl
from gongkai.crawler.store import RawStore
from gongkai.crawler.warc import export_warc, sha256_payload_digest


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("warc")
    data = tmp / "data"
    with MutableSite(conditional=False) as site:   # ignores validators: the second crawl gets 200s
        site.set("/ndbg/index.html", list_page([("./t20210121_1.html", REPORT.format(year=2020))]))
        site.set("/ndbg/t20210121_1.html", report_page(REPORT.format(year=2020), "./P01.pdf"))
        site.set("/ndbg/P01.pdf", b"%PDF-1.4 version 1\n%%EOF", "application/pdf")
        portals = tmp / "portals.yaml"
        portals.write_text(site.portals_yaml(), encoding="utf-8")
        crawl(portals, data, delay=0)
        site.set("/ndbg/P01.pdf", b"%PDF-1.4 version 2\n%%EOF", "application/pdf")
        crawl(portals, data, delay=0)
    return data


def _records(path):
    with open(path, "rb") as f:
        for record in ArchiveIterator(f, check_digests="raise"):
            yield record, record.content_stream().read() if record.rec_type == "response" else b""


def test_responses_carry_the_original_bytes_headers_uri_and_date(archive, tmp_path):
    out = tmp_path / "out.warc.gz"
    counts = export_warc(archive, out)
    store = RawStore(archive)
    stored = [f for f in store.fetches() if f["outcome"] == "stored"]
    distinct = {(f["url"], f["sha256"]) for f in stored}
    assert counts == {"response": len(distinct), "revisit": len(stored) - len(distinct), "missing": 0}
    assert counts["revisit"] == 2      # list page and report page came again unchanged

    by_key = {(f["url"], f["sha256"]): f for f in reversed(stored)}   # first capture of each
    seen = set()
    records = list(_records(out))
    assert records[0][0].rec_type == "warcinfo"
    for record, payload in records[1:]:
        uri = record.rec_headers.get_header("WARC-Target-URI")
        if record.rec_type == "revisit":
            assert record.rec_headers.get_header("WARC-Refers-To-Target-URI") == uri
            continue
        assert record.rec_type == "response"
        sha = hashlib.sha256(payload).hexdigest()
        assert (uri, sha) in by_key and sha in store and store.read(sha) == payload
        assert record.rec_headers.get_header("WARC-Payload-Digest") == sha256_payload_digest(sha)
        entry = by_key[(uri, sha)]
        assert record.rec_headers.get_header("WARC-Date") == entry["fetched_at"].split(".")[0] + "Z"
        assert record.http_headers.get_statuscode() == "200"
        assert record.http_headers.get_header("ETag") == entry["headers"]["etag"]
        assert record.http_headers.get_header("Content-Type") == entry["headers"]["content-type"]
        assert int(record.http_headers.get_header("Content-Length")) == len(payload)
        seen.add((uri, sha))
    assert seen == set(by_key)
    pdfs = [p for r, p in records if r.rec_headers.get_header("WARC-Target-URI", "").endswith("P01.pdf")]
    assert sorted(pdfs) == [b"%PDF-1.4 version 1\n%%EOF", b"%PDF-1.4 version 2\n%%EOF"]   # both versions


def test_export_warc_command(archive, tmp_path):
    out = tmp_path / "cli.warc.gz"
    result = CliRunner().invoke(main, ["export-warc", "--data", str(archive), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "response" in result.output and out.stat().st_size > 0
    assert sum(1 for r, _ in _records(out) if r.rec_type == "response") == 4
