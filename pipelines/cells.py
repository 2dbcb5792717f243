"""The canonical cell keys of the two official formats (see docs/cells.md).

`CELLS` maps each key (``t3.new.total``) to its spec row: templates, table, Chinese and English
row/column labels and unit. Loaded once from the bundled ``data/cells.csv``.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class CellSpec:
    key: str
    templates: tuple[str, ...]
    table: str
    row_zh: str
    col_zh: str
    unit: str
    row_en: str
    col_en: str

    @property
    def family(self) -> str:
        return self.key.split(".", 1)[0]


@lru_cache(maxsize=1)
def cell_specs() -> dict[str, CellSpec]:
    text = resources.files(__package__).joinpath("data/cells.csv").read_text(encoding="utf-8")
    out: dict[str, CellSpec] = {}
    for r in csv.DictReader(text.splitlines()):
        out[r["key"]] = CellSpec(r["key"], tuple(r["templates"].split()), r["table"], r["row_zh"],
                                 r["col_zh"], r["unit"], r["row_en"], r["col_en"])
    return out


def keys_for(template: str) -> list[str]:
    """Keys of a template ("2019" or "2021") in spec order."""
    return [k for k, s in cell_specs().items() if template in s.templates]


T3_COLUMNS = ("natural_person", "commercial", "research", "social", "legal", "other_org", "total")
T4_GROUPS = ("review", "suit_direct", "suit_after_review")
T4_COLUMNS = ("upheld", "corrected", "other", "pending", "total")
