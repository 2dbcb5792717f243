"""表四 政府信息公开行政复议、行政诉讼情况: fifteen values under three groups, and their checks.

The values sit in one data row under a two-level header: 行政复议 | 行政诉讼 (未经复议直接起诉,
复议后起诉), each with 结果维持 结果纠正 其他结果 尚未审结 总计. The groups are read in the header's
order; a data row split over several lines (PDF pages, flattened text) is joined.
"""
from __future__ import annotations

from .cells import T4_COLUMNS, T4_GROUPS
from .layout import LRow
from .tableparse import TableResult, check, fit

N = len(T4_GROUPS) * len(T4_COLUMNS)


def parse(rows: list[LRow]) -> TableResult:
    res = TableResult()
    values = []
    for row in rows:
        if not row.values:
            continue
        if row.labels and any(w in row.label for w in ("结果维持", "结果纠正", "尚未审结")):
            continue  # a header row that happens to end in blank cells
        values.extend(row.values)
        if len(values) >= N and not values[0].glued:
            break
    if len(values) == 1 and values[0].glued:
        for g in T4_GROUPS:
            for c in T4_COLUMNS:
                res.cells.setdefault(f"t4.{g}.{c}", None)
                res.glued[f"t4.{g}.{c}"] = values[0].raw
        return res
    values = fit(values, N)
    if not values:
        return res
    if len(values) != N:
        res.notes.append(f"表四: {len(values)} values for {N} cells; not read")
        return res
    it = iter(values)
    for g in T4_GROUPS:
        for c in T4_COLUMNS:
            res.put(f"t4.{g}.{c}", next(it))
    return res


def checks(cells: dict, clean: set[str]) -> list[dict]:
    out = []
    for g in T4_GROUPS:
        parts = {f"t4.{g}.{c}": None for c in T4_COLUMNS[:-1]}
        total = f"t4.{g}.total"
        out.append(check(f"t4.{g}", parts, total, cells, raw_ok={*parts, total} & set(cells) <= clean))
    return [c for c in out if c]
