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

@dataclass
class Value:
    raw: str
    value: float | int | None
    span: tuple[int, int] | None = None  # grid columns of its cell, where known
    glued: bool = False  # a run of digits whose cell separators were lost


@dataclass
class LRow:
    labels: list[str]
    values: list[Value]
    in_table: bool
    table: int | None
    words: list[str] = field(default_factory=list)  # every non-empty cell text, for header matching
    row: Row | None = None  # the table row it came from (cells with their grid columns)

    @property
    def label(self) -> str:
        return squash("".join(self.labels))

    @property
    def own_label(self) -> str:
        return squash(self.labels[-1]) if self.labels else ""


def label_row(row: Row) -> LRow:
    """A table row: the label cells, then the value cells after the last label."""
    cells = row.cells
    last_label = -1
    for i, c in enumerate(cells):
        if not parse_value(c)[0]:
            last_label = i
    labels = [c for c in cells[: last_label + 1] if c and not parse_value(c)[0]]
    spans = row.spans or [None] * len(cells)
    values = [Value(c, parse_value(c)[1], s) for c, s in zip(cells[last_label + 1:], spans[last_label + 1:])]
    return LRow(labels, values, row.in_table, row.table, [c for c in cells if c and c.strip()], row)


def segments(row: Row) -> list[LRow]:
    """A line of text cut into label-then-values segments. A line may hold several table rows
    when a crawler flattened the table (``行政处罚1282行政强制42``); blanks have no token there."""
    out: list[LRow] = []
    labels: list[str] = []
    values: list[Value] = []
    for c in row.cells:
        ok, v = parse_value(c)
        if ok and c.strip():
            values.append(Value(c, v))
            continue
        if not ok:
            if values:
                out.append(LRow(labels, values, False, None, labels + [v.raw for v in values]))
                labels, values = [], []
            labels.append(c)
    if labels or values:
        out.append(LRow(labels, values, False, None, labels + [v.raw for v in values]))
    return out


SECTION_MARKERS = [
    ("t2", re.compile(r"主动公开政府信息情况")),
    ("t3", re.compile(r"收到和处理政府信息公开申请情况")),
    ("t4", re.compile(r"政府信息公开行政复议[、,，]?行政诉讼情况|行政复议[、,，]行政诉讼情况")),
    ("end", re.compile(r"^[五六七]、.{0,4}(存在的主要问题|其他需要报告|政府信息公开工作存在)")),
]


def _marker(text: str, in_table: bool, current: str | None) -> str | None:
    head = squash(text)[:60]
    for name, rx in SECTION_MARKERS:
        if rx.search(head):
            return name
    # Tables whose heading is missing or was not recognised announce themselves.
    if "第二十条第" in head and current != "t2":
        return "t2"
    if "本年新收" in head and current != "t3":
        return "t3"
    if in_table and "行政复议" in head and "行政诉讼" in head and current != "t4":
        return "t4"
    return None


def sections(doc: Document) -> dict[str, list[LRow]]:
    """The labelled rows of each table section: {"t2": […], "t3": […], "t4": […]}.

    When the document has real tables, only table rows count (narrative lines with numbers are
    never cells); flattened text uses every line between the headings.
    """
    has_tables = any(r.in_table for r in doc.rows)
    out: dict[str, list[LRow]] = {"t2": [], "t3": [], "t4": []}
    current: str | None = None
    for row in doc.rows:
        # (texts that may be a section heading, the labelled row they belong to)
        if row.in_table:
            units = [(["".join(row.cells)], label_row(row))]
        elif has_tables:
            units = [(["".join(row.cells)], None)]  # narrative: headings only, never cells
        else:
            units = [(lrow.labels, lrow) for lrow in segments(row)]
        for texts, lrow in units:
            for text in texts:
                m = _marker(text, row.in_table, current)
                if m:
                    current = None if m == "end" else m
            if current is not None and lrow is not None and (lrow.labels or lrow.values):
                out[current].append(lrow)
    return out
