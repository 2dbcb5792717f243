"""The running portal: bytes as built, validators and 304s, 404s, robots, and a clean stop."""
from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest
import yaml

from gongkai.sample_portal import start


def _get(portal, path: str, method: str = "GET", headers: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", portal.port, timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_urls_use_the_bound_port(portal):
    assert portal.port > 0
    assert portal.base_url == f"http://127.0.0.1:{portal.port}"
    assert portal.site.column_url == f"{portal.base_url}/zwgk/ndbg/index.html"
    assert all(item["page_url"].startswith(portal.base_url + "/") for item in portal.site.truth)
    assert yaml.safe_load(portal.site.portals_yaml())["portals"][0]["url"] == portal.site.column_url


def test_serves_every_resource_as_built(portal):
    for path, resource in portal.site.resources.items():
        status, headers, body = _get(portal, path)
        assert status == 200, path
        assert body == resource.body, path
        assert headers["content-type"] == resource.content_type
        assert headers["etag"] == resource.headers["ETag"]
        assert headers["last-modified"] == resource.headers["Last-Modified"]


def test_home_and_directory_paths_serve_index_html(portal):
    status, _, body = _get(portal, "/")
    assert status == 200 and b"/zwgk/ndbg/index.html" in body
    status, _, body = _get(portal, "/zwgk/ndbg/")
    assert status == 200 and body == portal.site.resources["/zwgk/ndbg/index.html"].body
    status, _, _ = _get(portal, "/zwgk/ndbg/index.html?page=1")
    assert status == 200


def test_gbk_pages_are_served_without_charset_where_configured(portal):
    bare = [i for i in portal.site.truth if i["page_encoding"] == "gbk-bare"]
    assert bare
    status, headers, body = _get(portal, urlsplit(bare[0]["page_url"]).path)
    assert status == 200 and headers["content-type"] == "text/html"
    assert bare[0]["title"] in body.decode("gb18030")


def test_conditional_requests_get_304(portal):
    path = urlsplit(portal.site.reports[0]["document_url"]).path
    resource = portal.site.resources[path]
    status, headers, body = _get(portal, path, headers={"If-None-Match": resource.headers["ETag"]})
    assert status == 304 and body == b"" and headers["etag"] == resource.headers["ETag"]
    status, _, body = _get(portal, path, headers={"If-Modified-Since": resource.headers["Last-Modified"]})
    assert status == 304 and body == b""
    status, _, _ = _get(portal, path, headers={"If-Modified-Since": "Mon, 01 Jan 2018 00:00:00 GMT"})
    assert status == 200
    status, _, _ = _get(portal, path, headers={"If-None-Match": '"stale-0"',
                                               "If-Modified-Since": resource.headers["Last-Modified"]})
    assert status == 200  # If-None-Match wins over If-Modified-Since


def test_unknown_paths_are_404_and_head_has_no_body(portal):
    for path in ("/zwgk/ndbg/index_4.html", "/nope", "/zwgk/ndbg/202001/t20200101_1.html"):
        status, _, _ = _get(portal, path)
        assert status == 404, path
    status, headers, body = _get(portal, "/zwgk/ndbg/index.html", method="HEAD")
    assert status == 200 and body == b""
    assert int(headers["content-length"]) == len(portal.site.resources["/zwgk/ndbg/index.html"].body)


def test_robots_allows_the_site(portal):
    status, headers, body = _get(portal, "/robots.txt")
    assert status == 200 and headers["content-type"].startswith("text/plain")
    assert b"Allow: /" in body and b"Disallow: /\n" not in body


def test_stop_closes_the_port():
    portal = start(port=0)
    port = portal.port
    assert _get(portal, "/robots.txt")[0] == 200
    portal.stop()
    with pytest.raises(OSError):
        http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/robots.txt")
