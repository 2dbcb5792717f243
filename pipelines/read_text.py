"""Plain text and Markdown -> Document: one row per line, cells split on whitespace or pipes.

Text saved by other crawlers often lost the tables' cell separators (``规章000行政规范性文件693665``):
tokens are further cut where digits meet words, and a sub-item number that a digit run swallowed
(``00000002.其他法律…``) is given back to its label. Which digits form which cells is decided later,
by the tables' arithmetic (pipelines.glued).
"""
from __future__ import annotations

import re

from .document import Document, Row, decode_text
from .numbers import clean, parse_value

_PIPE_RULE = re.compile(r"^\|?\s*:?-{2,}")
_ITEM_NO = re.compile(r"(\d[.、．])(?=[\u4e00-\u9fff“])")
_PIECES = re.compile(r"\d[.、．](?=[^\d])[^\d]+|[^\d]+|\d+(?:\.\d+)?(?:万元|元)?")


def tokens(cell: str) -> list[str]:
    """A whitespace-free cell cut where digits meet words: 规章000 -> 规章, 000."""
    cell = _ITEM_NO.sub(r" \1", cell)
    out = []
    for part in cell.split():
        if re.search(r"\d", part) and not parse_value(part)[0]:
            out.extend(m.group(0) for m in _PIECES.finditer(part))
        else:
            out.append(part)
    return out


def read_text(data: bytes) -> Document:
    text = decode_text(data)
    rows: list[Row] = []
    lines: list[str] = []
    for raw in text.splitlines():
        line = raw.replace("\xa0", " ").replace("\u3000", " ").strip()
        if not line:
            continue
        if line.startswith("|") and line.count("|") >= 2:
            if _PIPE_RULE.match(line):
                continue
            cells = [clean(c) for c in line.strip("|").split("|")]
            rows.append(Row(cells, in_table=True))
            lines.append(" ".join(c for c in cells if c))
            continue
        cells = []
        for c in re.split(r"\t|\s+", line):
            cells.extend(tokens(clean(c)))
        rows.append(Row([c for c in cells if c]))
        lines.append(clean(line))
    return Document("text", rows, "\n".join(lines), [])
