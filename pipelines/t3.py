"""表三 收到和处理政府信息公开申请情况: 26–28 rows by label, seven applicant columns, and its checks.

Rows are matched by their own label (the innermost label cell), with the parent labels
(三、本年度办理结果, （三）不予公开 …) as context. （六）其他处理 printed as one row gives the
``t3.other.*`` keys; printed as three sub-rows it gives ``other_no_correction``/``other_unpaid_fee``/
``other_misc`` — keys follow the rows actually printed.
"""
from __future__ import annotations

import re

from .cells import T3_COLUMNS
from .glued import row_splits, table_solutions
from .layout import LRow
from .tableparse import TableResult, fit, check

ROWS = [  # own label (or the whole label) -> row key; the first match wins
    ("new", re.compile(r"本年新收")),
    ("carried_over", re.compile(r"上年结转")),
    ("carried_forward", re.compile(r"结转下年")),
    ("partial", re.compile(r"部分公开")),
    ("granted", re.compile(r"予以公开")),
    ("denied_state_secret", re.compile(r"国家秘密")),
    ("denied_prohibited", re.compile(r"禁止公开|法律行政|行政法规")),
    ("denied_safety_stability", re.compile(r"三安全|一稳定|危及")),
    ("denied_third_party", re.compile(r"第三方")),
    ("denied_internal", re.compile(r"内部事务")),
    ("denied_process", re.compile(r"过程性")),
    ("denied_enforcement", re.compile(r"执法案卷")),
    ("denied_inquiry", re.compile(r"行政查询")),
    ("unable_not_held", re.compile(r"不掌握")),
    ("unable_needs_creation", re.compile(r"另行制作|没有现成")),
    ("unable_unclear", re.compile(r"仍不明确|补正后")),
    ("rejected_petition", re.compile(r"信访|举报|投诉")),
    ("rejected_duplicate", re.compile(r"重复申请")),
    ("rejected_publication", re.compile(r"公开出版物|出版物")),
    ("rejected_excessive", re.compile(r"大量反复|反复申请")),
    ("rejected_confirmation", re.compile(r"确认或重新出具|重新出具|要求行政机关确认")),
    ("other_no_correction", re.compile(r"不补正")),
    ("other_unpaid_fee", re.compile(r"缴纳费用|收费通知")),
    ("total", re.compile(r"总计|合计")),
]
_ORDER = {key: i for i, (key, _) in enumerate(ROWS)}
_OTHER_GROUP = re.compile(r"其他处理")
_GROUPS = re.compile(r"（([三四五六])）(不予公开|无法提供|不予处理|其他处理)")
_MISC = re.compile(r"^(\d+[.、．]?|[（(]?\d+[)）])?其他(情形)?$")

RESULT_ROWS_2019 = [
    "granted", "partial", "denied_state_secret", "denied_prohibited", "denied_safety_stability",
    "denied_third_party", "denied_internal", "denied_process", "denied_enforcement", "denied_inquiry",
    "unable_not_held", "unable_needs_creation", "unable_unclear", "rejected_petition",
    "rejected_duplicate", "rejected_publication", "rejected_excessive", "rejected_confirmation",
]
OTHER_SPLIT = ["other_no_correction", "other_unpaid_fee", "other_misc"]


def row_key(row: LRow, group: str | None) -> str | None:
    own, whole = row.own_label, row.label
    if not whole:
        return None
    # Parent labels merged into the row's own cell: 「三、本年度办理结果（六）其他处理3.其他」.
    tail = _GROUPS.split(own)[-1]
    if tail and tail != own:
        own = tail
    if _MISC.match(own) and (group == "六" or _OTHER_GROUP.search(whole)):
        return "other_misc"
    for key, rx in ROWS:
        if rx.search(own):
            return key
    if _OTHER_GROUP.search(own):
        return "other"
    for key, rx in ROWS:
        if rx.search(whole):
            return key
    if _OTHER_GROUP.search(whole):
        return "other"
    return None


_SUBCOLUMNS = ("商业企业", "科研机构", "社会公益", "法律服务")
_HEADER_WORDS = {"自然人": "natural_person", "法人": None, "总计": "total"}


