"""What a portal page says, as pure functions over its HTML: the platform knowledge of the crawler.

No Scrapy here: every function takes decoded HTML (or bytes/headers) and a URL, so each can be
tested on frozen fixtures.

- `decode_html(body, content_type)` — bytes → text: `<meta>`/XML declaration first, then UTF-8,
  the header's charset, gb18030, a sniffer (GBK pages often declare nothing, or lie).
- `pagination(html, url)` / `pagination_urls(html, url)` — the other pages of a column list:
  TRS `createPageHTML(…)`, TRS "动静结合" `listModel({maxStaticIndex…})`, Hanweb `jpage`
  record groups, "下一页" and numbered page links. `static_index_url(url, k)` names the K-th
  static page for probing when a page says nothing.
- `list_links(html, url)` — the detail links (article pages) of a list page.
- `attachment_links(html, url)` — the files (PDF, DOC, …) a page links.
- `page_title(html)` — an article page's title.
- `filename_from_response(content_disposition, url)` — an attachment's file name.
- `outcome_for_status(status)`, `is_challenge_page(body)` — what a response means.
"""
from __future__ import annotations

import codecs
from functools import lru_cache
import math
import posixpath
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, unquote_to_bytes, urldefrag, urlencode, urljoin, urlsplit

import lxml.html
from lxml import etree
from w3lib.url import safe_url_string

# ── encodings ─────────────────────────────────────────────────────────────────────────────────

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-:.]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([a-zA-Z0-9_\-.]+)["']""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_\-:.]+)", re.I)
# GB2312 and GBK are subsets of GB18030; decoding with the superset never loses a character.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "cp936", "ms936", "x-gbk", "euc-cn", "hz-gb-2312", "windows-936"}


def normalize_encoding(name: str | None) -> str | None:
    """A Python codec name for a declared charset, GB2312/GBK widened to gb18030; None if unknown."""
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    if name in _GB_FAMILY or name.startswith("gb_2312"):
        return "gb18030"
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return "gb18030" if codec in ("gb2312", "gbk", "hz") else codec


def declared_encoding(body: bytes) -> str | None:
    """The charset a document declares about itself: BOM, XML declaration or `<meta>` (first 4 KB)."""
    if body.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = body[:4096]
    m = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    return normalize_encoding(m.group(1).decode("ascii", "replace")) if m else None


def header_encoding(content_type: str | None) -> str | None:
    m = _HEADER_CHARSET.search(content_type or "")
    return normalize_encoding(m.group(1)) if m else None


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode an HTML (or XML) page.

    Order: what the document declares (BOM, XML declaration, `<meta>`), if the bytes decode with
    it; UTF-8 if the bytes are valid UTF-8; the HTTP header's charset; gb18030; a sniffer;
    finally gb18030 with replacement characters. The header comes late because government
    servers often send a wrong one (or none) for GBK pages.
    """
    tried: list[str] = []
    for enc in (declared_encoding(body), "utf-8", header_encoding(content_type), "gb18030"):
        if not enc or enc in tried:
            continue
        tried.append(enc)
        try:
            text = body.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        return text.lstrip("\ufeff")
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body).best()
        if best is not None:
            return str(best)
    except Exception:  # a sniffer failure must not lose the page
        pass
    return body.decode("gb18030", errors="replace")


# ── parsing helpers ───────────────────────────────────────────────────────────────────────────

def _parse(html: str) -> etree._Element | None:
    if not html or not html.strip():
        return None
    # lxml refuses str input that carries an encoding declaration
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None


@lru_cache(maxsize=2)
def _parse_shared(html: str) -> etree._Element | None:
    """``_parse`` for readers that do not change the tree: a detail page is parsed once for its
    title and its attachment links."""
    return _parse(html)


def _text(el: etree._Element) -> str:
    return re.sub(r"\s+", " ", el.text_content()).strip()


def _base_url(doc: etree._Element | None, url: str) -> str:
    if doc is not None:
        for href in doc.xpath("//base/@href"):
            if href.strip():
                return urljoin(url, href.strip())
    return url


def _absolute(base: str, href: str | None) -> str | None:
    """An absolute http(s) URL without fragment, or None for javascript:, mailto:, anchors…"""
    if not href:
        return None
    href = href.strip().replace("\\", "/")
    if not href or href.startswith("#"):
        return None
    lowered = href.lower()
    if lowered.startswith(("javascript:", "mailto:", "tel:", "data:", "about:")):
        return None
    # percent-encoded as Scrapy will request it, so logged links match fetched URLs
    url = safe_url_string(urldefrag(urljoin(base, href))[0])
    return url if urlsplit(url).scheme in ("http", "https") else None


_SECOND_LEVEL = {"gov", "com", "net", "org", "edu", "ac"}


def site_of(url: str) -> str:
    """The registrable part of a URL's host (`www.ly.gov.cn` → `ly.gov.cn`); an IP stays whole."""
    host = (urlsplit(url).hostname or "").lower()
    if re.fullmatch(r"[\d.]+|\[?[0-9a-f:]+\]?", host):
        return host
    labels = host.split(".")
    if len(labels) >= 3 and labels[-1] == "cn" and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def same_site(a: str, b: str) -> bool:
    return site_of(a) == site_of(b)


