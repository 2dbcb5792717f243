"""A document as gongkai reads it: an ordered list of rows, whatever the original format.

A row is a list of cell texts: a table row (spanning cells de-duplicated within the row, so a
label that spans rows repeats on each of them and a value that spans columns appears once), or a
line of text (its tokens when the text was flattened by somebody else). The table modules walk
these rows and match them by label.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import Unreadable


@dataclass
class Row:
    cells: list[str]
    in_table: bool = False  # a row of a real table (cells are known), not a line of text
    table: int | None = None  # index of the table in the document
    spans: list[tuple[int, int]] | None = None  # grid columns (first, last) of each cell, where known


@dataclass
class Document:
    format: str  # html | pdf | docx | doc | text
    rows: list[Row]
    text: str  # the whole text, for search and for the narrative
    title_candidates: list[str] = field(default_factory=list)  # most authoritative first
    narrative: str | None = None  # the article's prose without page chrome, where known (HTML)
    notes: list[str] = field(default_factory=list)


def sniff(data: bytes, filename: str | None = None) -> str:
    """The format of a document from its bytes (the extension only breaks ties)."""
    head = data[:4096]
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        if b"word/" in data[:65536] or (filename or "").lower().endswith(".docx"):
            return "docx"
        if b"Doc_0" in data[:65536] or b"OFD.xml" in data[:65536]:
            return "ofd"
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "doc"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    low = head.lower()
    if re.search(rb"<(!doctype\s+html|html|head|body|table|meta|div|p)[\s>]", low):
        return "html"
    if b"\x00" in head and not (head.startswith(b"\xff\xfe") or head.startswith(b"\xfe\xff")):
        return "binary"
    return "text"


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.I)


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Bytes -> str: BOM, then a declared charset (GBK family read as gb18030), then UTF-8,
    then gb18030 (undeclared Chinese pages are usually GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if declared is None:
        m = _META_CHARSET.search(data[:4096])
        declared = m.group(1).decode("ascii", "ignore") if m else None
    if declared:
        enc = declared.lower().replace("_", "-")
        if enc in ("gbk", "gb2312", "gb-2312", "gb18030", "x-gbk", "cp936", "euc-cn"):
            enc = "gb18030"
        try:
            return data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        # Mostly GBK with a few broken bytes beats mojibake from a wrong guess.
        text = data.decode("gb18030", errors="replace")
        if text.count("\ufffd") > max(20, len(text) // 50):
            raise Unreadable("text in an unknown encoding")
        return text