def header_columns(text: str) -> tuple[str | None, ...]:
    """The applicant columns a 表三 header prints, in order. The official form has seven; some
    reports print only 自然人 / 法人或其他组织 / 总计 — the 法人 aggregate has no canonical key
    (None): its sub-columns were not printed."""
    if not text or any(w in text for w in _SUBCOLUMNS):
        return T3_COLUMNS
    found = sorted((text.find(w), key) for w, key in _HEADER_WORDS.items() if w in text)
    keys = tuple(key for _, key in found)
    if "natural_person" in keys and "total" in keys:
        return keys
    return T3_COLUMNS


_GRID_WORDS = [("自然人", "natural_person"), ("商业企业", "commercial"), ("科研", "research"),
               ("公益", "social"), ("法律服务", "legal"), ("总计", "total"), ("法人", "legal_person"),
               ("其他", "other_org")]


def grid_columns(header_rows: list[LRow]) -> dict[int, str]:
    """Grid column -> applicant column key, from the header rows' cells and their spans; a lower
    header row refines an upper one (商业企业 … under 法人或其他组织)."""
    out: dict[int, str] = {}
    for lrow in header_rows:
        if lrow.row is None or lrow.row.spans is None:
            continue
        for text, (first, last) in zip(lrow.row.cells, lrow.row.spans):
            key = next((k for w, k in _GRID_WORDS if w in text), None)
            if key is not None and len(text) <= 12:
                for c in range(first, last + 1):
                    out[c] = key
    return out


def _by_grid(values, columns, grid: dict[int, str]) -> dict[str, object] | None:
    """Values placed by the header column above them, for a row whose cells do not line up one to
    one with the header (an extra empty cell, a cell spanning differently). None if any column
    stays ambiguous."""
    found: dict[str, list] = {}
    for v in values:
        if v.span is None:
            return None
        keys = {grid.get(c) for c in range(v.span[0], v.span[1] + 1)} - {None}
        if len(keys) == 1:
            found.setdefault(keys.pop(), []).append(v)
    out = {}
    for col in (c for c in columns if c is not None):
        cands = found.get(col, [])
        printed = [v for v in cands if v.raw.strip()]
        if len(printed) == 1:
            out[col] = printed[0]
        elif not printed and cands:
            out[col] = cands[0]
        else:
            return None
    return out


def parse(rows: list[LRow]) -> TableResult:
    res = TableResult()
    group: str | None = None
    glued: dict[str, list[str]] = {}
    header = ""
    header_rows: list[LRow] = []
    grid: dict[int, str] = {}
    columns: tuple[str | None, ...] | None = None
    for row in rows:
        for m in _GROUPS.finditer(row.label):
            group = m.group(1)
        if columns is None:
            header += "".join(row.words if not row.values else row.labels)
            header_rows.append(row)
        if not row.values or all(v.value is None for v in row.values) and not row.labels:
            continue
        if columns is None:
            columns = header_columns(header)
            grid = grid_columns(header_rows[:-1])
            if columns != T3_COLUMNS:
                res.notes.append(f"表三 prints only the columns {'/'.join(c or '法人或其他组织' for c in columns)}: "
                                 "the sub-columns of 法人或其他组织 were not printed")
        key = row_key(row, group)
        if key is None:
            continue
        if key in OTHER_SPLIT:
            res.vote("2021")
        elif key == "other":
            res.vote("2019")
        values = fit(row.values, len(columns))
        placed = None if len(values) == len(columns) or not grid else _by_grid(row.values, columns, grid)
        if placed is not None:
            for col, v in placed.items():
                res.put(f"t3.{key}.{col}", v)
        elif len(values) == len(columns):
            for col, v in zip(columns, values):
                if col is not None:
                    res.put(f"t3.{key}.{col}", v)
        elif columns == T3_COLUMNS and not row.in_table and all(re.fullmatch(r"\d+", v.raw) for v in values):
            glued.setdefault(key, [v.raw for v in values])
        else:
            res.notes.append(f"表三 {row.label}: {len(values)} values for {len(columns)} columns; not read")
    if glued:
        _split_glued(res, glued)
    return res


