"""Text against table: the counts the narrative states (「共收到政府信息公开申请16件」) checked
against the cells of 表三 and 表四.

Only the first statement of each kind is read, with patterns narrow enough to name the same
measure as the table; a mismatch is the report contradicting itself (a finding), not a misread
cell. A count may include the applications carried over from last year, so 收到 matches either
本年新收 or 本年新收 + 上年结转.
"""
from __future__ import annotations

import re

_NOT = r"[^。；;，,\d]"
RULES = [
    ("text.applications", re.compile(
        rf"(?:收到|受理|新收){_NOT}{{0,16}}?申请{_NOT}{{0,6}}?(\d+)\s*件|(?:收到|受理)(\d+)\s*件{_NOT}{{0,8}}申请"
        rf"|申请(?:共计|合计|总计|共)(\d+)\s*件"),
     "本年新收 总计", lambda c: [_v(c, "t3.new.total"), _sum(c, "t3.new.total", "t3.carried_over.total")]),
    ("text.carried_over", re.compile(rf"上年度?结转{_NOT}{{0,8}}?(\d+)\s*件"),
     "上年结转 总计", lambda c: [_v(c, "t3.carried_over.total")]),
    ("text.handled", re.compile(rf"(?:办结|答复|办理完毕){_NOT}{{0,10}}?(\d+)\s*件"),
     "（七）总计", lambda c: [_v(c, "t3.total.total")]),
    ("text.carried_forward", re.compile(rf"(\d+)\s*件{_NOT}{{0,6}}(?:结转下年|顺延|转入下一?年)|结转(?:至|到)\d{{4}}年(\d+)\s*件"),
     "结转下年度继续办理 总计", lambda c: [_v(c, "t3.carried_forward.total")]),
    ("text.reconsiderations", re.compile(r"行政复议(?:案件)?(\d+)\s*(?:件|起)"),
     "行政复议 总计", lambda c: [_v(c, "t4.review.total")]),
    ("text.lawsuits", re.compile(r"行政诉讼(?:案件)?(\d+)\s*(?:件|起)"),
     "行政诉讼 总计", lambda c: [_sum(c, "t4.suit_direct.total", "t4.suit_after_review.total")]),
]


def _v(cells, key):
    return cells.get(key)


def _sum(cells, *keys):
    if not all(cells.get(k) is not None for k in keys):
        return None
    return sum(cells[k] for k in keys)


def checks(text: str, cells: dict) -> list[dict]:
    """Checks of the narrative's counts. The patterns need 件/起 after a number, which table rows
    (bare numbers) never have, so the whole text can be searched."""
    flat = re.sub(r"\s+", "", text)
    out = []
    for rule, rx, label, table in RULES:
        m = rx.search(flat)
        if not m:
            continue
        allowed = list(dict.fromkeys(v for v in table(cells) if v is not None))
        if not allowed:
            continue
        said = int(next(g for g in m.groups() if g))
        ok = said in allowed
        quote = flat[max(0, m.start() - 6):m.end()]
        out.append({
            "rule": rule, "ok": ok, "expected": allowed[0], "found": said,
            "detail": f"text 「{quote}」 says {said}; table {label} {'/'.join(str(int(v)) for v in allowed)}",
            "verdict": None if ok else "source",
        })
    return out
