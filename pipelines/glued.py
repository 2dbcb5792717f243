"""Split digit runs whose cell separators were lost (``…数量713000074`` = 71 3 0 0 0 0 74).

Only the tables' arithmetic can split such runs. Each function returns every split that satisfies
the arithmetic; the callers keep a cell only where exactly one reading survives (never a guess).
A run is given as its tokens: where the source kept some separators (``230 000023``) a cell never
spans two tokens. Cells have no leading zeros (``05`` is two cells, 0 and 5).
"""
from __future__ import annotations

from collections.abc import Iterator
from itertools import product

MAX_SOLUTIONS = 5000


def _cells(s: str):
    """A token's possible first cells: (value, rest)."""
    for i in range(1, len(s) + 1):
        head = s[:i]
        if len(head) > 1 and head[0] == "0":
            break
        yield int(head), s[i:]


def splits(tokens: list[str], n: int) -> Iterator[list[int]]:
    """Every way to cut the tokens into n cells without leading zeros."""
    tokens = [t for t in tokens if t]

    def rec(i: int, rest: str, acc: list[int]):
        if len(acc) > n:
            return
        if not rest:
            if i + 1 < len(tokens):
                yield from rec(i + 1, tokens[i + 1], acc)
            elif len(acc) == n:
                yield list(acc)
            return
        remaining_digits = len(rest) + sum(len(t) for t in tokens[i + 1:])
        if len(acc) + 1 > n or n - len(acc) > remaining_digits:
            return
        for v, tail in _cells(rest):
            acc.append(v)
            yield from rec(i, tail, acc)
            acc.pop()

    if tokens:
        yield from rec(0, tokens[0], [])


def row_splits(tokens: list[str], n: int = 7) -> list[list[int]]:
    """Splits of a 表三 row: the first n-1 applicant cells add up to the last (总计)."""
    out = []
    for cells in splits(tokens, n):
        if sum(cells[:-1]) == cells[-1]:
            out.append(cells)
            if len(out) >= MAX_SOLUTIONS:
                break
    return out


def group_splits(tokens: list[str], groups: int = 3, size: int = 5) -> list[list[int]]:
    """Splits of 表四's fifteen cells: in each group the first four add up to the fifth."""
    digits = "".join(tokens)
    if len(tokens) > 1:
        # Token boundaries are cell boundaries: enumerate splits of all tokens, then check.
        return [c for c in splits(tokens, groups * size)
                if all(sum(c[g * size:g * size + size - 1]) == c[g * size + size - 1] for g in range(groups))]
    out: list[list[int]] = []

    def rec(rest: str, acc: list[int]):
        if len(out) >= MAX_SOLUTIONS:
            return
        if len(acc) == groups * size:
            if not rest:
                out.append(list(acc))
            return
        for cells in splits_prefix(rest, size):
            vals, tail = cells
            if sum(vals[:-1]) == vals[-1]:
                rec(tail, acc + vals)

    rec(digits, [])
    return out


def splits_prefix(s: str, n: int) -> Iterator[tuple[list[int], str]]:
    """Every way to take n cells from the start of s: (cells, the rest)."""
    def rec(rest: str, acc: list[int]):
        if len(acc) == n:
            yield list(acc), rest
            return
        for v, tail in _cells(rest):
            acc.append(v)
            yield from rec(tail, acc)
            acc.pop()
    yield from rec(s, [])


def table_solutions(rows: dict[str, list[list[int]]], columns: int,
                    result_rows: list[str], limit: int = 200_000) -> list[dict[str, list[int]]]:
    """Combine per-row candidate splits into table solutions that satisfy 表三's column sums
    (result rows add up to （七）总计) and balance (本年新收 + 上年结转 = 总计 + 结转下年度).
    Rows with one candidate are fixed; the others are searched. Returns every solution
    (stops at `limit` combinations tried, returning [] when the search is too large to finish)."""
    fixed = {r: c[0] for r, c in rows.items() if len(c) == 1}
    open_rows = [r for r, c in rows.items() if len(c) > 1]
    total = 1
    for r in open_rows:
        total *= len(rows[r])
        if total > limit:
            return []
    solutions = []
    for combo in product(*(rows[r] for r in open_rows)):
        table = dict(fixed)
        table.update(zip(open_rows, combo))
        if _table_ok(table, columns, result_rows):
            solutions.append(table)
    return solutions


def _table_ok(table: dict[str, list[int]], columns: int, result_rows: list[str]) -> bool:
    if "total" in table and all(r in table for r in result_rows):
        for c in range(columns):
            if sum(table[r][c] for r in result_rows) != table["total"][c]:
                return False
    bal = ("new", "carried_over", "total", "carried_forward")
    if all(r in table for r in bal):
        for c in range(columns):
            if table["new"][c] + table["carried_over"][c] != table["total"][c] + table["carried_forward"][c]:
                return False
    return True
