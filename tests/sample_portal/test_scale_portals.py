"""The scale generator (`gongkai sample-portal --portals N --reports M`): deterministic pages made
on request, every report reachable from its portal's column, the truth streamed."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from collections import Counter

import pytest
import yaml

from gongkai.pipelines.extract import extract_bytes
from gongkai.sample_portal.network import FAMILIES
from gongkai.sample_portal.scale import MAX_PORTALS, ScaleNetwork, item_kind, report_position, start_scale
from processes import stop


def test_reports_are_spread_over_the_portals_and_families():
    net = ScaleNetwork(7, 1003, "http://127.0.0.1:1")
    counts = [net.portal(i).reports for i in range(7)]
    assert sum(counts) == 1003 and max(counts) - min(counts) <= 1
    assert [net.portal(i).family for i in range(5)] == list(FAMILIES)
    assert len({net.portal(i).place for i in range(7)}) == 7
    entries = yaml.safe_load(net.portals_yaml())["portals"]
    assert [e["id"] for e in entries] == [f"scale-{i:05d}" for i in range(7)]


def test_column_positions_and_reports_map_both_ways():
    kinds = [item_kind(j) for j in range(100)]
    reports = [n for kind, n in kinds if kind == "report"]
    assert reports == list(range(len(reports)))
    assert all(report_position(k) == j for j, (kind, k) in enumerate(kinds) if kind == "report")
    assert sum(kind == "news" for kind, _ in kinds) == 5


def test_pages_are_the_same_bytes_every_time():
    first, again = ScaleNetwork(5, 200, "http://h:1"), ScaleNetwork(5, 200, "http://h:1")
    for item in list(first.truth())[::17]:
        path = item["page_url"][len("http://h:1"):]
        assert first.respond(path).body == again.respond(path).body


def test_every_report_is_listed_by_its_column_and_served():
    """Walk each family's lists as the crawler would see them (hrefs resolved) and fetch every
    truth document: each is linked once from its column and answers 200."""
    from urllib.parse import urljoin

    net = ScaleNetwork(5, 250, "http://h:1")
    linked: Counter[str] = Counter()
    for i in range(5):
        p = net.portal(i)
        column = net.column_path(p)
        paths = [column]
        if p.family == "trs":
            paths += [column.replace("index.html", f"index_{n}.html") for n in range(1, net._pages(p))]
        elif p.family == "pageparam":
            paths += [f"{column}?page={n}" for n in range(2, net._pages(p) + 1)]
        elif p.family == "shtml":
            paths += [f"{column}index_{n}.shtml" for n in range(1, net._pages(p))]
        elif p.family == "hanweb":
            paths = [f"{p.prefix}/hanweb/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord={p.items}"]
        for path in paths:
            page = net.respond(path)
            assert page is not None and page.status == 200, path
            html = page.body.decode("gbk" if "GBK" in page.content_type or p.family == "plain" else "utf-8")
            for href in re.findall(r'href="([^"]+)"', html):
                linked[urljoin("http://h:1" + path, href)] += 1
    for item in net.truth():
        assert linked[item["page_url"]] == 1, item["page_url"]
        for url in {item["page_url"], item["document_url"]}:
            assert net.respond(url[len("http://h:1"):]).status == 200
    assert net.respond("/s00000/trs/ndbg/index_99.html") is None
    assert net.respond("/s00009/trs/ndbg/index.html") is None      # no such portal
    assert net.respond("/s00000/trs/ndbg/202503/t20250328_199999.html") is None


def test_the_truth_is_what_the_documents_print():
    net = ScaleNetwork(5, 600, "http://h:1")
    items = list(net.truth())
    formats = Counter(item["format"] for item in items)
    assert formats["html"] > 0 and formats["pdf"] > 0, formats
    for item in [i for i in items if i["format"] != "html"][:2] + items[:: 97]:
        body = net.respond(item["document_url"][len("http://h:1"):]).body
        record = extract_bytes(body)
        assert (record["issuer"], record["year"]) == (item["issuer"], item["year"])
        assert record["cells"] == item["cells"], item["title"]


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError, match="one report per portal"):
        ScaleNetwork(10, 5, "http://h:1")
    with pytest.raises(ValueError, match="at most"):
        ScaleNetwork(MAX_PORTALS + 1, MAX_PORTALS + 1, "http://h:1")


def test_served_over_http_with_validators():
    with start_scale(3, 30) as served:
        url = served.base_url + served.network.column_path(served.network.portal(0))
        with urllib.request.urlopen(url, timeout=10) as r:
            etag = r.headers["ETag"]
            assert r.status == 200 and etag
        request = urllib.request.Request(url, headers={"If-None-Match": etag})
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(request, timeout=10)
        assert e.value.code == 304


def test_cli_writes_the_truth_and_the_portals(tmp_path):
    truth, portals = tmp_path / "truth.jsonl", tmp_path / "portals.yaml"
    proc = subprocess.Popen([sys.executable, "-m", "gongkai.cli", "sample-portal", "--port", "0", "--portals", "4",
                             "--reports", "40", "--truth-out", str(truth), "--portals-out", str(portals)],
                            stdout=subprocess.PIPE, text=True)
    try:
        for line in proc.stdout:
            if "sample portals with 40 reports at http://127.0.0.1:" in line:
                break
        else:
            pytest.fail("the server did not start")
        lines = [json.loads(line) for line in truth.read_text(encoding="utf-8").splitlines()]
        assert len(lines) == 40 and len(yaml.safe_load(portals.read_text(encoding="utf-8"))["portals"]) == 4
    finally:
        stop(proc)


def test_cli_refuses_reports_without_portals():
    r = subprocess.run([sys.executable, "-m", "gongkai.cli", "sample-portal", "--reports", "40"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "--reports and --truth-out need --portals" in r.stderr
