"""The official statistical tables (表二, 表三, 表四) as renderer-neutral layouts.

A layout is a list of rows in HTML order: each row lists the cells that *start* in it, with their
rowspan/colspan, exactly like ``<tr>``/``<td>``. Label text is the official wording (the 2021
form's skeleton, the 2019 form's labels as in ``cells.csv``); value cells carry their canonical
key. The HTML, PDF and DOCX renderers all draw from these layouts, so the three forms agree.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from gongkai.pipelines.cells import T3_COLUMNS, T4_COLUMNS, T4_GROUPS

Number = int | float


@dataclass(frozen=True)
class Cell:
    """One table cell: a label (``key`` is None) or a value (``text`` is the printed number)."""

    text: str
    key: str | None = None
    rowspan: int = 1
    colspan: int = 1

    @property
    def is_value(self) -> bool:
        return self.key is not None


@dataclass(frozen=True)
class TableLayout:
    name: str                      # "t2" | "t3" | "t4"
    ncols: int
    rows: tuple[tuple[Cell, ...], ...]
    col_weights: tuple[float, ...]  # relative column widths for PDF/DOCX
    header_rows: int               # rows that are column headings

    def placements(self) -> list[tuple[int, int, Cell]]:
        """(row, column, cell) of every cell's top-left grid position (the HTML table model)."""
        occupied: set[tuple[int, int]] = set()
        out: list[tuple[int, int, Cell]] = []
        for r, row in enumerate(self.rows):
            c = 0
            for cell in row:
                while (r, c) in occupied:
                    c += 1
                out.append((r, c, cell))
                for dr in range(cell.rowspan):
                    for dc in range(cell.colspan):
                        occupied.add((r + dr, c + dc))
                c += cell.colspan
        for r, c in occupied:
            if c >= self.ncols or r >= len(self.rows):
                raise ValueError(f"{self.name}: cell spans outside the {len(self.rows)}x{self.ncols} grid at {(r, c)}")
        return out

    def value_keys(self) -> list[str]:
        return [cell.key for row in self.rows for cell in row if cell.key]


