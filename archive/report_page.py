"""The report page of the archive: one report laid out like the official form.

``table_layouts(cells)`` turns a report's cells (with their ``cell_keys`` labels) into the
tables of the official format: one table per heading (``table_zh``: 表二's articles, 表三, 表四),
rows and columns in the order of ``cell_keys.position``, labels split on ``/`` into nested
headers (``法人或其他组织/商业企业`` under ``法人或其他组织``) with row and column spans as on
paper. Cells without labels (keys outside ``cell_keys``) go to a last table of their own, so
every value of the report is shown. A cell read by OCR carries its confidence (``ocr``) and
whether the arithmetic doubts it (``uncertain``), for the page to mark.

Pure functions over plain dicts: the plugin queries, this lays out, the template escapes.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: The official tables by the first part of a cell key.
TABLE_NAMES = {
    "t2": "表二 主动公开政府信息情况 / table 2: information disclosed proactively",
    "t3": "表三 收到和处理政府信息公开申请情况 / table 3: applications received and handled",
    "t4": "表四 政府信息公开行政复议、行政诉讼情况 / table 4: reconsiderations and lawsuits",
}
UNLABELLED = "其他单元格 / other cells"

SAFE_ORIGINAL_TYPES = {"application/pdf": ".pdf"}


def format_value(value: Any) -> str:
    """A cell value as printed on the page: whole numbers without ``.0``, blanks empty."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class Header:
    text: str
    span: int = 1
    title: str | None = None
    cross: int = 1


def format_confidence(confidence: float | None) -> str | None:
    """An OCR confidence as shown on the page (``OCR 0.93``), None for a cell not read by OCR."""
    if confidence is None:
        return None
    return f"OCR {confidence:.2f}"


@dataclass
class Cell:
    key: str
    value: str
    raw: str | None
    unit: str | None
    title: str | None = None
    ocr: float | None = None       # OCR confidence, None when not read by OCR
    uncertain: bool = False        # an OCR reading the arithmetic doubts

    @property
    def ocr_label(self) -> str | None:
        return format_confidence(self.ocr)

    @property
    def css_class(self) -> str:
        return " ".join(["value", *(["ocr"] if self.ocr is not None else []),
                         *(["uncertain"] if self.uncertain else [])])


def _cell(cell: Mapping[str, Any], title: str | None = None) -> Cell:
    return Cell(cell["key"], format_value(cell.get("value")), cell.get("raw"), cell.get("unit"),
                title, cell.get("ocr_confidence"), bool(cell.get("uncertain")))


@dataclass
class Table:
    group: str                     # t2 / t3 / t4 / other
    heading: str
    header_rows: list[list[Header]] = field(default_factory=list)
    label_depth: int = 1
    rows: list[tuple[list[Header], list[Cell | None]]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)


def _parts(label: str | None, fallback: str) -> list[str]:
    """A label's levels, split on ``/``; a one-character part belongs to the part before it
    (``本年增/减`` is one label)."""
    parts: list[str] = []
    for part in (label or "").split("/"):
        part = part.strip()
        if not part:
            continue
        if parts and len(part) == 1:
            parts[-1] += "/" + part
        else:
            parts.append(part)
    return parts or [fallback]


def _spans(paths: list[list[str]], depth: int) -> list[list[Header]]:
    """Header cells, level by level: consecutive equal prefixes merged (``span``), a label
    that ends before ``depth`` stretched across the remaining levels (``cross``); levels it
    covers get no cell. An abbreviated part (``三`` after ``三、本年度办理结果``) is read as the
    part it abbreviates."""
    paths = [list(path) for path in paths]
    for previous, path in zip(paths, paths[1:]):
        for level in range(min(len(previous), len(path)) - 1):
            if previous[level] != path[level] and previous[level].startswith(path[level] + "、"):
                path[level] = previous[level]
    levels: list[list[Header]] = []
    for level in range(depth):
        headers: list[Header] = []
        previous: tuple[str, ...] | None = None
        for path in paths:
            if level >= len(path):
                previous = None
                continue
            prefix = tuple(path[:level + 1])
            ends_here = level == len(path) - 1
            if headers and prefix == previous and not ends_here and headers[-1].cross == 1:
                headers[-1].span += 1
            else:
                headers.append(Header(path[level], cross=depth - level if ends_here else 1))
            previous = None if ends_here else prefix
        levels.append(headers)
    return levels


