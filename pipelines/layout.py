"""Rows -> labelled rows, and the document cut into the sections that hold the three tables.

A labelled row has the label cells (text) and the value cells (numbers or blanks) that follow the
last label. Sections are found by their headings (二、主动公开政府信息情况 …), and by the tables'
own first rows where a heading is missing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .document import Document, Row
from .numbers import parse_value, squash

_GLUED_TAIL = re.compile(r"^(.*?[^\d.\s])(\d[\d.]*)$")


@dataclass
class Value:
    raw: str
    value: float | int | None
    glued: bool = False  # a run of digits whose cell separators were lost


@dataclass
class LRow:
    labels: list[str]
    values: list[Value]
    in_table: bool
    table: int | None
    words: list[str] = field(default_factory=list)  # every non-empty cell text, for header matching

    @property
    def label(self) -> str:
        return squash("".join(self.labels))

    @property
    def own_label(self) -> str:
        return squash(self.labels[-1]) if self.labels else ""


def label_row(row: Row) -> LRow:
    cells = row.cells
    last_label = -1
    for i, c in enumerate(cells):
        if not parse_value(c)[0]:
            last_label = i
    labels = [c for c in cells[: last_label + 1] if c and not parse_value(c)[0]]
    values = []
    for c in cells[last_label + 1:]:
        ok, v = parse_value(c)
        values.append(Value(c, v))
    if not row.in_table:
        # Flattened text: blanks do not exist as tokens; drop empties from splitting.
        values = [v for v in values if v.raw.strip()]
    if not values and labels:
        # A label with digits glued to its end: 行政许可2293, 一、本年新收…数量713000074
        m = _GLUED_TAIL.match(labels[-1])
        if m and re.search(r"[\u4e00-\u9fff）]", m.group(1)):
            labels = labels[:-1] + [m.group(1)]
            values = [Value(m.group(2), None, glued=True)]
    return LRow(labels, values, row.in_table, row.table, [c for c in cells if c and c.strip()])


SECTION_MARKERS = [
    ("t2", re.compile(r"主动公开政府信息情况")),
    ("t3", re.compile(r"收到和处理政府信息公开申请情况")),
    ("t4", re.compile(r"政府信息公开行政复议[、,，]?行政诉讼情况|行政复议[、,，]行政诉讼情况")),
    ("end", re.compile(r"^[五六七]、.{0,4}(存在的主要问题|其他需要报告|政府信息公开工作存在)")),
]


def sections(doc: Document) -> dict[str, list[LRow]]:
    """The labelled rows of each table section: {"t2": […], "t3": […], "t4": […]}.

    When the document has real tables, only table rows count (narrative lines with numbers are
    never cells); flattened text uses every line between the headings.
    """
    has_tables = any(r.in_table for r in doc.rows)
    out: dict[str, list[LRow]] = {"t2": [], "t3": [], "t4": []}
    current: str | None = None
    for row in doc.rows:
        text = squash("".join(row.cells))
        if not text:
            continue
        marker = None
        if len(text) < 60 or not row.in_table:
            for name, rx in SECTION_MARKERS:
                if rx.search(text[:60]):
                    marker = name
                    break
        if marker is None:
            # Tables whose heading is missing or was not recognised announce themselves.
            if "第二十条第" in text and current not in ("t2",):
                marker = "t2"
            elif "本年新收" in text and current != "t3":
                marker = "t3"
            elif row.in_table and "行政复议" in text and "行政诉讼" in text and current != "t4":
                marker = "t4"
        if marker:
            current = None if marker == "end" else marker
            # A heading that is also a table row (its own first row) is still parsed below.
            if not row.in_table and marker != "end":
                continue
        if current is None:
            continue
        if has_tables and not row.in_table:
            continue
        out[current].append(label_row(row))
    return out