def format_value(value: Number | None) -> str:
    """The number as printed: '' for a blank, no exponent, no trailing '.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise TypeError("a cell value cannot be a bool")
    if isinstance(value, int):
        return str(value)
    text = format(Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _label(text: str, rowspan: int = 1, colspan: int = 1) -> Cell:
    return Cell(text, None, rowspan, colspan)


def _value(cells: dict[str, Number | None], key: str, colspan: int = 1) -> Cell:
    return Cell(format_value(cells.get(key)), key, 1, colspan)


# ---------------------------------------------------------------- 表二 主动公开政府信息情况

def table2(template: str, cells: dict[str, Number | None]) -> TableLayout:
    v = lambda key, colspan=1: _value(cells, key, colspan)  # noqa: E731
    L = _label
    if template == "2019":
        rows = [
            (L("第二十条第（一）项", colspan=4),),
            (L("信息内容"), L("本年新制作数量"), L("本年新公开数量"), L("对外公开总数量")),
            (L("规章"), v("t2.regulations.made"), v("t2.regulations.published"), v("t2.regulations.total")),
            (L("规范性文件"), v("t2.normative.made"), v("t2.normative.published"), v("t2.normative.total")),
            (L("第二十条第（五）项", colspan=4),),
            (L("信息内容"), L("上一年项目数量"), L("本年增/减"), L("处理决定数量")),
            (L("行政许可"), v("t2.licensing.previous"), v("t2.licensing.change"), v("t2.licensing.decisions")),
            (L("其他对外管理服务事项"), v("t2.other_services.previous"), v("t2.other_services.change"),
             v("t2.other_services.decisions")),
            (L("第二十条第（六）项", colspan=4),),
            (L("信息内容"), L("上一年项目数量"), L("本年增/减"), L("处理决定数量")),
            (L("行政处罚"), v("t2.penalty.previous"), v("t2.penalty.change"), v("t2.penalty.decisions")),
            (L("行政强制"), v("t2.coercion.previous"), v("t2.coercion.change"), v("t2.coercion.decisions")),
            (L("第二十条第（八）项", colspan=4),),
            (L("信息内容"), L("上一年项目数量"), L("本年增/减", colspan=2)),
            (L("行政事业性收费"), v("t2.fees.previous"), v("t2.fees.change", colspan=2)),
            (L("第二十条第（九）项", colspan=4),),
            (L("信息内容"), L("采购项目数量"), L("采购总金额（单位：万元）", colspan=2)),
            (L("政府集中采购"), v("t2.procurement.items"), v("t2.procurement.amount", colspan=2)),
        ]
    elif template == "2021":
        rows = [
            (L("第二十条第（一）项", colspan=4),),
            (L("信息内容"), L("本年制发件数"), L("本年废止件数"), L("现行有效件数")),
            (L("规章"), v("t2.regulations.issued"), v("t2.regulations.repealed"), v("t2.regulations.in_force")),
            (L("行政规范性文件"), v("t2.normative.issued"), v("t2.normative.repealed"), v("t2.normative.in_force")),
            (L("第二十条第（五）项", colspan=4),),
            (L("信息内容"), L("本年处理决定数量", colspan=3)),
            (L("行政许可"), v("t2.licensing.decisions", colspan=3)),
            (L("第二十条第（六）项", colspan=4),),
            (L("信息内容"), L("本年处理决定数量", colspan=3)),
            (L("行政处罚"), v("t2.penalty.decisions", colspan=3)),
            (L("行政强制"), v("t2.coercion.decisions", colspan=3)),
            (L("第二十条第（八）项", colspan=4),),
            (L("信息内容"), L("本年收费金额（单位：万元）", colspan=3)),
            (L("行政事业性收费"), v("t2.fees.amount", colspan=3)),
        ]
    else:
        raise ValueError(f"unknown template {template!r}")
    return TableLayout("t2", 4, tuple(rows), (3.0, 2.3, 2.3, 2.3), 0)


# ---------------------------------------------------------------- 表三 收到和处理政府信息公开申请情况

T3_BALANCE_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
T3_APPLICANT_LABELS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")

# (row key, group label or None, label) in printed order, below 三、本年度办理结果.
_T3_RESULT_ROWS_HEAD = (
    ("granted", None, "（一）予以公开"),
    ("partial", None, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("denied_state_secret", "（三）不予公开", "1.属于国家秘密"),
    ("denied_prohibited", "（三）不予公开", "2.其他法律行政法规禁止公开"),
    ("denied_safety_stability", "（三）不予公开", "3.危及“三安全一稳定”"),
    ("denied_third_party", "（三）不予公开", "4.保护第三方合法权益"),
    ("denied_internal", "（三）不予公开", "5.属于三类内部事务信息"),
    ("denied_process", "（三）不予公开", "6.属于四类过程性信息"),
    ("denied_enforcement", "（三）不予公开", "7.属于行政执法案卷"),
    ("denied_inquiry", "（三）不予公开", "8.属于行政查询事项"),
    ("unable_not_held", "（四）无法提供", "1.本机关不掌握相关政府信息"),
    ("unable_needs_creation", "（四）无法提供", "2.没有现成信息需要另行制作"),
    ("unable_unclear", "（四）无法提供", "3.补正后申请内容仍不明确"),
    ("rejected_petition", "（五）不予处理", "1.信访举报投诉类申请"),
    ("rejected_duplicate", "（五）不予处理", "2.重复申请"),
    ("rejected_publication", "（五）不予处理", "3.要求提供公开出版物"),
    ("rejected_excessive", "（五）不予处理", "4.无正当理由大量反复申请"),
    ("rejected_confirmation", "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息"),
)
_T3_OTHER_2019 = (("other", None, "（六）其他处理"),)
_T3_OTHER_2021 = (
    ("other_no_correction", "（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other_unpaid_fee", "（六）其他处理", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other_misc", "（六）其他处理", "3.其他"),
)
_T3_TOTAL = (("total", None, "（七）总计"),)


def t3_result_rows(template: str) -> tuple[tuple[str, str | None, str], ...]:
    """The rows under 三、本年度办理结果 for a template, (row key, group label, label), in order."""
    other = _T3_OTHER_2019 if template == "2019" else _T3_OTHER_2021
    return _T3_RESULT_ROWS_HEAD + other + _T3_TOTAL


def t3_outcome_rows(template: str) -> tuple[str, ...]:
    """Row keys whose sum is （七）总计."""
    return tuple(key for key, _, _ in t3_result_rows(template) if key != "total")


def table3(template: str, cells: dict[str, Number | None]) -> TableLayout:
    if template not in ("2019", "2021"):
        raise ValueError(f"unknown template {template!r}")
    L = _label

    def values(row_key: str) -> tuple[Cell, ...]:
        return tuple(_value(cells, f"t3.{row_key}.{col}") for col in T3_COLUMNS)

    result_rows = t3_result_rows(template)
    group_sizes: dict[str, int] = {}
    for _, group, _ in result_rows:
        if group:
            group_sizes[group] = group_sizes.get(group, 0) + 1

    rows: list[tuple[Cell, ...]] = [
        (L(T3_BALANCE_NOTE, rowspan=3, colspan=3), L("申请人情况", colspan=7)),
        (L("自然人", rowspan=2), L("法人或其他组织", colspan=5), L("总计", rowspan=2)),
        tuple(L(text) for text in T3_APPLICANT_LABELS[1:6]),
        (L("一、本年新收政府信息公开申请数量", colspan=3),) + values("new"),
        (L("二、上年结转政府信息公开申请数量", colspan=3),) + values("carried_over"),
    ]
    seen_groups: set[str] = set()
    for index, (row_key, group, label) in enumerate(result_rows):
        lead: tuple[Cell, ...] = ()
        if index == 0:
            lead = (L("三、本年度办理结果", rowspan=len(result_rows)),)
        if group is None:
            lead += (L(label, colspan=2),)
        elif group not in seen_groups:
            seen_groups.add(group)
            lead += (L(group, rowspan=group_sizes[group]), L(label))
        else:
            lead += (L(label),)
        rows.append(lead + values(row_key))
    rows.append((L("四、结转下年度继续办理", colspan=3),) + values("carried_forward"))
    weights = (1.1, 1.9, 6.0) + (1.55,) * 7
    return TableLayout("t3", 10, tuple(rows), weights, 3)


# ---------------------------------------------------------------- 表四 行政复议、行政诉讼

T4_RESULT_LABELS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")


def table4(cells: dict[str, Number | None]) -> TableLayout:
    L = _label
    rows = (
        (L("行政复议", colspan=5), L("行政诉讼", colspan=10)),
        tuple(L(text, rowspan=2) for text in T4_RESULT_LABELS)
        + (L("未经复议直接起诉", colspan=5), L("复议后起诉", colspan=5)),
        tuple(L(text) for text in T4_RESULT_LABELS * 2),
        tuple(_value(cells, f"t4.{group}.{col}") for group in T4_GROUPS for col in T4_COLUMNS),
    )
    return TableLayout("t4", 15, rows, (1.0,) * 15, 3)


def tables(template: str, cells: dict[str, Number | None]) -> tuple[TableLayout, TableLayout, TableLayout]:
    return table2(template, cells), table3(template, cells), table4(cells)


SECTION_HEADINGS = {
    "overview": "一、总体情况",
    "t2": "二、主动公开政府信息情况",
    "t3": "三、收到和处理政府信息公开申请情况",
    "t4": "四、政府信息公开行政复议、行政诉讼情况",
    "problems": "五、存在的主要问题及改进情况",
    "other": "六、其他需要报告的事项",
}
