"""HTML pages of the sample portal: home, the TRS-style column list, detail pages.

Pages are built as ``str`` and encoded by the caller (UTF-8 or GBK). Markup follows what TRS WCM
sites publish: ``<meta name="ArticleTitle">`` and friends in the head, the article in
``div.TRS_Editor``, lists paginated only through ``createPageHTML(...)`` in script, and reports
pasted from Word (``MsoNormal`` paragraphs, labels split over several ``<span>``s, ``&nbsp;`` in
blank cells).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from html import escape

from .generator import Report
from .layout import SECTION_HEADINGS, Cell, TableLayout, tables
from .narrative import SITE_NAME, chinese_date, is_subheading

COLUMN_NAME = "政府信息公开年报"
HOST_OFFICE = "洛阳市涧西区人民政府办公室"

_CHARSET_META = {
    "utf-8": '<meta charset="utf-8">',
    "gbk-meta": '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">',
    "gbk-header": '<meta http-equiv="Content-Type" content="text/html; charset=GBK">',
    "gbk-bare": "",
}

# The pagination script TRS WCM templates print on every list page. Page links exist only once
# this runs; the static HTML holds the page count in the call below the list.
CREATE_PAGE_HTML_JS = """function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt) {
  if (_nPageCount == null || _nPageCount <= 1) { return; }
  var nCurrIndex = _nCurrIndex || 0;
  var first = _sPageName + "." + _sPageExt;
  function pageUrl(i) { return i == 0 ? first : _sPageName + "_" + i + "." + _sPageExt; }
  if (nCurrIndex == 0) {
    document.write("<span class=\\"disabled\\">首页</span><span class=\\"disabled\\">上一页</span>");
  } else {
    document.write("<a href=\\"" + first + "\\">首页</a>");
    document.write("<a href=\\"" + pageUrl(nCurrIndex - 1) + "\\">上一页</a>");
  }
  for (var i = 0; i < _nPageCount; i++) {
    if (i == nCurrIndex) { document.write("<span class=\\"current\\">" + (i + 1) + "</span>"); }
    else { document.write("<a href=\\"" + pageUrl(i) + "\\">" + (i + 1) + "</a>"); }
  }
  if (nCurrIndex == _nPageCount - 1) {
    document.write("<span class=\\"disabled\\">下一页</span><span class=\\"disabled\\">尾页</span>");
  } else {
    document.write("<a href=\\"" + pageUrl(nCurrIndex + 1) + "\\">下一页</a>");
    document.write("<a href=\\"" + pageUrl(_nPageCount - 1) + "\\">尾页</a>");
  }
  document.write("<span class=\\"total\\">共" + _nPageCount + "页</span>");
}"""

STYLESHEET = """body{margin:0;font-family:"Microsoft YaHei",SimSun,sans-serif;font-size:14px;color:#333;background:#f4f6f9}
a{color:#333;text-decoration:none}a:hover{color:#c00}
.header{background:#b40000;color:#fff;padding:18px 40px}.header .logo a{color:#fff;font-size:26px;font-weight:bold}
.nav{list-style:none;margin:10px 0 0;padding:0}.nav li{display:inline-block;margin-right:24px}.nav a{color:#fff}
.location{width:1100px;margin:12px auto;color:#666}
.main{width:1100px;margin:0 auto 30px;background:#fff;padding:24px 40px;box-sizing:border-box}
.list li{list-style:none;border-bottom:1px dashed #ddd;padding:9px 0;overflow:hidden}.list li span{float:right;color:#999}
.page{text-align:center;margin-top:20px}.page a,.page span{margin:0 4px}
.article_title{text-align:center;font-size:24px;color:#b40000}.article_extend{text-align:center;color:#888;border-bottom:1px solid #eee;padding-bottom:10px}
.article_extend span{margin:0 12px}.TRS_Editor{line-height:2;font-size:16px}
.TRS_Editor table{border-collapse:collapse;margin:10px auto}.TRS_Editor td{border:1px solid #000;padding:4px 6px;text-align:center}
.footer{background:#333;color:#ccc;text-align:center;padding:16px 0;font-size:12px}
"""


@dataclass(frozen=True)
class ListEntry:
    title: str
    href: str          # relative to the column's folder: ./YYYYMM/tYYYYMMDD_N.html
    published: datetime


def _attr(text: str) -> str:
    return escape(text, quote=True)


def _shell(*, title: str, charset: str, body: str, meta: dict[str, str] | None = None,
           location: str = "", head_script: str = "") -> str:
    meta_html = "".join(f'\n<meta name="{name}" content="{_attr(value)}">' for name, value in (meta or {}).items())
    charset_meta = _CHARSET_META[charset]
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
{charset_meta}
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="SiteName" content="{SITE_NAME}">
<meta name="SiteIDCode" content="4103050001">{meta_html}
<title>{escape(title)}</title>
<link rel="stylesheet" type="text/css" href="/images/common.css">{head_script}
</head>
<body>
<div class="header">
  <div class="logo"><a href="/">{SITE_NAME}</a></div>
  <ul class="nav">
    <li><a href="/">首页</a></li>
    <li><a href="/zwgk/ndbg/index.html">政府信息公开年报</a></li>
  </ul>
</div>
<div class="location">当前位置：<a href="/">首页</a> &gt; <span>政务公开</span>{location}</div>
<div class="main">
{body}
</div>
<div class="footer">
  <p>主办：{HOST_OFFICE}　承办：涧西区政务服务和大数据管理中心</p>
  <p>网站标识码：4103050001　豫ICP备05000000号</p>
  <p>本站为 gongkai 项目的示例门户：除2019年区政府报告外，内容均为生成的示例数据。</p>
</div>
</body>
</html>
"""


# ---------------------------------------------------------------- home and list

def home_page(column_path: str) -> str:
    body = f"""<div class="home">
<h2>政务公开</h2>
<ul class="list">
  <li><a href="{column_path}">政府信息公开年报</a></li>
</ul>
<p>政府信息公开工作年度报告按年度发布，历年报告见“<a href="{column_path}">政府信息公开年报</a>”栏目。</p>
</div>"""
    return _shell(title=SITE_NAME, charset="utf-8", body=body, meta={"ColumnName": "首页"})


def list_page(entries: list[ListEntry], page_index: int, page_count: int) -> str:
    items = "\n".join(
        f'  <li><a href="{_attr(e.href)}" target="_blank" title="{_attr(e.title)}">{escape(e.title)}</a>'
        f'<span>{e.published:%Y-%m-%d}</span></li>'
        for e in entries
    )
    body = f"""<div class="column_title"><h2>{COLUMN_NAME}</h2></div>
<ul class="list">
{items}
</ul>
<div class="page">
<script>createPageHTML({page_count}, {page_index}, "index", "html");</script>
</div>"""
    return _shell(title=f"{COLUMN_NAME}_{SITE_NAME}", charset="utf-8", body=body,
                  meta={"ColumnName": COLUMN_NAME, "ColumnType": COLUMN_NAME},
                  location=f' &gt; <a href="./index.html">{COLUMN_NAME}</a>',
                  head_script=f'\n<script type="text/javascript">\n{CREATE_PAGE_HTML_JS}\n</script>')


# ---------------------------------------------------------------- detail pages

def _detail_meta(title: str, published: datetime, source: str, page_url: str) -> dict[str, str]:
    return {"ColumnName": COLUMN_NAME, "ColumnType": COLUMN_NAME, "ArticleTitle": title,
            "PubDate": f"{published:%Y-%m-%d %H:%M}", "ContentSource": source, "Url": page_url}


def _article(title: str, published: datetime, source: str, content: str, extra: str = "") -> str:
    return f"""<div class="article">
<h1 class="article_title">{escape(title)}</h1>
<div class="article_extend"><span class="article_source">来源：{escape(source)}</span><span class="article_time">发布时间：{published:%Y-%m-%d %H:%M}</span><span>【字体：<a href="javascript:void(0)">大</a> <a href="javascript:void(0)">中</a> <a href="javascript:void(0)">小</a>】</span></div>
<div class="TRS_Editor">
{content}
</div>{extra}
<div class="article_tools"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
</div>"""


def _detail_page(title: str, published: datetime, source: str, page_url: str, charset: str, content: str,
                 extra: str = "") -> str:
    return _shell(title=f"{title}_{COLUMN_NAME}_{SITE_NAME}", charset=charset,
                  body=_article(title, published, source, content, extra),
                  meta=_detail_meta(title, published, source, page_url),
                  location=f' &gt; <a href="../index.html">{COLUMN_NAME}</a> &gt; <span>正文</span>')


def news_page(title: str, published: datetime, source: str, paragraphs: tuple[str, ...], page_url: str,
              charset: str) -> str:
    content = "\n".join(f'<p style="text-indent:2em;">{escape(p)}</p>' for p in paragraphs)
    return _detail_page(title, published, source, page_url, charset, content)


def attachment_page(report: Report, page_url: str, charset: str, filename: str, link_text: str) -> str:
    """A short TRS detail page whose report is the linked attachment."""
    content = (f'<p style="text-indent:2em;">现将《{escape(report.title)}》予以公布，全文详见附件。</p>\n'
               f'<p>附件：<a href="./{_attr(filename)}" target="_blank">{escape(link_text)}</a></p>')
    return _detail_page(report.title, report.published, report.issuer, page_url, charset, content)


def report_page(report: Report, page_url: str, charset: str, style: str) -> str:
    """A detail page holding the whole report, tables inline."""
    rng = random.Random(f"html:{report.issuer}:{report.year}")
    writer = _WordWriter(rng) if style == "word" else _PlainWriter()
    content = writer.report(report)
    return _detail_page(report.title, report.published, report.issuer, page_url, charset, content)


class _PlainWriter:
    """Clean markup: plain ``<p>`` and ``<td>`` text."""

    def report(self, report: Report) -> str:
        t2, t3, t4 = tables(report.template, report.cells)
        parts = [self.paragraph(p) for p in report.preface]
        parts.append(self.heading(SECTION_HEADINGS["overview"]))
        parts += [self.paragraph(p) for p in report.overview]
        parts += [self.heading(SECTION_HEADINGS["t2"]), self.table(t2)]
        parts += [self.heading(SECTION_HEADINGS["t3"]), self.table(t3)]
        parts += [self.heading(SECTION_HEADINGS["t4"]), self.table(t4)]
        parts.append(self.heading(SECTION_HEADINGS["problems"]))
        parts += [self.paragraph(p) for p in report.problems]
        parts.append(self.heading(SECTION_HEADINGS["other"]))
        parts += [self.paragraph(p) for p in report.other]
        parts.append(self.signature(report))
        return "\n".join(parts)

    def heading(self, text: str) -> str:
        return f'<p style="text-indent:2em;"><strong>{escape(text)}</strong></p>'

    def paragraph(self, text: str) -> str:
        if is_subheading(text):
            return f'<p style="text-indent:2em;"><strong>{escape(text)}</strong></p>'
        return f'<p style="text-indent:2em;">{escape(text)}</p>'

    def signature(self, report: Report) -> str:
        return (f'<p style="text-align:right;">{escape(report.issuer)}</p>\n'
                f'<p style="text-align:right;">{chinese_date(report.published)}</p>')

    def cell(self, cell: Cell) -> str:
        spans = (f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "") + \
                (f' colspan="{cell.colspan}"' if cell.colspan > 1 else "")
        return f"<td{spans}>{escape(cell.text)}</td>"

    def table(self, layout: TableLayout) -> str:
        rows = "\n".join("<tr>" + "".join(self.cell(c) for c in row) + "</tr>" for row in layout.rows)
        return f'<table border="1" cellspacing="0" cellpadding="0" width="100%">\n<tbody>\n{rows}\n</tbody>\n</table>'


class _WordWriter(_PlainWriter):
    """Markup as Word pastes it into a TRS editor: MsoNormal paragraphs, styled spans, text split
    over several spans (never with whitespace between them), ``&nbsp;`` in blank cells."""

    FONT = "font-family:仿宋_GB2312;font-size:16.0pt"
    CELL_FONT = "font-family:仿宋_GB2312;font-size:10.5pt;mso-font-kerning:0.0000pt"

    def __init__(self, rng: random.Random):
        self.rng = rng

    def _spans(self, text: str, style: str) -> str:
        if len(text) > 3 and self.rng.random() < 0.5:
            cut = sorted(self.rng.sample(range(1, len(text)), k=min(2, len(text) - 1)))
            pieces = [text[i:j] for i, j in zip([0] + cut, cut + [len(text)])]
        else:
            pieces = [text]
        return "".join(f'<span style="{style};">{escape(p)}</span>' for p in pieces)

    def heading(self, text: str) -> str:
        return (f'<p class="MsoNormal" style="text-indent:32.0pt;line-height:28.0pt;">'
                f'<span style="font-family:黑体;font-size:16.0pt;">{escape(text)}</span><o:p></o:p></p>')

    def paragraph(self, text: str) -> str:
        font = "font-family:楷体_GB2312;font-size:16.0pt" if is_subheading(text) else self.FONT
        return (f'<p class="MsoNormal" style="text-indent:32.0pt;line-height:28.0pt;">'
                f'{self._spans(text, font)}<o:p></o:p></p>')

    def report(self, report: Report) -> str:
        title = (f'<p class="MsoNormal" align="center" style="text-align:center;line-height:28.0pt;">'
                 f'<span style="font-family:方正小标宋简体;font-size:22.0pt;">{escape(report.title)}</span></p>')
        return title + "\n" + super().report(report)

    def cell(self, cell: Cell) -> str:
        spans = (f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "") + \
                (f' colspan="{cell.colspan}"' if cell.colspan > 1 else "")
        style = ('border:solid windowtext 1.0pt;mso-border-alt:solid windowtext .5pt;'
                 'padding:0cm 5.4pt 0cm 5.4pt')
        if cell.is_value:
            inner = (f'<span lang="EN-US" style="{self.CELL_FONT};">{escape(cell.text)}</span>' if cell.text
                     else f'<span lang="EN-US" style="{self.CELL_FONT};">&nbsp;</span>')
        else:
            inner = self._spans(cell.text, self.CELL_FONT)
        return (f'<td valign="center"{spans} style="{style};"><p class="MsoNormal" align="center" '
                f'style="text-align:center;">{inner}<o:p></o:p></p></td>')

    def table(self, layout: TableLayout) -> str:
        rows = "\n".join('<tr style="height:19.85pt;">' + "".join(self.cell(c) for c in row) + "</tr>"
                         for row in layout.rows)
        return ('<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" '
                'style="border-collapse:collapse;border:none;mso-border-alt:solid windowtext .5pt;'
                'mso-padding-alt:0cm 5.4pt 0cm 5.4pt;">\n<tbody>\n' + rows + "\n</tbody>\n</table>")