def _split_glued(res: TableResult, glued: dict[str, list[str]]) -> None:
    """Rows whose digits lost their separators: cut each so its six applicant cells add up to 总计,
    then keep the cuts that let the whole table add up. A cell is kept only where every surviving
    table solution agrees on it; the rest stay null, with the reason in the notes."""
    candidates: dict[str, list[list[int]]] = {}
    for key, tokens in glued.items():
        candidates[key] = row_splits(tokens, len(T3_COLUMNS))
    for key in {k.split(".")[1] for k in res.cells if k.startswith("t3.")} - set(glued):
        row = [res.cells.get(f"t3.{key}.{c}") for c in T3_COLUMNS]
        candidates[key] = [[int(v or 0) for v in row]]
    result_rows = RESULT_ROWS_2019 + (OTHER_SPLIT if any(k in candidates for k in OTHER_SPLIT) else ["other"])
    dead = [k for k, c in candidates.items() if not c]
    solutions = [] if dead else table_solutions(candidates, len(T3_COLUMNS), result_rows)
    for key, tokens in glued.items():
        run = " ".join(tokens)
        if key in dead:
            readings, reason = [], "no cut adds up to its 总计"
        elif solutions:
            readings, reason = [sol[key] for sol in solutions], f"{len(solutions)} table solutions"
        else:
            single = candidates[key] if len(candidates[key]) == 1 else []
            readings, reason = single, "the table's sums do not hold for any combination of row cuts"
        if not res.put_cut([f"t3.{key}.{col}" for col in T3_COLUMNS], readings, run):
            res.notes.append(f"表三 {key}: digits {run!r} lost their separators and cannot be cut unambiguously "
                             f"({reason}); undetermined cells left blank")


def checks(cells: dict, clean: set[str]) -> list[dict]:
    """The spec's 表三 arithmetic. ``clean`` holds the keys read from delimited cells (a failed check
    among clean cells is the report's own inconsistency; otherwise it may be our misreading)."""
    out = []
    rows = sorted({k.split(".")[1] for k in cells if k.startswith("t3.")}, key=lambda r: _ORDER.get(r, 99))
    # Row sums need the applicant sub-columns; a table that prints only 自然人/法人/总计 has none.
    with_subcolumns = any(k.endswith(".commercial") for k in cells)
    for r in rows if with_subcolumns else []:
        parts = {f"t3.{r}.{c}": None for c in T3_COLUMNS[:-1]}
        out.append(_check(f"t3.row.{r}", parts, f"t3.{r}.total", cells, clean))
    result_rows = RESULT_ROWS_2019 + (OTHER_SPLIT if any(k.startswith("t3.other_") for k in cells) else ["other"])
    for c in T3_COLUMNS if with_subcolumns else ("natural_person", "total"):
        parts = {f"t3.{r}.{c}": None for r in result_rows}
        out.append(_check(f"t3.column.{c}", parts, f"t3.total.{c}", cells, clean))
    for c in T3_COLUMNS:
        keys = [f"t3.new.{c}", f"t3.carried_over.{c}", f"t3.total.{c}", f"t3.carried_forward.{c}"]
        if not all(k in cells for k in keys):
            continue
        a = (cells[keys[0]] or 0) + (cells[keys[1]] or 0)
        b = (cells[keys[2]] or 0) + (cells[keys[3]] or 0)
        ok = abs(a - b) < 1e-6
        out.append({
            "rule": f"t3.balance.{c}", "ok": ok, "expected": a, "found": b,
            "detail": f"{_n(cells[keys[0]])}+{_n(cells[keys[1]])} = {_n(cells[keys[2]])}+{_n(cells[keys[3]])}"
                      + ("" if ok else f" ({_n(a)} ≠ {_n(b)})"),
            "verdict": None if ok else ("source" if set(keys) <= clean else "misread"),
        })
    return [c for c in out if c]


def _check(rule, parts, total, cells, clean):
    # "source" only when every cell of the sum was printed and read from a delimited cell: a row we
    # failed to match, or a cell cut from a glued run, leaves room for our own misreading.
    return check(rule, parts, total, cells, raw_ok={*parts, total} <= clean)


def _n(v):
    if v is None:
        return "∅"
    return str(int(v)) if float(v).is_integer() else str(v)
