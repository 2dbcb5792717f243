"""The sample portal's reports: which bodies report for which years, and their numbers.

Everything is derived from fixed seeds (one ``random.Random`` per issuer, fed the issuer's name),
so the same code always yields the same reports. Numbers are generated per column of 表三 and
summed, so every arithmetic rule of the official form holds by construction (and is re-checked
in ``build_reports``). Years of the same body chain like real reports do: 上年结转 equals last
year's 结转下年度继续办理, 上一年项目数量 equals last year's 上一年项目数量 + 本年增/减, and
现行有效件数 grows by 制发 − 废止.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from gongkai.pipelines.cells import T3_COLUMNS, T4_COLUMNS, T4_GROUPS, keys_for

from . import narrative
from .checks import arithmetic_problems
from .layout import SECTION_HEADINGS, Number, t3_outcome_rows

SEED = "gongkai-sample-portal-v1"
_APPLICANTS = T3_COLUMNS[:-1]


@dataclass(frozen=True)
class Issuer:
    """A body that publishes reports on the sample portal."""

    name: str
    kind: str            # government | finance | education | housing | subdistrict | heritage | zone
    office: str          # the office that answers questions about the report
    address: str
    phone: str
    applications: int    # typical new applications a year
    appeals: int         # typical 行政复议 cases a year


ISSUERS: dict[str, Issuer] = {i.name: i for i in (
    Issuer("涧西区人民政府", "government", "涧西区人民政府办公室", "洛阳市涧西区南昌路2号", "0379-64210125", 60, 4),
    Issuer("涧西区财政局", "finance", "涧西区财政局办公室", "洛阳市涧西区天津路16号", "0379-64236071", 8, 1),
    Issuer("涧西区教育局", "education", "涧西区教育局办公室", "洛阳市涧西区青岛路9号", "0379-64283352", 12, 1),
    Issuer("涧西区住房和城乡建设局", "housing", "涧西区住房和城乡建设局办公室", "洛阳市涧西区长春路21号",
           "0379-64317740", 22, 2),
    Issuer("涧西区重庆路街道办事处", "subdistrict", "重庆路街道党政办公室", "洛阳市涧西区重庆路38号",
           "0379-64502216", 3, 0),
    Issuer("涧西区工业遗产保护管理中心", "heritage", "涧西区工业遗产保护管理中心综合科", "洛阳市涧西区建设路104号",
           "0379-64395518", 1, 0),
    Issuer("涧西区涧河湾片区管理委员会", "zone", "涧河湾片区管理委员会综合办公室", "洛阳市涧西区涧河南路7号",
           "0379-64127609", 6, 1),
)}

SEED_ISSUER = "涧西区人民政府"
SEED_YEAR = 2019


@dataclass(frozen=True)
class PlannedReport:
    """Where and how one report appears on the portal.

    ``form``: html (tables inline), pdf or docx (a short detail page links the attachment).
    ``page_encoding``: how the detail page is served —
    ``utf-8`` (meta and header say utf-8), ``gbk-meta`` (GBK bytes, ``<meta … charset=gb2312>``,
    header ``text/html`` without charset), ``gbk-header`` (GBK bytes, meta and header say GBK),
    ``gbk-bare`` (GBK bytes, no charset anywhere).
    ``title_style``: ``年`` → 「…2022年政府信息公开工作年度报告」, ``年度`` → 「…2022年度…」.
    ``html_style``: ``word`` (Word-pasted markup, labels split over spans) or ``plain``.
    ``scanned``: a pdf published as page images with no text layer (a 图片版 report).
    """

    issuer: str
    year: int
    form: str = "html"
    page_encoding: str = "utf-8"
    title_style: str = "年"
    html_style: str = "plain"
    scanned: bool = False


SEED_PLAN = PlannedReport(SEED_ISSUER, SEED_YEAR, "html", "utf-8", "年", "word")

REPORT_PLAN: tuple[PlannedReport, ...] = (
    PlannedReport("涧西区人民政府", 2020, "html", "utf-8", "年", "word"),
    PlannedReport("涧西区人民政府", 2021, "pdf", "utf-8"),
    PlannedReport("涧西区人民政府", 2022, "html", "gbk-meta", "年", "word"),
    PlannedReport("涧西区人民政府", 2023, "docx", "utf-8"),
    PlannedReport("涧西区人民政府", 2024, "html", "utf-8", "年度", "word"),
    PlannedReport("涧西区财政局", 2019, "pdf", "utf-8"),
    PlannedReport("涧西区财政局", 2020, "html", "gbk-bare"),
    PlannedReport("涧西区财政局", 2021, "html", "utf-8", "年", "word"),
    PlannedReport("涧西区财政局", 2022, "docx", "gbk-meta"),
    PlannedReport("涧西区财政局", 2023, "html", "utf-8"),
    PlannedReport("涧西区财政局", 2024, "pdf", "utf-8", scanned=True),
    PlannedReport("涧西区教育局", 2019, "html", "utf-8"),
    PlannedReport("涧西区教育局", 2020, "docx", "utf-8"),
    PlannedReport("涧西区教育局", 2021, "html", "gbk-header", "年", "word"),
    PlannedReport("涧西区教育局", 2022, "pdf", "utf-8", "年度"),
    PlannedReport("涧西区教育局", 2023, "html", "utf-8", "年", "word"),
    PlannedReport("涧西区住房和城乡建设局", 2020, "pdf", "utf-8"),
    PlannedReport("涧西区住房和城乡建设局", 2021, "docx", "utf-8"),
    PlannedReport("涧西区住房和城乡建设局", 2022, "html", "gbk-meta", "年度", "plain"),
    PlannedReport("涧西区住房和城乡建设局", 2023, "html", "utf-8", "年", "word"),
    PlannedReport("涧西区重庆路街道办事处", 2021, "html", "utf-8", "年度"),
    PlannedReport("涧西区重庆路街道办事处", 2022, "html", "gbk-bare", "年", "word"),
    PlannedReport("涧西区重庆路街道办事处", 2023, "pdf", "gbk-meta"),
    PlannedReport("涧西区重庆路街道办事处", 2024, "html", "utf-8"),
    PlannedReport("涧西区工业遗产保护管理中心", 2023, "docx", "utf-8"),
    PlannedReport("涧西区工业遗产保护管理中心", 2024, "html", "utf-8", "年度", "word"),
    PlannedReport("涧西区涧河湾片区管理委员会", 2021, "html", "utf-8"),
    PlannedReport("涧西区涧河湾片区管理委员会", 2022, "pdf", "utf-8"),
)


def template_for(year: int) -> str:
    """The official format of a report for ``year``: 2019 format for 2019–2020, 2021 format after."""
    return "2019" if year < 2021 else "2021"


def report_title(issuer: str, year: int, title_style: str = "年") -> str:
    if title_style == "年度":
        return f"{issuer}{year}年度政府信息公开工作年度报告"
    return f"{issuer}{year}年政府信息公开工作年度报告"


@dataclass
class Report:
    """One annual report: what the documents print, and so the truth the archive is compared with."""

    plan: PlannedReport
    title: str
    issuer: str
    year: int
    template: str
    cells: dict[str, Number | None]
    published: datetime
    preface: list[str] = field(default_factory=list)
    overview: list[str] = field(default_factory=list)    # 一、总体情况
    problems: list[str] = field(default_factory=list)    # 五、存在的主要问题及改进情况
    other: list[str] = field(default_factory=list)       # 六、其他需要报告的事项
    origin: str = "generated"                            # generated | seed

    @property
    def sections(self) -> dict[str, str]:
        """Narrative sections, heading → text (paragraphs joined by line breaks)."""
        return {
            SECTION_HEADINGS["overview"]: "\n".join(self.overview),
            SECTION_HEADINGS["problems"]: "\n".join(self.problems),
            SECTION_HEADINGS["other"]: "\n".join(self.other),
        }


# ------------------------------------------------------------------ numbers

@dataclass
class _Carry:
    """What one year of a body hands to the next."""

    carried_forward: dict[str, int] = field(default_factory=dict)
    t2: dict[str, Number | None] = field(default_factory=dict)


def _split(rng: random.Random, total: int, weights: dict[str, float]) -> dict[str, int]:
    """Distribute ``total`` items over the keys of ``weights`` (multinomial)."""
    keys = list(weights)
    counts = dict.fromkeys(keys, 0)
    for key in rng.choices(keys, weights=[weights[k] for k in keys], k=total):
        counts[key] += 1
    return counts


def _around(rng: random.Random, typical: float, spread: float = 0.35, low: int = 0) -> int:
    return max(low, round(rng.gauss(typical, typical * spread)))


_APPLICANT_WEIGHTS = {"natural_person": 0.8, "commercial": 0.09, "research": 0.01, "social": 0.02,
                      "legal": 0.04, "other_org": 0.04}

_OUTCOME_WEIGHTS_COMMON = {
    "granted": 0.42, "partial": 0.1,
    "denied_state_secret": 0.002, "denied_prohibited": 0.006, "denied_safety_stability": 0.004,
    "denied_third_party": 0.03, "denied_internal": 0.02, "denied_process": 0.03, "denied_enforcement": 0.015,
    "denied_inquiry": 0.02,
    "unable_not_held": 0.2, "unable_needs_creation": 0.04, "unable_unclear": 0.025,
    "rejected_petition": 0.03, "rejected_duplicate": 0.025, "rejected_publication": 0.006,
    "rejected_excessive": 0.006, "rejected_confirmation": 0.01,
}
_OUTCOME_WEIGHTS_OTHER = {
    "2019": {"other": 0.03},
    "2021": {"other_no_correction": 0.025, "other_unpaid_fee": 0.002, "other_misc": 0.015},
}


def _table3(rng: random.Random, template: str, typical: int, carried_over: dict[str, int]) -> dict[str, int]:
    cells: dict[str, int] = {}
    new = _split(rng, _around(rng, typical, 0.4), _APPLICANT_WEIGHTS)
    outcome_weights = _OUTCOME_WEIGHTS_COMMON | _OUTCOME_WEIGHTS_OTHER[template]
    outcomes = t3_outcome_rows(template)
    assert set(outcomes) == set(outcome_weights)
    per_column: dict[str, dict[str, int]] = {}
    forward: dict[str, int] = {}
    for col in _APPLICANTS:
        available = new[col] + carried_over.get(col, 0)
        forward[col] = sum(1 for _ in range(available) if rng.random() < 0.06)
        per_column[col] = _split(rng, available - forward[col], outcome_weights)
    for col in _APPLICANTS:
        cells[f"t3.new.{col}"] = new[col]
        cells[f"t3.carried_over.{col}"] = carried_over.get(col, 0)
        cells[f"t3.carried_forward.{col}"] = forward[col]
        for row in outcomes:
            cells[f"t3.{row}.{col}"] = per_column[col][row]
        cells[f"t3.total.{col}"] = sum(per_column[col].values())
    for row in ("new", "carried_over", "carried_forward", "total") + outcomes:
        cells[f"t3.{row}.total"] = sum(cells[f"t3.{row}.{col}"] for col in _APPLICANTS)
    return cells


def _table4(rng: random.Random, typical_appeals: int) -> dict[str, int]:
    cells: dict[str, int] = {}
    typical = {"review": typical_appeals, "suit_direct": typical_appeals * 0.8,
               "suit_after_review": typical_appeals * 0.3}
    for group in T4_GROUPS:
        total = _around(rng, typical[group], 0.6) if typical[group] else int(rng.random() < 0.15)
        split = _split(rng, total, {"upheld": 0.6, "corrected": 0.12, "other": 0.16, "pending": 0.12})
        for col in T4_COLUMNS[:-1]:
            cells[f"t4.{group}.{col}"] = split[col]
        cells[f"t4.{group}.total"] = total
    return cells


def _amount(rng: random.Random, low: float, high: float, decimals: int) -> float:
    """An amount in 万元 with ``decimals`` decimals (printed exactly as generated)."""
    scale = 10 ** decimals
    units = rng.randint(round(low * scale), round(high * scale))
    return float(f"{units / scale:.{decimals}f}")


# Table 二 magnitudes per kind of body: typical yearly counts (normative documents made, decisions),
# item counts of the 2019 format (…_items), and ranges in 万元 (procurement, fees).
_T2_PROFILE = {
    "government": dict(normative=8, licensing=1400, other_services=600, penalty=420, coercion=12,
                       licensing_items=480, other_items=15, penalty_items=370, coercion_items=22, fee_items=1700,
                       procurement_items=55, procurement=(30000, 260000), fees=(8000, 26000)),
    "finance": dict(normative=2, licensing=8, other_services=40, penalty=3, coercion=0,
                    licensing_items=6, other_items=9, penalty_items=24, coercion_items=2, fee_items=35,
                    procurement_items=140, procurement=(60000, 180000), fees=(0, 40)),
    "education": dict(normative=2, licensing=35, other_services=60, penalty=2, coercion=0,
                      licensing_items=12, other_items=18, penalty_items=31, coercion_items=3, fee_items=40,
                      procurement_items=38, procurement=(2000, 15000), fees=(600, 2400)),
    "housing": dict(normative=3, licensing=260, other_services=120, penalty=45, coercion=6,
                    licensing_items=58, other_items=21, penalty_items=210, coercion_items=8, fee_items=26,
                    procurement_items=24, procurement=(5000, 40000), fees=(150, 900)),
    "subdistrict": dict(normative=0, licensing=0, other_services=30, penalty=18, coercion=1,
                        licensing_items=0, other_items=6, penalty_items=40, coercion_items=1, fee_items=0,
                        procurement_items=3, procurement=(20, 300), fees=(0, 0)),
    "heritage": dict(normative=0, licensing=4, other_services=10, penalty=0, coercion=0,
                     licensing_items=2, other_items=3, penalty_items=5, coercion_items=0, fee_items=2,
                     procurement_items=6, procurement=(80, 900), fees=(1, 30)),
    "zone": dict(normative=1, licensing=70, other_services=25, penalty=6, coercion=1,
                 licensing_items=14, other_items=5, penalty_items=22, coercion_items=2, fee_items=4,
                 procurement_items=12, procurement=(3000, 60000), fees=(10, 200)),
}


def _table2_2019(rng: random.Random, kind: str, previous: dict[str, Number | None]) -> dict[str, Number | None]:
    p = _T2_PROFILE[kind]
    cells: dict[str, Number | None] = {}
    cells["t2.regulations.made"] = cells["t2.regulations.published"] = cells["t2.regulations.total"] = 0
    made = _around(rng, p["normative"], 0.5)
    cells["t2.normative.made"] = made
    cells["t2.normative.published"] = made - (1 if made > 3 and rng.random() < 0.3 else 0)
    in_force = previous.get("_normative_in_force")
    cells["t2.normative.total"] = (in_force if isinstance(in_force, int) else _around(rng, p["normative"] * 6)) + made
    for item, prefix in (("licensing", "licensing"), ("other", "other_services"), ("penalty", "penalty"),
                         ("coercion", "coercion")):
        before = _chained_previous(rng, previous, prefix, p[f"{item}_items"])
        cells[f"t2.{prefix}.previous"] = before
        cells[f"t2.{prefix}.change"] = _change(rng, before)
    cells["t2.licensing.decisions"] = _around(rng, p["licensing"])
    cells["t2.other_services.decisions"] = _around(rng, p["other_services"])
    cells["t2.penalty.decisions"] = _around(rng, p["penalty"])
    cells["t2.coercion.decisions"] = _around(rng, p["coercion"], 0.8)
    fees_before = _chained_previous(rng, previous, "fees", p["fee_items"])
    cells["t2.fees.previous"] = fees_before
    cells["t2.fees.change"] = _change(rng, fees_before)
    cells["t2.procurement.items"] = _around(rng, p["procurement_items"], 0.3)
    low, high = p["procurement"]
    cells["t2.procurement.amount"] = _amount(rng, low, high, rng.choice((2, 4, 4)))
    return cells


def _chained_previous(rng: random.Random, previous: dict[str, Number | None], prefix: str, typical: int) -> int:
    before, change = previous.get(f"t2.{prefix}.previous"), previous.get(f"t2.{prefix}.change")
    if isinstance(before, int) and isinstance(change, int):
        return before + change
    return _around(rng, typical, 0.2)


def _change(rng: random.Random, before: int) -> int:
    """本年增/减: often 0, sometimes a cut (negative) after a 放管服 review, sometimes growth."""
    if before == 0:
        return 0 if rng.random() < 0.7 else rng.randint(1, 3)
    roll = rng.random()
    if roll < 0.35:
        return 0
    if roll < 0.65:
        return -min(before, max(1, round(before * rng.uniform(0.02, 0.2))))
    return max(1, round(before * rng.uniform(0.01, 0.12)))


def _table2_2021(rng: random.Random, kind: str, previous: dict[str, Number | None]) -> dict[str, Number | None]:
    p = _T2_PROFILE[kind]
    cells: dict[str, Number | None] = {}
    cells["t2.regulations.issued"] = cells["t2.regulations.repealed"] = cells["t2.regulations.in_force"] = 0
    issued = _around(rng, p["normative"], 0.5)
    in_force_before = previous.get("_normative_in_force")
    if not isinstance(in_force_before, int):
        in_force_before = _around(rng, p["normative"] * 6)
    repealed = min(in_force_before, _around(rng, p["normative"] * 0.4, 0.8))
    cells["t2.normative.issued"] = issued
    cells["t2.normative.repealed"] = repealed
    cells["t2.normative.in_force"] = in_force_before + issued - repealed
    cells["t2.licensing.decisions"] = _around(rng, p["licensing"])
    cells["t2.penalty.decisions"] = _around(rng, p["penalty"])
    cells["t2.coercion.decisions"] = _around(rng, p["coercion"], 0.8)
    low, high = p["fees"]
    cells["t2.fees.amount"] = 0 if high == 0 else _amount(rng, low, high, rng.choice((2, 4, 6, 6)))
    return cells


def _blank_some(rng: random.Random, kind: str, cells: dict[str, Number | None]) -> None:
    """Leave a few 表二 cells blank, as bodies do where an item does not apply to them."""
    if kind in ("subdistrict", "heritage"):
        for key in ("t2.regulations.made", "t2.regulations.published", "t2.regulations.total",
                    "t2.regulations.issued", "t2.regulations.repealed", "t2.regulations.in_force"):
            if key in cells:
                cells[key] = None
    if rng.random() < 0.35:
        optional = [k for k in ("t2.coercion.decisions", "t2.coercion.change", "t2.other_services.change",
                                "t2.fees.change", "t2.coercion.previous") if k in cells]
        if optional:
            cells[rng.choice(optional)] = None


def _generate_numbers(rng: random.Random, issuer: Issuer, year: int, carry: _Carry) -> dict[str, Number | None]:
    template = template_for(year)
    if template == "2019":
        t2 = _table2_2019(rng, issuer.kind, carry.t2)
    else:
        t2 = _table2_2021(rng, issuer.kind, carry.t2)
    _blank_some(rng, issuer.kind, t2)
    cells: dict[str, Number | None] = dict(t2)
    cells.update(_table3(rng, template, issuer.applications, carry.carried_forward))
    cells.update(_table4(rng, issuer.appeals))
    expected = keys_for(template)
    missing, extra = set(expected) - set(cells), set(cells) - set(expected)
    if missing or extra:
        raise AssertionError(f"{issuer.name} {year}: keys missing {sorted(missing)}, extra {sorted(extra)}")
    return {key: cells[key] for key in expected}


def carry_from(cells: dict[str, Number | None]) -> _Carry:
    """What a year's printed numbers hand on to the next year of the same body."""
    forward = {col: v for col in _APPLICANTS if isinstance(v := cells.get(f"t3.carried_forward.{col}"), int)}
    t2 = dict(cells)
    in_force = cells.get("t2.normative.in_force", cells.get("t2.normative.total"))
    t2["_normative_in_force"] = in_force
    return _Carry(forward, t2)


