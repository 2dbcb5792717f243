"""表四 政府信息公开行政复议、行政诉讼情况: fifteen values under three groups, and their checks.

The values sit in one data row under a two-level header: 行政复议 | 行政诉讼 (未经复议直接起诉,
复议后起诉), each with 结果维持 结果纠正 其他结果 尚未审结 总计. The groups are read in the header's
order; a data row split over several lines (PDF pages, flattened text) is joined.
"""
from __future__ import annotations

from .cells import T4_COLUMNS, T4_GROUPS
import re

from .glued import group_splits
from .layout import LRow
from .tableparse import TableResult, check, fit

N = len(T4_GROUPS) * len(T4_COLUMNS)


def parse(rows: list[LRow]) -> TableResult:
    res = TableResult()
    values = []
    for row in rows:
        if not row.values or all(v.value is None for v in row.values):
            continue
        values.extend(row.values)
        if len(values) >= N and row.in_table:
            break
    if not values:
        return res
    values = fit(values, N)
    if len(values) == N:
        it = iter(values)
        for g in T4_GROUPS:
            for c in T4_COLUMNS:
                res.put(f"t4.{g}.{c}", next(it))
        return res
    if all(re.fullmatch(r"\d+", v.raw) for v in values) and len(values) < N:
        run = " ".join(v.raw for v in values)
        readings = group_splits([v.raw for v in values], len(T4_GROUPS), len(T4_COLUMNS))
        if not res.put_cut([f"t4.{g}.{c}" for g in T4_GROUPS for c in T4_COLUMNS], readings, run):
            res.notes.append(f"表四: digits {run!r} lost their separators; {len(readings)} cuts satisfy the group "
                             "sums; undetermined cells left blank")
        return res
    res.notes.append(f"表四: {len(values)} values for {N} cells; not read")
    return res


def checks(cells: dict, clean: set[str]) -> list[dict]:
    out = []
    for g in T4_GROUPS:
        parts = {f"t4.{g}.{c}": None for c in T4_COLUMNS[:-1]}
        total = f"t4.{g}.total"
        out.append(check(f"t4.{g}", parts, total, cells, raw_ok={*parts, total} <= clean))
    return [c for c in out if c]
