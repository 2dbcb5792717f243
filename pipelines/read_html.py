"""HTML -> Document: real <table>s expanded into grids, the rest into lines of text."""
from __future__ import annotations

import re

import lxml.html
from lxml import etree

from .document import Document, Row, decode_text
from .errors import Unreadable
from .numbers import clean

_BLOCK = {
    "p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section",
    "article", "ul", "ol", "dd", "dt", "dl", "blockquote", "pre", "hr", "center", "form",
    "header", "footer", "td", "th", "caption", "title",
}
_DROP = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "head")
_MAX_SPAN = 60
MAX_GRID_CELLS = 500_000


def cell_text(el) -> str:
    """The text of a table cell: every span's text joined, <br> and line breaks as spaces,
    whitespace next to CJK removed (Word-pasted labels break anywhere)."""
    if len(el) == 0:   # no child elements: most cells
        return clean(el.text)
    parts = []
    for node in el.iter():
        if node.tag == "br":
            parts.append(" ")
        if node.text and node.tag not in _DROP and not isinstance(node, etree._Comment):
            parts.append(node.text)
        if node is not el and node.tail:
            parts.append(node.tail)
    return clean("".join(parts))


def _span(el, name: str) -> int:
    value = el.get(name)
    if value is None:
        return 1
    try:
        return max(1, min(_MAX_SPAN, int(value if value.isdigit() else re.sub(r"\D", "", value) or 1)))
    except ValueError:
        return 1


def table_grid(table) -> list[list[tuple[str, int] | None]]:
    """Expand rowspan/colspan: grid[r][c] = (text, origin id of the source cell)."""
    rows = [tr for tr in table.iter("tr") if _own_table(tr) is table]
    grid: list[list[tuple[str, int] | None]] = []
    pending: dict[tuple[int, int], tuple[str, int]] = {}
    origin = 0
    budget = MAX_GRID_CELLS
    for r, tr in enumerate(rows):
        line: list[tuple[str, int] | None] = []
        c = 0
        for td in tr:
            if not isinstance(td.tag, str) or td.tag not in ("td", "th"):
                continue
            while (r, c) in pending:
                line.append(pending.pop((r, c)))
                c += 1
            text = cell_text(td)
            rs, cs = min(_span(td, "rowspan"), len(rows) - r), _span(td, "colspan")
            budget -= rs * cs
            if budget < 0:
                raise Unreadable(f"a table spans more than {MAX_GRID_CELLS} grid cells")
            origin += 1
            for dc in range(cs):
                line.append((text, origin))
                for dr in range(1, rs):
                    pending[(r + dr, c + dc)] = (text, origin)
            c += cs
        while (r, c) in pending:
            line.append(pending.pop((r, c)))
            c += 1
        grid.append(line)
    return grid


def _own_table(el):
    for anc in el.iterancestors("table"):
        return anc
    return None


def grid_rows(grid, table_index: int) -> list[Row]:
    out = []
    for line in grid:
        first: dict[int, int] = {}
        last: dict[int, int] = {}
        text: dict[int, str] = {}
        for col, item in enumerate(line):
            if item is None:
                continue
            first.setdefault(item[1], col)
            last[item[1]] = col
            text[item[1]] = item[0]
        if first:
            order = sorted(first, key=first.get)
            out.append(Row([text[o] for o in order], in_table=True, table=table_index,
                           spans=[(first[o], last[o]) for o in order]))
    return out


def _is_layout_table(table) -> bool:
    return any(True for _ in table.iterdescendants("table"))


def _title_candidates(root) -> list[str]:
    out = []
    for name in ("ArticleTitle", "articletitle", "title", "Title", "og:title"):
        for m in root.xpath(f'//meta[@name="{name}" or @property="{name}"]/@content'):
            out.append(m)
    for h in root.xpath("//h1|//h2|//*[contains(@class,'title')]"):
        t = h.text_content()
        if t and len(t.strip()) < 120:
            out.append(t)
    for t in root.xpath("//title/text()"):
        out.append(t)
        out.extend(re.split(r"[_|｜\-—]+", t)[:1])
    return [clean(t) for t in out if t and t.strip()]


MIN_NARRATIVE = 100


def main_text(html) -> str | None:
    """The article's prose without the portal's menus, breadcrumbs and footers (trafilatura);
    None where it finds too little to trust (then the whole page text is used). ``html``: the
    page's text, or its parsed tree (trafilatura works on a copy, and is spared a parse)."""
    import trafilatura

    try:
        text = trafilatura.extract(html, include_tables=False, include_comments=False, favor_recall=True,
                                   fast=True)
    except Exception:  # trafilatura is a convenience here, never a reason to fail a report
        return None
    if not text or len(text) < MIN_NARRATIVE:
        return None
    return "\n".join(clean(ln) for ln in text.splitlines() if ln.strip())