# ── attachments ───────────────────────────────────────────────────────────────────────────────

#: File types a report may be published as.
ATTACHMENT_EXTENSIONS = ("pdf", "doc", "docx", "wps", "xls", "xlsx", "et", "ofd", "zip", "rar", "7z")
_EXT = "|".join(ATTACHMENT_EXTENSIONS)
_ATTACHMENT_PATH = re.compile(rf"\.({_EXT})$", re.I)
_DOWNLOAD_SCRIPT = re.compile(r"(down(load)?_?file|download|getfile|filedown|attach\w*)\.(jsp|do|action|aspx?|php)$", re.I)
_QUOTED_FILE_URL = re.compile(rf"""["']([^"'\s<>()]+?\.(?:{_EXT}))["']""", re.I)
_PDF_VIEWER = re.compile(r"(viewer|pdfjs|preview)[^/]*\.html?$", re.I)
_NOT_PAGE_EXT = re.compile(r"\.(jpe?g|png|gif|bmp|svg|webp|ico|css|js|json|mp4|mp3|flv|swf|avi|wmv|txt|xml|apk|exe)$", re.I)


def is_attachment_url(url: str) -> bool:
    """A link to a file (PDF, DOC…) rather than a page: by extension, or a download script
    (`downfile.jsp?…`), or a query naming such a file (`?filename=x.pdf`)."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    if _ATTACHMENT_PATH.search(path):
        return True
    if _DOWNLOAD_SCRIPT.search(posixpath.basename(path)):
        return True
    return any(_ATTACHMENT_PATH.search(v.strip()) for _, v in parse_qsl(parts.query))


def _unwrap_viewer(url: str) -> str:
    """`/pdfjs/web/viewer.html?file=/a/b.pdf` → the PDF's own URL."""
    parts = urlsplit(url)
    if _PDF_VIEWER.search(parts.path):
        for key, value in parse_qsl(parts.query):
            if key.lower() in ("file", "url", "src") and _ATTACHMENT_PATH.search(urlsplit(value).path):
                return safe_url_string(urljoin(url, value))
    return url


def attachment_links(html: str, url: str) -> list[tuple[str, str]]:
    """The files a page links: `(absolute URL, link text)` in document order, de-duplicated.

    Anchors, `iframe`/`embed`/`object` (embedded PDF viewers) and, because many CMS write their
    attachment list from script, any quoted URL with a file extension in the page's scripts.
    """
    doc = _parse_shared(html)
    base = _base_url(doc, url)
    found: dict[str, str] = {}

    def add(href: str | None, text: str) -> None:
        target = _absolute(base, href)
        if not target:
            return
        target = _unwrap_viewer(target)
        if is_attachment_url(target) and (target not in found or (text and not found[target])):
            found[target] = text

    if doc is not None:
        for a in doc.iter("a"):
            text = _text(a) or (a.get("title") or "").strip()
            add(a.get("href"), text)
        for el in doc.xpath("//iframe[@src] | //embed[@src] | //object[@data]"):
            add(el.get("src") or el.get("data"), (el.get("title") or "").strip())
        for script in doc.iter("script"):
            for m in _QUOTED_FILE_URL.finditer(script.text or ""):
                add(m.group(1), "")
    return list(found.items())