# ------------------------------------------------------------------ dates

def publication_time(issuer: str, year: int) -> datetime:
    """A working-day time in January–March of the year after ``year`` (reports are due 31 March),
    fixed per body and year."""
    rng = random.Random(f"{SEED}:published:{issuer}:{year}")
    while True:
        day = datetime(year + 1, rng.randint(1, 3), rng.randint(1, 28), rng.randint(8, 17),
                       rng.choice((0, 10, 15, 20, 30, 40, 45, 50)))
        if day.weekday() < 5 and (day.month, day.day) > (1, 5):
            return day


# ------------------------------------------------------------------ reports

def build_reports(seed_report: Report | None = None) -> list[Report]:
    """Every generated report of ``REPORT_PLAN``, oldest first per body.

    ``seed_report`` (the 涧西区人民政府 2019 report read from the bundled seed) is where the
    government's later years chain from; without it they start from generated numbers.
    """
    reports: list[Report] = []
    carries: dict[str, _Carry] = {}
    if seed_report is not None:
        carries[seed_report.issuer] = carry_from(seed_report.cells)
    for plan in sorted(REPORT_PLAN, key=lambda p: (list(ISSUERS).index(p.issuer), p.year)):
        issuer = ISSUERS[plan.issuer]
        rng = random.Random(f"{SEED}:{plan.issuer}:{plan.year}")
        carry = carries.get(plan.issuer, _Carry())
        cells = _generate_numbers(rng, issuer, plan.year, carry)
        template = template_for(plan.year)
        problems = arithmetic_problems(cells, template)
        if problems:
            raise AssertionError(f"{plan.issuer} {plan.year}: generated numbers inconsistent: {problems}")
        carries[plan.issuer] = carry_from(cells)
        text_rng = random.Random(f"{SEED}:text:{plan.issuer}:{plan.year}")
        reports.append(Report(
            plan=plan,
            title=report_title(plan.issuer, plan.year, plan.title_style),
            issuer=plan.issuer,
            year=plan.year,
            template=template,
            cells=cells,
            published=publication_time(plan.issuer, plan.year),
            preface=narrative.preface(issuer, plan.year, template),
            overview=narrative.overview(text_rng, issuer, plan.year, template, cells),
            problems=narrative.problems(text_rng, issuer, plan.year),
            other=narrative.other_matters(text_rng, issuer, plan.year, template),
        ))
    return reports
