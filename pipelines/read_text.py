"""Plain text and Markdown -> Document: one row per line, cells split on whitespace or pipes."""
from __future__ import annotations

import re

from .document import Document, Row, decode_text
from .numbers import norm

_PIPE_RULE = re.compile(r"^\|?\s*:?-{2,}")


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
            cells = [norm(c) for c in line.strip("|").split("|")]
            rows.append(Row(cells, in_table=False))
            lines.append(" ".join(c for c in cells if c))
            continue
        if "\t" in line:
            cells = [norm(c) for c in line.split("\t")]
        else:
            cells = [norm(c) for c in re.split(r"\s+", line)]
        rows.append(Row([c for c in cells if c]))
        lines.append(norm(line))
    return Document("text", rows, "\n".join(lines), [])
