"""The crawler's platform knowledge (`gongkai.crawler.discovery`) on frozen portal pages."""
from __future__ import annotations

from pathlib import Path

import pytest

from gongkai.crawler import discovery as d

FIXTURES = Path(__file__).parent / "fixtures"
SITE = FIXTURES / "site"
BASE = "http://www.jianxi.gov.cn"


def page(path: str) -> str:
    """A fixture page decoded the way the spider decodes it (no charset from the header)."""
    return d.decode_html((SITE / path).read_bytes(), "text/html")


# ── encodings ─────────────────────────────────────────────────────────────────────────────────

def test_gbk_page_declared_in_meta_only_is_decoded():
    body = (SITE / "zwgk/ndbg/202003/t20200320_101.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert d.declared_encoding(body) == "gb18030"  # gb2312 widened
    text = d.decode_html(body, "text/html")
    assert "涧西区2019年政府信息公开工作年度报告" in text
    assert "镕、堃、喆" in text  # outside GB2312: only a GB18030 decode keeps them


def test_gbk_page_declaring_nothing_with_a_wrong_header_is_decoded():
    body = (SITE / "zwgk/ndbg/202001/t20200115_102.html").read_bytes()
    assert d.declared_encoding(body) is None
    assert "区长主持召开区政府常务会议" in d.decode_html(body, "text/html; charset=utf-8")


def test_meta_that_lies_is_overruled_by_the_bytes():
    body = '<html><head><meta charset="utf-8"><title>年度报告</title></head></html>'.encode("gbk")
    assert "年度报告" in d.decode_html(body)


def test_utf8_and_bom():
    assert d.decode_html("<p>政务公开</p>".encode()) == "<p>政务公开</p>"
    assert d.decode_html(b"\xef\xbb\xbf<p>" + "年报".encode() + b"</p>") == "<p>年报</p>"


def test_normalize_encoding():
    assert d.normalize_encoding("GB2312") == "gb18030"
    assert d.normalize_encoding("gbk") == "gb18030"
    assert d.normalize_encoding("UTF8") == "utf-8"
    assert d.normalize_encoding("no-such-charset") is None


# ── pagination ────────────────────────────────────────────────────────────────────────────────

def test_trs_create_page_html_with_variables_and_no_static_links():
    html = page("zwgk/ndbg/index.html")
    assert "index_1.html" not in html  # the later pages exist only in script
    p = d.pagination(html, f"{BASE}/zwgk/ndbg/index.html")
    assert p.source == "createPageHTML"
    assert p.total_pages == 3
    assert p.urls == [f"{BASE}/zwgk/ndbg/index_1.html", f"{BASE}/zwgk/ndbg/index_2.html"]


def test_trs_create_page_html_from_a_later_page_and_a_directory_url():
    html = page("zwgk/ndbg/index_1.html")
    assert d.pagination_urls(html, f"{BASE}/zwgk/ndbg/index_1.html") == [
        f"{BASE}/zwgk/ndbg/index.html", f"{BASE}/zwgk/ndbg/index_2.html"]
    # the directory URL is page 0 itself
    assert d.pagination_urls(page("zwgk/ndbg/index.html"), f"{BASE}/zwgk/ndbg/") == [
        f"{BASE}/zwgk/ndbg/index_1.html", f"{BASE}/zwgk/ndbg/index_2.html"]


@pytest.mark.parametrize("ext", ["htm", "shtml"])
def test_create_page_html_literal_arguments_other_extensions(ext):
    html = f"""<script>
    function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt) {{ /* … */ }}
    </script><div><script>createPageHTML(4, 0,'index', '{ext}');</script></div>"""
    p = d.pagination(html, f"{BASE}/col/index.{ext}")
    assert p.urls == [f"{BASE}/col/index_{k}.{ext}" for k in (1, 2, 3)]


def test_create_page_html_page_div_variant_is_one_based():
    html = "<div id='page_div'></div><script>createPageHTML('page_div',4, 1,'fg','shtml',89);</script>"
    p = d.pagination(html, f"{BASE}/csrc/c106256/fg.shtml")
    assert p.source == "createPageHTML" and p.total_pages == 4
    assert p.urls == [f"{BASE}/csrc/c106256/fg_{k}.shtml" for k in (2, 3, 4)]
    assert d.pagination_urls(html.replace(", 1,", ", 3,"), f"{BASE}/csrc/c106256/fg_3.shtml") == [
        f"{BASE}/csrc/c106256/fg.shtml", f"{BASE}/csrc/c106256/fg_2.shtml", f"{BASE}/csrc/c106256/fg_4.shtml"]


def test_single_page_list_says_so_and_needs_no_probe():
    p = d.pagination('<script>createPageHTML(1, 0, "index", "htm");</script>', f"{BASE}/a/index.htm")
    assert p.source == "createPageHTML" and p.urls == [] and p.total_pages == 1


def test_trs_list_model_static_pages():
    html = page("bmxxgk/ndbg/index.shtml")
    p = d.pagination(html, f"{BASE}/bmxxgk/ndbg/index.shtml")
    assert p.source == "listModel"
    assert p.total_pages == 4  # 7 records, 2 a page: page 4 only via the search API
    assert p.urls == [f"{BASE}/bmxxgk/ndbg/index_1.shtml", f"{BASE}/bmxxgk/ndbg/index_2.shtml"]


def test_list_model_static_index_capped_by_record_count():
    html = '<script>listModel({quickMode:"动静结合", maxStaticIndex: 9, pagebar:{prepage:20, recordCount:30}})</script>'
    assert d.pagination_urls(html, f"{BASE}/x/index.html") == [f"{BASE}/x/index_1.html"]


def test_next_page_and_numbered_links():
    html = """<div class="page"><a href="?page=1">1</a><a href="?page=2">2</a><a href="?page=3">3</a>
    <a href="?page=2">下一页</a><a href="javascript:void(0)">尾页</a></div>"""
    p = d.pagination(html, f"{BASE}/list.jsp?page=1")
    assert p.source == "links"
    assert p.urls == [f"{BASE}/list.jsp?page=2", f"{BASE}/list.jsp?page=3"]
    html = '<a href="index_2.shtml">下一页</a>'
    assert d.pagination_urls(html, f"{BASE}/c/index_1.shtml") == [f"{BASE}/c/index_2.shtml"]
    html = '<a href="xlist_2.shtml">2</a><a href="xlist_3.shtml">3</a><a href="t20200101_5.html">5月通报</a>'
    assert d.pagination_urls(html, f"{BASE}/c/xlist.shtml") == [f"{BASE}/c/xlist_2.shtml", f"{BASE}/c/xlist_3.shtml"]


def test_silent_page_and_probe_urls():
    assert d.pagination(page("zfxxgk/ndbg/index.htm"), f"{BASE}/zfxxgk/ndbg/").source is None
    assert d.static_index_url(f"{BASE}/zfxxgk/ndbg/", 1) == f"{BASE}/zfxxgk/ndbg/index_1.html"
    assert d.static_index_url(f"{BASE}/zfxxgk/ndbg/", 1, "htm") == f"{BASE}/zfxxgk/ndbg/index_1.htm"
    assert d.static_index_url(f"{BASE}/a/index.shtml", 1) == f"{BASE}/a/index_1.shtml"
    assert d.static_index_url(f"{BASE}/a/index_3.htm", 4) == f"{BASE}/a/index_4.htm"
    assert d.static_index_url(f"{BASE}/a/202001/t20200101_1.html", 1) is None
    assert d.static_index_url(f"{BASE}/list.jsp?page=1", 1) is None


def test_hanweb_jpage_record_groups():
    html = page("col/col123/index.html")
    p = d.pagination(html, f"{BASE}/col/col123/index.html")
    assert p.source == "jpage"
    assert p.total_pages == 3
    assert len(p.urls) == 3
    first = p.urls[0]
    assert first.startswith(f"{BASE}/module/web/jpage/dataproxy.jsp?")
    assert "columnid=123" in first and "unitid=4567" in first
    assert first.endswith("startrecord=1&endrecord=2&perpage=2")
    assert p.urls[2].endswith("startrecord=5&endrecord=5&perpage=2")


# ── detail links ──────────────────────────────────────────────────────────────────────────────

def test_trs_list_links_are_the_list_items_only():
    links = d.list_links(page("zwgk/ndbg/index.html"), f"{BASE}/zwgk/ndbg/index.html")
    assert links == [
        (f"{BASE}/zwgk/ndbg/202103/t20210325_201.html", "涧西区人民政府2020年政府信息公开工作年度报告"),
        (f"{BASE}/zwgk/ndbg/202101/t20210110_202.html", "区政府召开2021年政务公开工作推进会"),
        (f"{BASE}/waf/t20201201_901.html", "区政务服务中心窗口服务情况通报（12月）"),
        (f"{BASE}/waf/t20201202_903.html", "区政务服务中心窗口服务情况通报（11月）"),
        (f"{BASE}/private/t20201120_902.html", "内部资料汇编（2020年11月）"),
    ]


def test_table_list_with_relative_parent_paths():
    links = d.list_links(page("zfxxgk/ndbg/index.htm"), f"{BASE}/zfxxgk/ndbg/")
    assert [u for u, _ in links] == [f"{BASE}/zfxxgk/ndbg/202203/t20220328_601.htm",
                                     f"{BASE}/zfxxgk/ndbg/202203/t20220301_602.htm"]


def test_generic_list_without_article_shaped_urls():
    html = """<html><body>
    <ul class="nav"><li><a href="/about.html">机构概况</a></li><li><a href="/news.html">新闻中心</a></li></ul>
    <div class="content"><ul>
      <li><a href="/docs/report-2021.html">某市财政局2021年政府信息公开工作年度报告</a></li>
      <li><a href="/docs/meeting-notes.html">市财政局召开党组会议传达学习全会精神</a></li>
      <li><a href="https://other.example.com/x.html">外部链接的一篇很长的文章标题</a></li>
    </ul></div>
    <div class="footer"><a href="/sitemap.html">网站地图</a></div></body></html>"""
    assert [u for u, _ in d.list_links(html, f"{BASE}/docs/list.html")] == [
        f"{BASE}/docs/report-2021.html", f"{BASE}/docs/meeting-notes.html"]


def test_list_selector_and_pattern_hints():
    html = page("zwgk/ndbg/index.html")
    url = f"{BASE}/zwgk/ndbg/index.html"
    only_waf = d.list_links(html, url, pattern=r"/waf/")
    assert [u for u, _ in only_waf] == [f"{BASE}/waf/t20201201_901.html", f"{BASE}/waf/t20201202_903.html"]
    assert len(d.list_links(html, url, selector="ul.list")) == 5
    assert d.list_links(html, url, selector="div.side") == []  # a column link and another site


def test_hanweb_records_in_cdata_and_dataproxy_xml():
    links = d.list_links(page("col/col123/index.html"), f"{BASE}/col/col123/index.html")
    assert [u for u, _ in links] == [f"{BASE}/art/2022/3/28/art_123_705.html", f"{BASE}/art/2022/3/1/art_123_704.html"]
    xml = ('<?xml version="1.0" encoding="utf-8"?>\n<datastore><recordset>'
           + (FIXTURES / "hanweb_records.xml").read_text(encoding="utf-8") + "</recordset></datastore>")
    links = d.list_links(xml, f"{BASE}/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=5&perpage=2")
    assert len(links) == 5
    assert links[-1] == (f"{BASE}/art/2020/3/30/art_123_701.html", "涧西区卫生健康委员会2019年政府信息公开工作年度报告")


def test_title_links_and_list_urls():
    html = '<a href="../2019/">2019年政府信息公开工作年度报告</a><a href="/f/年报 .pdf">2019年报</a><a href="http://x.org/">x</a>'
    assert d.title_links(html, f"{BASE}/zwgk/ndbg/index.html") == [
        (f"{BASE}/zwgk/2019/", "2019年政府信息公开工作年度报告"),
        (f"{BASE}/f/%E5%B9%B4%E6%8A%A5%20.pdf", "2019年报")]  # encoded as Scrapy requests it
    assert d.is_list_url(f"{BASE}/zwgk/2019/")
    assert d.is_list_url(f"{BASE}/col/col123/index.html")
    assert not d.is_list_url(f"{BASE}/zwgk/ndbg/202103/t20210325_201.html")


def test_same_site():
    assert d.site_of("http://www.ly.gov.cn/a") == "ly.gov.cn"
    assert d.same_site("http://www.ly.gov.cn/a", "https://xxgk.ly.gov.cn/b")
    assert not d.same_site("http://www.ly.gov.cn/a", "http://www.gov.cn/b")
    assert d.same_site("http://127.0.0.1:8000/a", "http://127.0.0.1:8001/b")


# ── attachments ───────────────────────────────────────────────────────────────────────────────

def test_report_page_links_pdf_and_downfile_docx():
    url = f"{BASE}/zwgk/ndbg/202103/t20210325_201.html"
    assert d.attachment_links(page("zwgk/ndbg/202103/t20210325_201.html"), url) == [
        (f"{BASE}/zwgk/ndbg/202103/P020210325123456789.pdf", "涧西区人民政府2020年政府信息公开工作年度报告.pdf"),
        (f"{BASE}/module/download/downfile.jsp?classid=0&filename=2103251430123.docx",
         "涧西区人民政府2020年政府信息公开工作年度报告（Word版）"),
    ]


def test_attachments_written_by_script_are_found():
    url = f"{BASE}/zwgk/ndbg/201903/t20190328_301.html"
    assert [u for u, _ in d.attachment_links(page("zwgk/ndbg/201903/t20190328_301.html"), url)] == [
        f"{BASE}/zwgk/ndbg/201903/P020190328000009.doc",
        f"{BASE}/module/download/downfile.jsp?classid=1&filename=190328.docx",
    ]


def test_embedded_viewers_and_file_types():
    html = """<iframe src="/pdfjs/web/viewer.html?file=/upload/2021/nb.pdf"></iframe>
    <embed src="files/nb2020.ofd"><a href="/a/b.jpg">图</a><a href="x.wps">WPS</a>"""
    assert [u for u, _ in d.attachment_links(html, f"{BASE}/p/t.html")] == [
        f"{BASE}/p/x.wps", f"{BASE}/upload/2021/nb.pdf", f"{BASE}/p/files/nb2020.ofd"]


def test_is_attachment_url():
    assert d.is_attachment_url(f"{BASE}/a/P0202.PDF")
    assert d.is_attachment_url(f"{BASE}/module/download/downfile.jsp?classid=0&filename=1.docx")
    assert d.is_attachment_url(f"{BASE}/servlet/download.do?id=12")
    assert d.is_attachment_url(f"{BASE}/get?filename=%E5%B9%B4%E6%8A%A5.xlsx")
    assert not d.is_attachment_url(f"{BASE}/a/t20200101_1.html")


# ── titles, file names, content types, outcomes ───────────────────────────────────────────────

def test_page_titles():
    assert d.page_title(page("zwgk/ndbg/202103/t20210325_201.html")) == "涧西区人民政府2020年政府信息公开工作年度报告"
    assert d.page_title(page("zwgk/ndbg/202003/t20200320_101.html")) == "涧西区2019年政府信息公开工作年度报告"
    assert d.page_title(page("zwgk/ndbg/202101/t20210110_202.html")) == "区政府召开2021年政务公开工作推进会"
    # no meta, no usable h1: <title> without the site's name
    assert d.page_title(page("zfxxgk/ndbg/202203/t20220301_602.htm")) == "涧西区2022年政务公开工作要点"
    assert d.page_title("<title>2020年政府信息公开工作年度报告 - 洛阳市财政局</title>") == \
        "2020年政府信息公开工作年度报告 - 洛阳市财政局"
    assert d.page_title("") is None


@pytest.mark.parametrize("header, name", [
    ("attachment; filename*=UTF-8''%E5%B9%B4%E6%8A%A5.pdf", "年报.pdf"),
    ("attachment; filename=\"%C4%EA%B1%A8.docx\"", "年报.docx"),               # GBK, percent-encoded
    ('attachment; filename="年报.pdf"'.encode("gbk"), "年报.pdf"),             # raw GBK bytes
    ('attachment; filename="年报.pdf"'.encode(), "年报.pdf"),                  # raw UTF-8 bytes
    ("attachment; filename=x.pdf; filename*=GBK''%C4%EA%B1%A8.pdf", "年报.pdf"),
    ("attachment; filename==?UTF-8?B?5bm05oqlLnBkZg==?=", "年报.pdf"),
    ('inline; filename="C:\\upload\\a.doc"', "a.doc"),
    ("inline", None),
])
def test_filename_from_content_disposition(header, name):
    assert d.filename_from_content_disposition(header) == name


def test_filename_from_url():
    assert d.filename_from_url(f"{BASE}/a/%E5%B9%B4%E6%8A%A5.pdf") == "年报.pdf"
    assert d.filename_from_url(f"{BASE}/module/download/downfile.jsp?classid=0&filename=2103.docx") == "2103.docx"
    assert d.filename_from_response(None, f"{BASE}/a/P01.pdf") == "P01.pdf"
    assert d.filename_from_response("attachment; filename=b.doc", f"{BASE}/a/P01.pdf") == "b.doc"


def test_sniff_content_type():
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert d.sniff_content_type(b"PK\x03\x04...", "年报.docx", "application/octet-stream") == docx
    assert d.sniff_content_type(b"%PDF-1.7", None, "text/html; charset=gbk") == "application/pdf"
    assert d.sniff_content_type(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", None, None) == "application/x-ole-storage"
    assert d.sniff_content_type(b"  <!DOCTYPE html><html>", None, None) == "text/html"
    assert d.sniff_content_type(b"x", None, "text/html; charset=utf-8") == "text/html"
    assert d.is_html("text/xml", b"<?xml version='1.0'?><datastore/>")
    assert not d.is_html("application/octet-stream", b"%PDF-1.4")


def test_challenge_pages():
    assert d.is_challenge_page((FIXTURES / "challenge.html").read_bytes())
    for path in ("zwgk/ndbg/index.html", "zwgk/ndbg/202103/t20210325_201.html", "col/col123/index.html"):
        assert not d.is_challenge_page((SITE / path).read_bytes()), path
    article = ("<html><body><script>document.cookie='a=1';location.reload()</script>"
               + "<p>正文很长的一段。</p>" * 100 + "</body></html>").encode()
    assert not d.is_challenge_page(article)
    short_report = ("<html><head><script>document.cookie='fontsize=16';location.href=location.href</script></head>"
                    "<body><h1>2020年年报</h1><a href='P0.pdf'>全文</a></body></html>").encode()
    assert not d.is_challenge_page(short_report)
    ruishu = b"<html><head><meta id='9DhefwqGPrzGxEp9hPaoag'><script r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts={};</script></head></html>"
    assert d.is_challenge_page(ruishu)


@pytest.mark.parametrize("status, outcome", [
    (200, "stored"), (206, "stored"), (304, "not_modified"), (404, "gone"), (410, "gone"),
    (403, "blocked"), (412, "blocked"), (521, "blocked"), (500, "error"), (429, "error"),
])
def test_outcome_for_status(status, outcome):
    assert d.outcome_for_status(status) == outcome
