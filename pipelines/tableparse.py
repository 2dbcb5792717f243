"""What the three table modules share: the result they fill in and how a value lands in it."""
from __future__ import annotations

from dataclasses import dataclass, field

from .cells import cell_specs
from .layout import Value


@dataclass
class TableResult:
    cells: dict[str, float | int | None] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    glued: dict[str, str] = field(default_factory=dict)  # key -> the glued run it still sits in
    notes: list[str] = field(default_factory=list)
    template_votes: dict[str, int] = field(default_factory=dict)

    def put(self, key: str, v: Value) -> None:
        if key not in cell_specs():
            self.notes.append(f"no canonical key {key} for {v.raw!r}")
            return
        if key in self.cells and self.cells[key] is not None:
            if v.value is not None and v.value != self.cells[key]:
                self.notes.append(f"{key} printed twice: kept {self.raw[key]!r}, ignored {v.raw!r}")
            return
        self.cells[key] = v.value
        self.raw[key] = v.raw

    def put_cut(self, keys: list[str], readings: list[list[int]], run: str) -> bool:
        """Cells cut from a glued digit run: a cell is kept where every reading agrees on it, and
        null otherwise (never a guess). Returns True when the readings leave no doubt at all."""
        for i, key in enumerate(keys):
            vals = {r[i] for r in readings}
            value = vals.pop() if len(vals) == 1 else None
            self.cells[key] = value
            if value is not None:
                self.raw[key] = str(value)
            self.glued[key] = run
        return len({tuple(r) for r in readings}) == 1

    def vote(self, template: str, n: int = 1) -> None:
        self.template_votes[template] = self.template_votes.get(template, 0) + n

    def merge(self, other: "TableResult") -> None:
        for k, v in other.cells.items():
            if k not in self.cells:
                self.cells[k] = v
                self.raw[k] = other.raw.get(k, "")
        self.glued.update(other.glued)
        self.notes.extend(other.notes)
        for t, n in other.template_votes.items():
            self.vote(t, n)


def fit(values: list[Value], n: int) -> list[Value]:
    """Drop the empty cells that spanning labels leave around a row's values, while there are
    more values than columns: leading empty cells first (a label cell's empty neighbour), then
    trailing blanks."""
    values = list(values)
    while len(values) > n and values[0].raw.strip() == "":
        values.pop(0)
    while len(values) > n and values[-1].value is None:
        values.pop()
    return values


def check(rule: str, parts: dict[str, float | int | None], total_key: str,
          cells: dict, raw_ok: bool = True) -> dict | None:
    """One additive check: sum(parts) == cells[total_key]. Blank cells count as 0 in the sum
    (reports leave zero cells empty); a check whose cells were not printed at all is skipped."""
    if total_key not in cells or not any(k in cells for k in parts):
        return None
    present = {k: cells.get(k) for k in parts if k in cells}
    if all(v is None for v in present.values()) and cells.get(total_key) is None:
        return None
    expected = sum((v or 0) for v in present.values())
    found = cells.get(total_key) or 0
    ok = abs(expected - found) < 1e-6
    terms = "+".join(_fmt(v) for v in present.values())
    return {
        "rule": rule, "ok": ok, "expected": expected, "found": found,
        "detail": f"{terms} = {_fmt(expected)}, printed {_fmt(found)}",
        "verdict": None if ok else ("source" if raw_ok else "misread"),
    }


def _fmt(v) -> str:
    if v is None:
        return "∅"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)
