"""The arithmetic every report of the sample portal satisfies (../shared/spec/README.md).

Used by the generator to refuse inconsistent numbers; tests re-derive the same rules independently.
Blank cells (None) take no part: a rule with a blank operand is skipped, not failed.
"""
from __future__ import annotations

from gongkai.pipelines.cells import T3_COLUMNS, T4_COLUMNS, T4_GROUPS

from .layout import Number, t3_outcome_rows

_APPLICANTS = T3_COLUMNS[:-1]
_T3_ROWS_OUTSIDE_RESULTS = ("new", "carried_over", "carried_forward")


def _sum(values: list[Number | None]) -> Number | None:
    if any(v is None for v in values):
        return None
    return sum(values)  # type: ignore[arg-type]


def arithmetic_problems(cells: dict[str, Number | None], template: str) -> list[str]:
    """Human-readable descriptions of every failed rule; empty when all hold."""
    problems: list[str] = []

    def expect(rule: str, parts: list[Number | None], whole: Number | None) -> None:
        total = _sum(parts)
        if total is None or whole is None:
            return
        if total != whole:
            problems.append(f"{rule}: {' + '.join(map(str, parts))} = {total}, table says {whole}")

    outcome_rows = t3_outcome_rows(template)
    for row in _T3_ROWS_OUTSIDE_RESULTS + outcome_rows + ("total",):
        expect(f"t3 row {row}", [cells.get(f"t3.{row}.{c}") for c in _APPLICANTS], cells.get(f"t3.{row}.total"))
    for col in T3_COLUMNS:
        expect(f"t3 column {col} results", [cells.get(f"t3.{row}.{col}") for row in outcome_rows],
               cells.get(f"t3.total.{col}"))
        left = _sum([cells.get(f"t3.new.{col}"), cells.get(f"t3.carried_over.{col}")])
        right = _sum([cells.get(f"t3.total.{col}"), cells.get(f"t3.carried_forward.{col}")])
        if left is not None and right is not None and left != right:
            problems.append(f"t3 column {col} balance: new + carried over = {left}, handled + carried forward = {right}")
    for group in T4_GROUPS:
        expect(f"t4 {group}", [cells.get(f"t4.{group}.{c}") for c in T4_COLUMNS[:-1]], cells.get(f"t4.{group}.total"))
    return problems
