"""表二 主动公开政府信息情况: rows (规章, 行政许可 …) by label, columns by the header row above them.

The column headings decide the template: 本年新制作数量 / 上一年项目数量 are the 2019 format,
本年制发件数 / 本年处理决定数量 / 本年收费金额 the 2021 format.
"""
from __future__ import annotations

import re

from .layout import LRow
from .tableparse import TableResult, fit

ITEMS = [  # row label -> key part; the first that matches wins
    ("other_services", re.compile(r"其他对外管理服务")),
    ("normative", re.compile(r"规范性文件")),
    ("regulations", re.compile(r"^规章|规章$")),
    ("licensing", re.compile(r"行政许可")),
    ("penalty", re.compile(r"行政处罚")),
    ("coercion", re.compile(r"行政强制")),
    ("fees", re.compile(r"行政事业性收费|收费")),
    ("procurement", re.compile(r"政府集中采购|集中采购")),
]

COLUMNS = [  # header text -> (column key part, template it belongs to, or None for both)
    (re.compile(r"本年新制作"), "made", "2019"),
    (re.compile(r"本年新公开"), "published", "2019"),
    (re.compile(r"对外公开总数"), "total", "2019"),
    (re.compile(r"本年制发"), "issued", "2021"),
    (re.compile(r"本年废止"), "repealed", "2021"),
    (re.compile(r"现行有效"), "in_force", "2021"),
    (re.compile(r"上一?年项目数量"), "previous", "2019"),
    (re.compile(r"增/?减|增减"), "change", "2019"),
    (re.compile(r"本年处理决定数量"), "decisions", "2021"),
    (re.compile(r"处理决定数量"), "decisions", None),
    (re.compile(r"收费金额"), "amount", "2021"),
    (re.compile(r"采购项目数量"), "items", "2019"),
    (re.compile(r"采购总金额"), "amount", "2019"),
]


def header_columns(row: LRow) -> list[tuple[str, str | None]] | None:
    """The value columns a header row names, in order; None if it is not a header row."""
    if row.values and any(v.value is not None for v in row.values):
        return None
    cols = []
    for word in row.words:
        w = re.sub(r"\s+", "", word)
        for rx, col, template in COLUMNS:
            if rx.search(w):
                cols.append((col, template))
                break
    return cols or None


def parse(rows: list[LRow]) -> TableResult:
    res = TableResult()
    columns: list[tuple[str, str | None]] = []
    for row in rows:
        cols = header_columns(row)
        if cols:
            columns = cols
            for _, template in cols:
                if template:
                    res.vote(template)
            continue
        if not row.values or not row.labels:
            continue
        item = next((name for name, rx in ITEMS if rx.search(row.label)), None)
        if item is None or not columns:
            continue
        values = list(row.values)
        if len(values) == 1 and values[0].glued:
            if len(columns) == 1:
                values[0].glued = False
                values[0].value = _number(values[0].raw)
            else:
                for col, _ in columns:
                    key = f"t2.{item}.{col}"
                    res.cells.setdefault(key, None)
                    res.glued[key] = values[0].raw
                res.notes.append(f"表二 {row.label}: digits {values[0].raw!r} lost their cell separators "
                                 f"and 表二 has no arithmetic to split them into {len(columns)} cells")
                continue
        values = fit(values, len(columns))
        if len(values) != len(columns):
            res.notes.append(f"表二 {row.label}: {len(values)} values under {len(columns)} columns; not read")
            continue
        for (col, _), v in zip(columns, values):
            key = f"t2.{'fees' if item == 'fees' else item}.{col}"
            res.put(key, v)
    return res


def _number(raw: str):
    return float(raw) if "." in raw else int(raw)
