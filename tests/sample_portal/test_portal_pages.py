"""The HTML of the portal: TRS-style lists, detail pages, encodings, and tables a label-based
parser reads back to exactly the truth."""
from __future__ import annotations

import re
from urllib.parse import urljoin

import lxml.html
import pytest

from gongkai.pipelines.cells import cell_specs

from portal_grids import cells_from_grids, html_tables, page_html

SKELETON_LABELS_2021 = (
    "第二十条第（一）项", "信息内容", "本年制发件数", "本年废止件数", "现行有效件数", "规章", "行政规范性文件",
    "第二十条第（五）项", "本年处理决定数量", "行政许可", "第二十条第（六）项", "行政处罚", "行政强制",
    "第二十条第（八）项", "本年收费金额（单位：万元）", "行政事业性收费",
    "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况", "自然人",
    "法人或其他组织", "总计", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他",
    "三、本年度办理结果", "（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理", "（七）总计",
    "行政复议", "行政诉讼", "结果维持", "结果纠正", "其他结果", "尚未审结", "未经复议直接起诉", "复议后起诉",
)


def _list_pages(site):
    return sorted(p for p in site.resources if re.fullmatch(r"/zwgk/ndbg/index(_\d+)?\.html", p))


def test_list_is_paginated_only_through_create_page_html(site):
    pages = _list_pages(site)
    assert pages == ["/zwgk/ndbg/index.html", "/zwgk/ndbg/index_1.html", "/zwgk/ndbg/index_2.html",
                     "/zwgk/ndbg/index_3.html"]
    for index, path in enumerate(["/zwgk/ndbg/index.html"] + [f"/zwgk/ndbg/index_{i}.html" for i in (1, 2, 3)]):
        html = site.resources[path].body.decode("utf-8")
        assert f'createPageHTML(4, {index}, "index", "html");' in html
        assert not re.search(r"index_\d+\.html", html), path
        hrefs = lxml.html.fromstring(html).xpath("//a/@href")
        assert not any("index_" in h for h in hrefs)


def test_every_item_is_listed_once_newest_first_with_news_on_every_page(site):
    listed: list[str] = []
    for path in _list_pages(site):
        page_url = site.base_url + path
        doc = lxml.html.fromstring(site.resources[path].body.decode("utf-8"))
        items = doc.xpath('//ul[@class="list"]/li')
        urls = [urljoin(page_url, li.xpath("./a/@href")[0]) for li in items]
        kinds = {i["page_url"]: i["kind"] for i in site.truth}
        assert {kinds[u] for u in urls} == {"report", "news"}, path
        dates = [li.xpath("./span/text()")[0] for li in items]
        assert dates == sorted(dates, reverse=True)
        for li, url in zip(items, urls):
            assert re.search(r"/zwgk/ndbg/\d{6}/t\d{8}_\d+\.html$", url)
            assert li.xpath("./a/text()")[0] == next(i["title"] for i in site.truth if i["page_url"] == url)
        listed += urls
    assert sorted(listed) == sorted(i["page_url"] for i in site.truth)


def test_home_links_the_column(site):
    doc = lxml.html.fromstring(site.resources["/index.html"].body.decode("utf-8"))
    assert "/zwgk/ndbg/index.html" in doc.xpath("//a/@href")
    assert site.resources["/robots.txt"].body.startswith(b"User-agent: *\nAllow: /")


def test_gbk_pages_are_gbk_and_declare_it_variously(site):
    variants = set()
    for item in site.truth:
        resource = site.resource_for(item["page_url"])
        if item["encoding"] == "utf-8":
            resource.body.decode("utf-8")
            assert resource.content_type == "text/html; charset=utf-8"
            continue
        with pytest.raises(UnicodeDecodeError):
            resource.body.decode("utf-8")
        html = resource.body.decode("gb18030")
        assert item["title"] in html
        meta = re.search(r'<meta[^>]+charset=([\w-]+)', html)
        header = resource.content_type.partition("charset=")[2] or None
        assert header == item["charset_header"]
        variants.add((meta.group(1).lower() if meta else None, header))
    assert (None, None) in variants               # nothing declared anywhere
    assert ("gb2312", None) in variants           # meta only, header without charset
    assert ("gbk", "GBK") in variants             # both
    assert {i["kind"] for i in site.truth if i["encoding"] == "gbk"} == {"report", "news"}


def test_html_report_tables_read_back_by_label(site, reports):
    html_reports = [r for r in reports if r["format"] == "html"]
    for r in html_reports:
        html = page_html(site, r)
        grids = html_tables(html)
        assert len(grids) == 3, r["title"]
        assert cells_from_grids(*grids) == r["cells"], r["title"]


def test_official_labels_and_spans(site, reports):
    r2021 = next(r for r in reports if r["format"] == "html" and r["template"] == "2021")
    html = page_html(site, r2021)
    text = re.sub(r"\s+", "", lxml.html.fromstring(html).text_content())
    for label in SKELETON_LABELS_2021:
        assert label in text, label
    for spec in cell_specs().values():
        if spec.family == "t3" and "2021" in spec.templates:
            assert spec.row_zh.split("/")[-1] in text
    table3 = lxml.html.fromstring(html).xpath("//table")[1]
    spans = {re.sub(r"\s+", "", td.text_content()): (td.get("rowspan"), td.get("colspan"))
             for td in table3.iter("td")}
    assert spans["申请人情况"] == (None, "7")
    assert spans["法人或其他组织"] == (None, "5")
    assert spans["三、本年度办理结果"] == ("22", None)
    assert spans["（三）不予公开"] == ("8", None)
    assert spans["（六）其他处理"] == ("3", None)
    r2019 = next(r for r in reports if r["format"] == "html" and r["template"] == "2019")
    table3 = lxml.html.fromstring(page_html(site, r2019)).xpath("//table")[1]
    spans = {re.sub(r"\s+", "", td.text_content()): (td.get("rowspan"), td.get("colspan")) for td in table3.iter("td")}
    assert spans["三、本年度办理结果"] == ("20", None)
    assert spans["（六）其他处理"] == (None, "2")


def test_detail_pages_carry_trs_metadata(site):
    for item in site.truth:
        html = page_html(site, item)
        doc = lxml.html.fromstring(html)
        assert doc.xpath('//meta[@name="ArticleTitle"]/@content') == [item["title"]]
        assert doc.xpath('//meta[@name="PubDate"]/@content')[0].startswith(item["published"])
        assert doc.xpath('//h1[@class="article_title"]/text()') == [item["title"]]


def test_attachment_pages_are_short_and_link_the_file(site, reports):
    for r in reports:
        if r["format"] == "html":
            continue
        page_url = r["page_url"]
        doc = lxml.html.fromstring(page_html(site, r))
        links = doc.xpath('//div[@class="TRS_Editor"]//a')
        assert len(links) == 1
        assert urljoin(page_url, links[0].get("href")) == r["document_url"]
        assert re.fullmatch(r"\./P0\d{20}\.(pdf|docx)", links[0].get("href"))
        assert links[0].text_content().endswith("." + r["format"])
        assert not doc.xpath("//table")
        assert "全年共收到" not in doc.text_content()
