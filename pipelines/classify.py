"""Is a title (or the opening of a page) that of an information-disclosure annual report?

The crawler asks this of every link and detail page; it must not depend on where the link sits.
"""
from __future__ import annotations

import re

_REPORT = re.compile(r"(信息公开|政务公开).{0,12}(年度报告|年报|工作报告)|(年度报告|年报).{0,6}(信息公开|政务公开)")
# Titles that mention reports but are about them, not them: notices, plans, rankings, guides.
_NOT_REPORT = re.compile(
    r"(通知|工作要点|实施方案|工作方案|计划|通报|评估|考核|排名|指南|目录|意见|解读|规定|办法|情况的报告$|发布会|培训|征集)"
)


def is_report_title(title: str | None) -> bool:
    """True for titles like 「XX区人民政府2019年政府信息公开工作年度报告」 and its short forms
    (「2019年政务公开年报」); False for news and for notices *about* annual reports
    (「关于做好2019年政府信息公开工作年度报告编制工作的通知」)."""
    if not title:
        return False
    t = re.sub(r"\s+", "", title)
    if not _REPORT.search(t):
        return False
    # "关于…年度报告…的通知" and similar are about reports, not reports.
    if _NOT_REPORT.search(t) and not re.search(r"(年度报告|年报)(（[^）]*）|\([^)]*\))?$", t):
        return False
    return True


_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")


def report_year(title: str | None) -> int | None:
    """The year a report title names (「…2019年政府信息公开工作年度报告」 -> 2019), or None."""
    m = _YEAR.search(re.sub(r"\s+", "", title or ""))
    return int(m.group(1)) if m else None