# ── file names ────────────────────────────────────────────────────────────────────────────────

def _decode_bytes_name(raw: bytes) -> str:
    for enc in ("utf-8", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _percent_decode(value: str) -> str:
    """Percent-decode a name whose bytes may be UTF-8 or GBK (`%C4%EA%B1%A8` → 年报)."""
    return _decode_bytes_name(unquote_to_bytes(value)) if "%" in value else value


_DISPOSITION_PARAM = re.compile(r';\s*([\w*-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')


def filename_from_content_disposition(value: str | bytes | None) -> str | None:
    """The file name of a Content-Disposition header.

    Handles RFC 5987 `filename*=UTF-8''%E5%B9%B4…` (also with a GBK charset, preferred over
    `filename=`), quoted or bare `filename=`, percent-encoded UTF-8 or GBK, RFC 2047
    `=?UTF-8?B?…?=` words, and raw UTF-8/GBK bytes sent as they are.
    """
    if value is None:
        return None
    if isinstance(value, bytes):
        value = _decode_bytes_name(value)
    params: dict[str, str] = {}
    for key, raw in _DISPOSITION_PARAM.findall(";" + value):
        raw = raw.strip()
        if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
            raw = re.sub(r'\\(["\\])', r"\1", raw[1:-1])  # only \" and \\: IE sends bare C:\paths
        params.setdefault(key.lower(), raw)
    star = params.get("filename*")
    if star:
        charset, sep, rest = star.partition("'")
        encoded = rest.partition("'")[2] if sep else star
        raw_bytes = unquote_to_bytes(encoded)
        try:
            name = raw_bytes.decode(normalize_encoding(charset) or "utf-8")
        except (UnicodeDecodeError, LookupError):
            name = _decode_bytes_name(raw_bytes)
        if _clean_filename(name):
            return _clean_filename(name)
    plain = params.get("filename")
    if not plain:
        return None
    if plain.startswith("=?"):
        from email.header import decode_header, make_header

        try:
            plain = str(make_header(decode_header(plain)))
        except (ValueError, LookupError):
            pass
    return _clean_filename(_percent_decode(plain))


def _clean_filename(name: str) -> str | None:
    name = name.strip().strip('"').replace("\\", "/")
    name = posixpath.basename(name).strip()
    return name or None


def filename_from_url(url: str) -> str | None:
    """The last path part of a URL, percent-decoded; for a download script, the query's file name."""
    parts = urlsplit(url)
    base = posixpath.basename(parts.path)
    if not _ATTACHMENT_PATH.search(base):
        for key, value in parse_qsl(parts.query):
            if key.lower() in ("filename", "file", "name", "fname", "filepath", "path") and value.strip():
                name = _clean_filename(_percent_decode(value))
                if name:
                    return name
    return _clean_filename(_percent_decode(base)) if base else None


def filename_from_response(content_disposition: str | bytes | None, url: str) -> str | None:
    """Content-Disposition's file name, else the URL's."""
    return filename_from_content_disposition(content_disposition) or filename_from_url(url)


_MAGIC = (
    (b"%PDF", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
    (b"Rar!", "application/vnd.rar"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
)
_BY_EXTENSION = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "wps": "application/vnd.ms-works",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "et": "application/vnd.ms-excel",
    "ofd": "application/ofd",
    "zip": "application/zip",
    "rar": "application/vnd.rar",
    "7z": "application/x-7z-compressed",
}
_GENERIC_TYPES = ("", "application/octet-stream", "application/x-download", "application/force-download",
                  "application/download", "binary/octet-stream", "application/unknown")


def sniff_content_type(body: bytes, filename: str | None = None, header: str | None = None) -> str | None:
    """The media type (no parameters) of a response.

    A PDF is a PDF whatever the header says; otherwise the header's type unless missing or
    generic (`application/octet-stream`…), then the file name's extension, then magic numbers.
    """
    declared = (header or "").split(";")[0].strip().lower()
    if body.startswith(b"%PDF"):
        return "application/pdf"
    if declared not in _GENERIC_TYPES:
        return declared
    ext = posixpath.splitext(filename or "")[1].lower().lstrip(".")
    if ext in _BY_EXTENSION:
        return _BY_EXTENSION[ext]
    for magic, media_type in _MAGIC:
        if body.startswith(magic):
            return media_type
    head = body[:1024].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<meta", b"<!--", b"<script", b"<body")):
        return "text/html"
    if head.startswith(b"<?xml"):
        return "text/xml"
    return declared or None


def is_html(content_type: str | None, body: bytes) -> bool:
    """Is this response a page (HTML/XML) rather than a file?"""
    media = sniff_content_type(body, None, content_type) or ""
    return media in ("text/html", "application/xhtml+xml", "text/xml", "application/xml") or (
        media.startswith("text/") and media != "text/plain")


# ── responses that are not documents ─────────────────────────────────────────────────────────

#: Status codes anti-bot front ends (WAFs, 加速乐, 瑞数) answer crawlers with.
BLOCKED_STATUSES = frozenset({403, 412, 521})
_SETS_COOKIE = re.compile(r"document\.cookie\s*=", re.I)
_NAVIGATES = re.compile(r"location\s*\.\s*(reload|replace|assign)\s*\(|location(\.href)?\s*=(?!=)", re.I)
_RUISHU = re.compile(r"\$_ts\s*=\s*window\[\s*['\"]\$_ts['\"]\s*\]")  # 瑞数 dynamic-cookie loader


def outcome_for_status(status: int) -> str:
    """The fetch-log outcome of an HTTP status: stored, not_modified, gone, blocked or error."""
    if 200 <= status < 300:
        return "stored"
    if status == 304:
        return "not_modified"
    if status in (404, 410):
        return "gone"
    if status in BLOCKED_STATUSES:
        return "blocked"
    return "error"


def is_challenge_page(body: bytes) -> bool:
    """An anti-bot challenge served with 200: a small page without links or content whose script
    sets a cookie and reloads (加速乐 style), or loads a 瑞数 `$_ts` challenge."""
    if len(body) > 32 * 1024:
        return False
    text = decode_html(body)
    if not (_RUISHU.search(text) or (_SETS_COOKIE.search(text) and _NAVIGATES.search(text))):
        return False
    doc = _parse(text)
    if doc is None:
        return True
    if doc.xpath("//a[@href] | //img | //iframe | //embed"):
        return False  # a real page (a short report page links its attachment)
    for el in doc.xpath("//script | //style | //noscript"):
        el.drop_tree()
    return len(re.sub(r"\s+", "", doc.text_content())) < 200


# ── titles ────────────────────────────────────────────────────────────────────────────────────

_LAST_PART = re.compile(r"(?<=\S)\s*(?:_|\||｜|—|－|-{1,2}|–)\s*(?P<last>[^_|｜—－\-–]+)$")
_SITE_NAME_END = re.compile(r"(人民政府|政府|政府网|门户网站|门户网|网站|门户|网)$")


def page_title(html: str) -> str | None:
    """An article page's title: `<meta name="ArticleTitle">` (required by the national government
    website guidelines), else the first `<h1>` that is not the site name, else `<title>` without
    its site-name suffix."""
    doc = _parse_shared(html)
    if doc is None:
        return None
    metas = {(m.get("name") or "").strip().lower(): (m.get("content") or "").strip() for m in doc.iter("meta")}
    site = metas.get("sitename", "")
    if metas.get("articletitle"):
        return re.sub(r"\s+", " ", metas["articletitle"])
    for h1 in doc.iter("h1"):
        text = _text(h1)
        if len(text) >= 4 and text != site:
            return text
    for title in doc.iter("title"):
        return _strip_site_suffix(_text(title), site) or None
    return None


def _strip_site_suffix(title: str, site: str = "") -> str:
    """`…年度报告_涧西区人民政府` → `…年度报告`: drop trailing parts that name the site (the
    `SiteName` meta, or a government/portal name); a department's name is kept."""
    kept = title.strip()
    while True:
        m = _LAST_PART.search(kept)
        if not m:
            return kept
        last = m.group("last").strip()
        if not (last == site or (_SITE_NAME_END.search(last) and len(last) <= 20)):
            return kept
        kept = kept[: m.start()].strip()


# ── list pages: pagination ────────────────────────────────────────────────────────────────────

@dataclass
class Pagination:
    """The other pages of a column list, as far as one page tells.

    `source` says how they were found (`createPageHTML`, `listModel`, `jpage`, `links`), or is
    None when the page says nothing: then the caller may probe `static_index_url(url, k)`.
    `total_pages` is the page count the script declares (including pages that only a search API
    serves, which `urls` cannot reach), when it declares one.
    """

    urls: list[str] = field(default_factory=list)
    source: str | None = None
    total_pages: int | None = None


# Classic TRS: createPageHTML(count, current, "index", "htm") — current 0-based, pages
# index.htm, index_1.htm … index_{count-1}.htm.
_CREATE_PAGE = re.compile(
    r"""createPageHTML\s*\(\s*([\w.$]+)\s*,\s*([\w.$]+)\s*,\s*["']([^"']+)["']\s*,\s*["']([^"']+)["']\s*\)""")
# Newer TRS templates: createPageHTML('page_div', count, current, 'fg', 'shtml', records) — current
# 1-based, pages fg.shtml, fg_2.shtml … fg_{count}.shtml.
_CREATE_PAGE_DIV = re.compile(
    r"""createPageHTML\s*\(\s*["'][^"']*["']\s*,\s*([\w.$]+)\s*,\s*([\w.$]+)\s*,\s*["']([^"']+)["']\s*,"""
    r"""\s*["']([^"']+)["']\s*(?:,\s*[\w.$]+\s*)?\)""")
_CREATE_PAGE_ANY = re.compile(r"createPageHTML\s*\(")
_ASSIGN = r"""(?:\bvar\s+|\blet\s+|\bconst\s+|[;{{\s(,]|^){name}\s*=\s*["']?(\d+)"""
_INDEX_PAGE = re.compile(r"^(?P<name>index|default)(?:_(?P<k>\d+))?\.(?P<ext>s?html?|jsp|aspx?|php)$", re.I)
_NUMBERED_PAGE = re.compile(r"^[a-z]\w*?_\d+\.s?html?$", re.I)
_NEXT_TEXT = re.compile(r"^(下一页|下页|后一页|next|next page|›|»|>)$", re.I)
_PAGE_PARAM = re.compile(r"[?&](page|pageno|pageindex|pagenum|curpage|currentpage|pn|p|start)=\d+", re.I)
_JPAGE_TOTAL = re.compile(r"totalRecord\s*[:=]\s*['\"]?(\d+)")
_JPAGE_PERPAGE = re.compile(r"perPage\s*[:=]\s*['\"]?(\d+)")
_JPAGE_GROUP = re.compile(r"groupSize\s*[:=]\s*['\"]?(\d+)")
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>\s*</nextgroup>", re.S | re.I)


def _script_number(script: str, token: str) -> int | None:
    """A createPageHTML argument: a literal, or a variable assigned a number in the script."""
    if token.isdigit():
        return int(token)
    m = re.search(_ASSIGN.format(name=re.escape(token)), script, re.M)
    return int(m.group(1)) if m else None


def _script_text(doc: etree._Element | None, html: str) -> str:
    if doc is None:
        return html
    return "\n".join(s.text or "" for s in doc.iter("script"))


def _page_url(url: str, name: str, ext: str, k: int) -> str:
    return urljoin(url, f"{name}.{ext}" if k == 0 else f"{name}_{k}.{ext}")


def page_key(url: str) -> tuple[str, str, str]:
    """A URL's identity as a list page: a directory URL and its index page are the same page."""
    parts = urlsplit(url)
    path = parts.path or "/"
    m = _INDEX_PAGE.match(posixpath.basename(path))
    if m and m.group("k") is None:
        path = posixpath.dirname(path).rstrip("/") + "/"
    return parts.netloc.lower(), path, parts.query


def _is_same_page(url: str, other: str) -> bool:
    return page_key(url) == page_key(other)


def _static_pages(url: str, name: str, ext: str, last: int) -> list[str]:
    pages = [_page_url(url, name, ext, k) for k in range(0, last + 1)]
    return [p for p in pages if not _is_same_page(url, p)]


def _index_ext(url: str, default: str = "html") -> tuple[str, str]:
    m = _INDEX_PAGE.match(posixpath.basename(urlsplit(url).path))
    return (m.group("name"), m.group("ext")) if m else ("index", default)


def _create_page_html(script: str, url: str) -> Pagination | None:
    if not _CREATE_PAGE_ANY.search(script):
        return None
    for pattern, first_numbered in ((_CREATE_PAGE, 1), (_CREATE_PAGE_DIV, 2)):
        for m in pattern.finditer(script):
            count = _script_number(script, m.group(1))
            if count is None:  # e.g. the function's own definition: createPageHTML(_nPageCount, …)
                continue
            name, ext = m.group(3), m.group(4).lstrip(".")
            pages = [_page_url(url, name, ext, 0)]
            pages += [_page_url(url, name, ext, k) for k in range(first_numbered, first_numbered + count - 1)]
            return Pagination([p for p in pages if not _is_same_page(url, p)], "createPageHTML", count)
    return None


def _list_model(script: str, url: str) -> Pagination | None:
    if "listModel" not in script:
        return None
    m = re.search(r"maxStaticIndex\s*:\s*['\"]?(\d+)", script)
    if not m:
        return None
    last_static = int(m.group(1))
    total = None
    per = re.search(r"prepage\s*:\s*['\"]?(\d+)", script)
    count = re.search(r"recordCount\s*:\s*['\"]?(\d+)", script)
    if per and count and int(per.group(1)) > 0:
        total = max(1, math.ceil(int(count.group(1)) / int(per.group(1))))
        last_static = min(last_static, total - 1)
    name, ext = _index_ext(url)
    ext_m = re.search(r"(?:pageExt|fileExt|staticExt|suffix)\s*:\s*['\"]\.?(\w+)['\"]", script)
    if ext_m:
        ext = ext_m.group(1)
    return Pagination(_static_pages(url, name, ext, last_static), "listModel", total)


def _jpage(html: str, script: str, url: str) -> Pagination | None:
    """Hanweb (大汉) lists: records come from `dataproxy.jsp?startrecord=&endrecord=&perpage=`."""
    nextgroup = _NEXTGROUP.search(html)
    total_m = _JPAGE_TOTAL.search(script) or _JPAGE_TOTAL.search(html)
    if not nextgroup or not total_m:
        return None
    href = re.search(r"""href\s*=\s*["']([^"']+)""", nextgroup.group(1))
    if not href:
        return None
    proxy = urljoin(url, href.group(1).replace("&amp;", "&"))
    per_m = _JPAGE_PERPAGE.search(script) or _JPAGE_PERPAGE.search(html)
    group_m = _JPAGE_GROUP.search(script) or _JPAGE_GROUP.search(html)
    total = int(total_m.group(1))
    per = int(per_m.group(1)) if per_m else 15
    group = int(group_m.group(1)) if group_m else 3
    chunk = max(1, per * group)
    parts = urlsplit(proxy)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k.lower() not in ("startrecord", "endrecord", "perpage")]
    urls = []
    for start in range(1, total + 1, chunk):
        q = urlencode([*query, ("startrecord", start), ("endrecord", min(total, start + chunk - 1)),
                       ("perpage", per)])
        urls.append(parts._replace(query=q).geturl())
    return Pagination(urls, "jpage", max(1, math.ceil(total / per)) if per else None)


def _page_links(doc: etree._Element, url: str) -> list[str]:
    base = _base_url(doc, url)
    found: list[str] = []
    for a in doc.iter("a"):
        text = _text(a)
        target = _absolute(base, a.get("href"))
        if not target or target in found or _is_same_page(url, target) or is_attachment_url(target):
            continue
        name = posixpath.basename(urlsplit(target).path)
        numbered = text.isdigit() and (_PAGE_PARAM.search(target) or _NUMBERED_PAGE.match(name))
        if (_NEXT_TEXT.match(text) or numbered) and same_site(url, target):
            found.append(target)
    return found


def pagination(html: str, url: str) -> Pagination:
    """Everything a list page tells about the column's other list pages."""
    doc = _parse(html)
    script = _script_text(doc, html)
    for finder in (_create_page_html, _list_model):
        found = finder(script, url)
        if found is not None:
            return found
    found = _jpage(html, script, url)
    if found is not None:
        return found
    if doc is not None:
        links = _page_links(doc, url)
        if links:
            return Pagination(links, "links")
    return Pagination()


def pagination_urls(html: str, url: str) -> list[str]:
    """The URLs of the column's other list pages that this page names (script or links)."""
    return pagination(html, url).urls


def static_index_url(url: str, k: int, ext: str | None = None) -> str | None:
    """The K-th static list page beside a TRS-style list (`…/index.html` → `…/index_K.html`),
    for probing; None when the URL is not a static index page or a directory."""
    path = urlsplit(url).path
    if path.endswith("/"):
        return urljoin(url, f"index_{k}.{ext or 'html'}")
    m = _INDEX_PAGE.match(posixpath.basename(path))
    if not m or m.group("ext").lower() not in ("html", "htm", "shtml"):
        return None
    return urljoin(url, f"{m.group('name')}_{k}.{ext or m.group('ext')}")


# ── list pages: detail links ──────────────────────────────────────────────────────────────────

#: URL shapes of article pages on the CMS families government portals run on.
ARTICLE_URL_PATTERNS = (
    re.compile(r"/t\d{8}_\d+\.s?html?$", re.I),                                  # TRS WCM
    re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html?$", re.I),         # Hanweb
    re.compile(r"/(?:content|article|detail|info|show|view)[_-]?\d+\.\w+$", re.I),  # generic ids
    re.compile(r"/(?:content|article|detail|info|show|view)/\d{4}-?\d{2}/", re.I),
    re.compile(r"/\d{4}-?\d{2}/\d{1,2}/[\w-]+\.s?html?$", re.I),
    re.compile(r"/20\d{2}\d{2}/\w+\.s?html?$", re.I),
    re.compile(r"[?&](?:id|articleid|infoid|contentid|newsid|docid|aid|itemid)=[\w-]+", re.I),
)
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)


