"""表二 主动公开政府信息情况: rows (规章, 行政许可 …) by label, columns by the header row above them.

The column headings decide the template: 本年新制作数量 / 上一年项目数量 are the 2019 format,
本年制发件数 / 本年处理决定数量 / 本年收费金额 the 2021 format.
"""
from __future__ import annotations

import re

from .glued import splits
from .layout import LRow
from .numbers import squash
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


def header_columns(text: str) -> tuple[list[tuple[str, str | None]], int]:
    """The value columns a header names, in order, and where the last of them ends in the text
    (a flattened table glues the header to the first row's label: …现行有效件数规章000)."""
    found = []
    for rx, col, template in COLUMNS:
        for m in rx.finditer(text):
            if not any(m.start() < e and s < m.end() for s, e, *_ in found):
                found.append((m.start(), m.end(), col, template))
    found.sort()
    return [(col, t) for _, _, col, t in found], max((e for _, e, *_ in found), default=0)


def parse(rows: list[LRow]) -> TableResult:
    res = TableResult()
    columns: list[tuple[str, str | None]] = []
    for row in rows:
        text = squash("".join(row.labels))
        cols, end = header_columns(text)
        if cols:
            columns = cols
            for _, template in cols:
                if template:
                    res.vote(template)
            text = text[end:]
        if not row.values or not text or not columns:
            continue
        item = next((name for name, rx in ITEMS if rx.search(text)), None)
        if item is None:
            continue
        values = fit(row.values, len(columns))
        if len(values) == len(columns):
            for (col, _), v in zip(columns, values):
                res.put(f"t2.{item}.{col}", v)
            continue
        if not row.in_table and all(re.fullmatch(r"\d+", v.raw) for v in values):
            # Digits that lost their separators: only an unambiguous cut is read (e.g. 000).
            run = " ".join(v.raw for v in values)
            cuts = list(splits([v.raw for v in values], len(columns)))
            if not res.put_cut([f"t2.{item}.{col}" for col, _ in columns], cuts, run):
                res.notes.append(f"表二 {text}: digits {run!r} lost their cell separators; {len(cuts)} cuts into "
                                 f"{len(columns)} cells and 表二 has no arithmetic to choose: undetermined cells left blank")
            continue
        res.notes.append(f"表二 {text}: {len(values)} values under {len(columns)} columns; not read")
    return res
