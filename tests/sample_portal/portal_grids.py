"""Reading the portal's tables back, independently of the portal's own layout code.

``html_tables`` expands ``<table>`` rowspan/colspan into grids; ``cells_from_grids`` maps a
report's three grids to canonical keys by their printed labels, using only ``cells.csv``.
"""
from __future__ import annotations

import re

import lxml.html

from gongkai.pipelines.cells import cell_specs


def clean(text: str | None) -> str:
    return re.sub(r"\s+", "", (text or "").replace("\xa0", " "))


def html_tables(html: str) -> list[list[list[str]]]:
    grids = []
    for table in lxml.html.fromstring(html).iter("table"):
        grid: dict[tuple[int, int], str] = {}
        for r, tr in enumerate(table.iter("tr")):
            c = 0
            for td in tr:
                if td.tag not in ("td", "th"):
                    continue
                while (r, c) in grid:
                    c += 1
                text = clean(td.text_content())
                rowspan, colspan = int(td.get("rowspan", 1)), int(td.get("colspan", 1))
                for dr in range(rowspan):
                    for dc in range(colspan):
                        grid[(r + dr, c + dc)] = text
                c += colspan
        rows = 1 + max(r for r, _ in grid)
        cols = 1 + max(c for _, c in grid)
        grids.append([[grid.get((r, c), "") for c in range(cols)] for r in range(rows)])
    return grids


def number(text: str):
    if text == "":
        return None
    return float(text) if "." in text else int(text)


def _t2_labels() -> dict[tuple[str, str], str]:
    out = {}
    for key, spec in cell_specs().items():
        if spec.family != "t2":
            continue
        base, _, variant = spec.col_zh.partition("（2021：")   # 处理决定数量（2021：本年处理决定数量）
        out[(spec.row_zh, base)] = key
        if variant:
            out[(spec.row_zh, variant.removesuffix("）"))] = key
    return out


def _t3_rows() -> dict[tuple[str | None, str], str]:
    out = {}
    for key, spec in cell_specs().items():
        if spec.family != "t3":
            continue
        parts = spec.row_zh.split("/")
        last = parts[-1]
        group = parts[-2] if re.match(r"\d\.", last) else None
        out[(group, last)] = key.split(".")[1]
    return out


_T3_COLUMNS = ("natural_person", "commercial", "research", "social", "legal", "other_org", "total")
_T4 = {"行政复议": "review", "未经复议直接起诉": "suit_direct", "复议后起诉": "suit_after_review"}
_T4_RESULTS = {"结果维持": "upheld", "结果纠正": "corrected", "其他结果": "other", "尚未审结": "pending", "总计": "total"}


def cells_from_grids(t2: list[list[str]], t3: list[list[str]], t4: list[list[str]]) -> dict:
    cells = {}
    labels2 = _t2_labels()
    header: list[str] = []
    for row in t2:
        if row[0] == "信息内容":
            header = row
        elif len(set(row)) > 1 and not row[0].startswith("第二十条"):
            seen = set()
            for col_label, value in zip(header[1:], row[1:]):
                if col_label in seen:      # a colspan repeats the same cell
                    continue
                seen.add(col_label)
                cells[labels2[(row[0], col_label)]] = number(value)
    rows3 = _t3_rows()
    for row in t3[3:]:
        labels, values = row[:3], row[3:]
        if labels[2] != labels[1]:
            row_key = rows3[(labels[1], labels[2])]
        else:
            row_key = rows3[(None, labels[2])]
        for col, value in zip(_T3_COLUMNS, values):
            cells[f"t3.{row_key}.{col}"] = number(value)
    for c, value in enumerate(t4[3]):
        group = _T4[t4[1][c]] if t4[0][c] == "行政诉讼" else _T4[t4[0][c]]
        cells[f"t4.{group}.{_T4_RESULTS[t4[2][c]]}"] = number(value)
    return cells


def page_html(site, item: dict, url: str | None = None) -> str:
    """A page of the portal as text, decoded as the truth says it is encoded (GBK as gb18030)."""
    body = site.resource_for(url or item["page_url"]).body
    return body.decode("utf-8" if item["encoding"] == "utf-8" else "gb18030")