def is_article_url(url: str) -> bool:
    parts = urlsplit(url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    return any(p.search(target) for p in ARTICLE_URL_PATTERNS)


def is_list_url(url: str) -> bool:
    """A column/list page rather than an article: a directory, `index*.html`, or `?page=N`."""
    return _is_index_like(url) and not is_article_url(url)


def _is_index_like(url: str) -> bool:
    parts = urlsplit(url)
    name = posixpath.basename(parts.path)
    return (not name and not parts.query) or bool(_INDEX_PAGE.match(name)) or bool(_PAGE_PARAM.search(url))


def expand_records(html: str) -> str:
    """Hanweb lists carry their items as HTML inside `<record><![CDATA[…]]></record>` in a
    script or an XML reply; bring those items into the page so anchors are found."""
    records = _RECORD.findall(html)
    if not records:
        return html
    block = '<div class="gongkai-records">' + "\n".join(records) + "</div>"
    if re.search(r"</body>", html, re.I):
        return re.sub(r"</body>", lambda _: block + "</body>", html, count=1, flags=re.I)
    return "<html><body>" + block + "</body></html>"


def _lowest_common_ancestor(elements: list[etree._Element]) -> etree._Element:
    chains = [list(reversed([e, *e.iterancestors()])) for e in elements]
    common = chains[0][0]
    for level in zip(*chains):
        if all(x is level[0] for x in level):
            common = level[0]
        else:
            break
    return common


def _container(a: etree._Element) -> etree._Element:
    for anc in a.iterancestors():
        if anc.tag in ("ul", "ol", "table", "dl"):
            return anc
    parent = a.getparent()
    grand = parent.getparent() if parent is not None else None
    return grand if grand is not None else (parent if parent is not None else a)


def list_links(html: str, url: str, *, selector: str | None = None,
               pattern: str | None = None) -> list[tuple[str, str]]:
    """The detail links of a list page: `(absolute URL, link text)`, document order, unique.

    A link is a candidate when it points to a page (not a file, script, image or list page) on
    the same site. If some candidates have an article-shaped URL (`./202003/t20200320_1.html`,
    `/art/2020/3/20/art_1_2.html`…), the list area is the smallest element holding all of
    those, and every candidate inside it is returned (only the article-shaped ones when that
    area is the whole page). Otherwise the list area is the `ul`/`ol`/`table`/`dl` (or
    grandparent) with the most long-titled candidates. `selector` (CSS) fixes the list area;
    `pattern` (regex) is an extra filter on URLs.
    """
    doc = _parse(expand_records(html))
    if doc is None:
        return []
    base = _base_url(doc, url)
    roots = doc.cssselect(selector) if selector else [doc]
    candidates: list[tuple[etree._Element, str, str]] = []
    seen: set[str] = set()
    for root in roots:
        for a in root.iter("a"):
            target = _absolute(base, a.get("href"))
            if not target or target in seen:
                continue
            if _is_same_page(url, target) or not same_site(url, target):
                continue
            if is_attachment_url(target) or _NOT_PAGE_EXT.search(urlsplit(target).path):
                continue
            if _is_index_like(target) and not is_article_url(target):
                continue
            if pattern and not re.search(pattern, target):
                continue
            text = _text(a) or (a.get("title") or "").strip()
            seen.add(target)
            candidates.append((a, target, text))
    if not candidates:
        return []
    if selector:
        return [(u, t) for _, u, t in candidates]

    articles = [c for c in candidates if is_article_url(c[1])]
    if articles:
        area = _lowest_common_ancestor([a for a, _, _ in articles])
        if area.tag in ("html", "body"):
            chosen = articles
        else:
            inside = set(area.iter("a"))
            chosen = [c for c in candidates if c[0] in inside]
    else:
        groups: dict[etree._Element, list[tuple[etree._Element, str, str]]] = {}
        for c in candidates:
            groups.setdefault(_container(c[0]), []).append(c)

        def score(items: list) -> tuple[int, int]:
            return (sum(1 for _, _, t in items if len(t) >= 6), sum(len(t) for _, _, t in items))

        best = max(groups.values(), key=score)
        chosen = best if score(best)[0] else []
    return [(u, t) for _, u, t in chosen]


def title_links(html: str, url: str) -> list[tuple[str, str]]:
    """Every same-site or file link with its text, anywhere on the page: the caller picks the
    ones whose text is a report title, so a report is never missed for sitting outside the
    list area."""
    doc = _parse(expand_records(html))
    if doc is None:
        return []
    base = _base_url(doc, url)
    out: dict[str, str] = {}
    for a in doc.iter("a"):
        target = _absolute(base, a.get("href"))
        text = _text(a) or (a.get("title") or "").strip()
        if target and text and target not in out and not _is_same_page(url, target):
            if is_attachment_url(target) or same_site(url, target):
                out[target] = text
    return list(out.items())



# (starts with the literal "location", which the regex engine finds fast in a 100 KB page)
_SCRIPT_REDIRECT = re.compile(
    r"""location(?:\.href)?\s*(?:=|\.replace\(|\.assign\()\s*["']([^"']+)["']""")


def script_redirect(html: str, url: str) -> str | None:
    """The target of a page that only sends the browser on (``location.href = "…"``), or None.

    Only a page with almost no text of its own counts: a real article that happens to contain
    such a script (a "back" button) is not a redirect."""
    m = _SCRIPT_REDIRECT.search(html)
    if not m:
        return None
    body = re.sub(r"(?is)<(script|style)\b.*?</\1>|<[^>]+>|&nbsp;|\s", "", html)
    if len(body) > 200:
        return None
    target = urljoin(url, m.group(1).strip())
    return target if target.startswith(("http://", "https://")) and target != url else None
