"""The crawler against the sample portal network: one YAML entry per list family (the column URL
only) yields every report and its files and no news file; a second crawl after the site's
version switch marks the withdrawn report gone and keeps both versions of the corrected one."""
from __future__ import annotations

import pytest

from gongkai.crawler.run import crawl
from gongkai.crawler.store import RawStore
from gongkai.sample_portal.network import FAMILIES, start_network

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def network_crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("network")
    data = tmp / "data"
    with start_network() as net:
        portals = tmp / "portals.yaml"
        portals.write_text(net.portals_yaml(), encoding="utf-8")
        first = crawl(portals, data, delay=0, timeout=600)
        truth_1 = list(net.truth)
        fetches_1 = list(RawStore(data).fetches())
        requested = list(net.requested)
        net.switch(2)
        second = crawl(portals, data, delay=0, timeout=600)
        truth_2 = list(net.truth)
    return data, (first, second), (truth_1, truth_2), fetches_1, requested


def test_network_size():
    with start_network() as net:
        assert len(net.network.reports) >= 200
        assert {t["portal"] for t in net.truth} == {f"net-{f}" for f in FAMILIES}


@pytest.mark.parametrize("family", FAMILIES)
def test_every_report_and_file_found_from_the_column_url_alone(network_crawl, family):
    data, (first, _), (truth, _), fetches, requested = network_crawl
    portal = f"net-{family}"
    by_url = {}
    for f in fetches:
        by_url.setdefault(f["url"], f)
    items = [t for t in truth if t["portal"] == portal]
    for item in items:
        page = by_url.get(item["page_url"])
        assert page is not None, f"{family}: not fetched: {item['page_url']} ({item['title']})"
        if item["expect"] == "blocked":
            assert page["outcome"] == "blocked" and page["sha256"] is None
            continue
        assert page["outcome"] == "stored", item["title"]
        assert page["is_report"] is (item["kind"] == "report"), item["title"]
        if page["role"] == "detail" and page["content_type"].startswith("text/html"):
            assert page["title"] == item["title"]        # GBK pages decoded
        for url in item["documents"]:
            assert by_url.get(url, {}).get("outcome") == "stored", f"{family}: {url} ({item['title']})"
        for url in item["broken_attachments"]:
            assert by_url[url]["outcome"] == "gone" and by_url[url]["status"] == 404
        if item.get("news_attachment"):
            path = item["news_attachment"].split("/", 3)[3]
            assert "/" + path not in requested        # a news item's file is never fetched
    reports = [t for t in items if t["kind"] == "report" and t["expect"] == "stored"]
    stats = first[portal]
    assert stats["reports_found"] == len(reports)
    assert stats["exceptions"] == stats["errors"] == 0
    assert stats["blocked"] == sum(1 for t in items if t["expect"] == "blocked")


def test_version_switch_withdrawn_and_changed(network_crawl):
    data, (_, second), (truth_1, truth_2), _, _ = network_crawl
    store = RawStore(data)
    history = store.url_history()
    for family in FAMILIES:
        portal = f"net-{family}"
        [withdrawn] = [t for t in truth_1 if t["portal"] == portal and t["version"] == "withdrawn"]
        [changed] = [t for t in truth_2 if t["portal"] == portal and t["version"] == "changed"]
        for url in withdrawn["documents"]:
            h = history[url]
            assert h.gone_since and len(h.versions) == 1 and h.versions[0].sha256 in store, url
        h = history[changed["page_url"]]
        assert len(h.versions) == 2 and all(v.sha256 in store for v in h.versions), family
        stats = second[portal]
        assert stats["removed"] == len(withdrawn["documents"]), family
        # the hanweb challenge is lifted in version 2: that report is new then
        assert stats["new_reports"] == (1 if family == "hanweb" else 0), family
        assert stats["changed"] >= 2, family   # the corrected page and its list