def table_layouts(cells: Iterable[Mapping[str, Any]]) -> list[Table]:
    """Tables of the report's cells. Each cell mapping: ``key``, ``value``, ``raw``,
    ``table_zh``, ``row_zh``, ``col_zh``, ``unit``, ``row_en``, ``col_en``, ``position``,
    optionally ``ocr_confidence`` and ``uncertain``."""
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for cell in sorted(cells, key=lambda c: (c.get("position") is None, c.get("position") or 0,
                                             c["key"])):
        key = cell["key"]
        parts = key.split(".")
        if cell.get("row_zh") and cell.get("col_zh") and len(parts) == 3:
            group = (parts[0], cell.get("table_zh") or parts[0])
        else:
            group = ("other", UNLABELLED)
        groups.setdefault(group, []).append(cell)
    order = {"t2": 0, "t3": 1, "t4": 2, "other": 9}
    tables = []
    for (prefix, heading), members in sorted(groups.items(),
                                             key=lambda item: order.get(item[0][0], 5)):
        tables.append(_other_table(members) if prefix == "other"
                      else _form_table(prefix, heading, members))
    return tables


def _form_table(prefix: str, heading: str, members: list[Mapping[str, Any]]) -> Table:
    rows: dict[str, Mapping[str, Any]] = {}
    cols: dict[str, Mapping[str, Any]] = {}
    grid: dict[tuple[str, str], Mapping[str, Any]] = {}
    for cell in members:
        _, row, col = cell["key"].split(".")
        rows.setdefault(row, cell)
        cols.setdefault(col, cell)
        grid[(row, col)] = cell
    col_paths = [_parts(c.get("col_zh"), name) for name, c in cols.items()]
    row_paths = [_parts(r.get("row_zh"), name) for name, r in rows.items()]
    col_depth = max(map(len, col_paths))
    row_depth = max(map(len, row_paths))
    table = Table(prefix, heading, label_depth=row_depth)
    table.header_rows = _spans(col_paths, col_depth)
    row_levels = _spans(row_paths, row_depth)
    # row labels: a header cell starts where its span starts, as rowspans on paper
    starts: list[list[Header]] = [[] for _ in rows]
    for level, headers in enumerate(row_levels):
        present = [i for i, path in enumerate(row_paths) if level < len(path)]
        cursor = 0
        for header in headers:
            starts[present[cursor]].append(header)
            cursor += header.span
    for (name, first), labels in zip(rows.items(), starts):
        if labels:
            labels[-1].title = first.get("row_en")
        values: list[Cell | None] = []
        for col in cols:
            cell = grid.get((name, col))
            if cell is None:
                values.append(None)
                continue
            values.append(_cell(cell, " / ".join(filter(None, [cell.get("row_en"),
                                                               cell.get("col_en")])) or None))
            table.keys.append(cell["key"])
        table.rows.append((labels, values))
    return table


def _other_table(members: list[Mapping[str, Any]]) -> Table:
    table = Table("other", UNLABELLED, header_rows=[[Header("键 / key"), Header("数值 / value")]])
    for cell in members:
        table.rows.append(([Header(cell["key"])],
                           [_cell(cell)]))
        table.keys.append(cell["key"])
    return table


def original_response_type(content_type: str | None, sha256: str,
                           filename: str | None) -> tuple[str, str]:
    """The Content-Type and Content-Disposition an archived original is served with: PDFs
    inline, everything else (HTML above all) as a download, never rendered by the browser."""
    base = (content_type or "").split(";")[0].strip().lower()
    if base in SAFE_ORIGINAL_TYPES:
        name = f"{sha256[:16]}{SAFE_ORIGINAL_TYPES[base]}"
        return base, f'inline; filename="{name}"'
    extension = ""
    if filename and "." in filename:
        candidate = filename.rsplit(".", 1)[1].lower()
        if candidate.isascii() and candidate.isalnum() and len(candidate) <= 5:
            extension = "." + candidate
    return "application/octet-stream", f'attachment; filename="{sha256[:16]}{extension}"'