def read_html(data: bytes, declared_charset: str | None = None) -> Document:
    text = decode_text(data, declared_charset)
    try:
        root = lxml.html.document_fromstring(text.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8", remove_comments=True))
    except (etree.ParserError, ValueError) as e:
        raise Unreadable(f"HTML could not be parsed: {e}")
    titles = _title_candidates(root)
    narrative = main_text(root)
    for bad in root.xpath("|".join(f"//{t}" for t in _DROP)):
        if bad.getparent() is not None:
            bad.drop_tree()
    # Data tables are the innermost ones; outer tables are page layout.
    tables = [t for t in root.iter("table") if not _is_layout_table(t)]
    table_rows: dict[int, list[Row]] = {}
    for i, t in enumerate(tables):
        table_rows[i] = grid_rows(table_grid(t), i)
        marker = etree.Element("p")
        marker.text = f"⟦TABLE{i}⟧"
        marker.tail = t.tail
        t.getparent().replace(t, marker)
    body = root.find("body")
    ocr_rows, ocr_notes = ([], []) if tables else _image_pages(root)
    lines = _block_lines(body if body is not None else root)
    rows: list[Row] = []
    texts: list[str] = []
    for line in lines:
        m = re.fullmatch(r"⟦TABLE(\d+)⟧", line)
        if m:
            for row in table_rows[int(m.group(1))]:
                rows.append(row)
                texts.append(" ".join(c for c in row.cells if c))
        else:
            rows.append(Row(line.split(" ") if line else []))
            texts.append(line)
    for row in ocr_rows:  # the report printed as images (pipelines/read_ocr.py)
        rows.append(row)
        texts.append(" ".join(c for c in row.cells if c))
    return Document("html", rows, "\n".join(t for t in texts if t), titles,
                    narrative=None if ocr_rows else narrative, notes=ocr_notes)


_DATA_URI = re.compile(r"^data:image/(png|jpe?g|gif|bmp|webp);base64,", re.I)
MAX_OCR_IMAGES = 60


def _image_pages(root) -> tuple[list[Row], list[str]]:
    """A page without tables whose body is pictures of the report's pages: the pictures embedded
    as data: URIs are read by OCR (a picture's resolution is taken as an A4 page's width). Images
    linked by URL are not fetched: extract works on one document."""
    import base64
    import binascii
    import io

    srcs = [s for s in root.xpath("//img/@src") if _DATA_URI.match(s.strip())]
    if not srcs:
        return [], []
    from . import read_ocr

    if not read_ocr.available():
        return [], [f"{len(srcs)} embedded images not read: OCR is not installed"]
    from PIL import Image

    rows: list[Row] = []
    notes: list[str] = []
    n_table = 0
    for i, src in enumerate(srcs[:MAX_OCR_IMAGES]):
        try:
            img = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1], validate=False)))
            img.load()
        except (binascii.Error, OSError, ValueError, Image.DecompressionBombError) as e:
            notes.append(f"embedded image {i + 1} could not be decoded: {type(e).__name__}")
            continue
        if img.width < 400 or img.height < 200:
            continue  # an icon or a logo, not a page
        if img.width * img.height > 40_000_000:
            notes.append(f"embedded image {i + 1} is {img.width}×{img.height} pixels: not read")
            continue
        dpi = max(72, round(img.width / 8.27))
        page_rows, nt, stats = read_ocr.ocr_image(img, dpi, n_table)
        n_table += nt
        rows.extend(page_rows)
        notes.append(f"OCR: embedded image {i + 1} read at ~{dpi} dpi ({nt} tables, {stats['cells']} cells)")
    return rows, notes


def _block_lines(el) -> list[str]:
    """Text of the element, one line per block (iterative: hostile pages nest very deeply)."""
    parts: list[str] = []
    stack: list[tuple[object, bool]] = [(el, False)]
    while stack:
        node, closing = stack.pop()
        tag = node.tag if isinstance(node.tag, str) else ""
        if closing:
            if tag in _BLOCK:
                parts.append("\n")
            if node.tail and node is not el:
                parts.append(node.tail)
            continue
        if tag in _BLOCK:
            parts.append("\n")
        if node.text and tag not in _DROP and isinstance(node.tag, str):
            parts.append(node.text)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node))
    out = []
    for line in "".join(parts).split("\n"):
        line = clean(line)
        if line:
            out.append(line)
    return out
