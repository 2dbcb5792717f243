"""Title, year reported and issuer, from the title and the opening lines."""
from __future__ import annotations

import re

from .numbers import squash

_CN_DIGITS = {"〇": "0", "○": "0", "零": "0", "O": "0", "一": "1", "二": "2", "三": "3", "四": "4",
              "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_YEAR = r"((?:19|20)\d{2}|[二][〇○零O一二三四五六七八九]{3})"
TITLE_RE = re.compile(
    rf"(?P<issuer>[^\s，。；：:、“”《》\d]{{0,40}}?)(?P<year>{_YEAR})\s*年\s*度?\s*"
    r"(?P<rest>(?:政府)?(?:信息|政务)公开(?:工作)?(?:年度)?(?:报告|年报)|(?:政府)?(?:信息|政务)公开(?:工作)?年度报告)"
)
# Breadcrumbs and crawler headers glued before the title: keep what follows the last of them.
_ISSUER_TRIM = re.compile(r"^.*(年报|首页|当前位置|位置:|标题:|题目:|名称:|>|»|/)|^(标题|题目|名称)")


_ABOUT = re.compile(r"关于|做好|开展|报送|编制")
_ABOUT_TAIL = re.compile(r"(编制|报送|填报|审核|的通知|工作的|有关|发布工作|统计)")


# What may follow a title on the same line: a crawler's page chrome, a date, a source.
_AFTER_TITLE = re.compile(r"\s*(（[^）]{0,12}）)?\s*(来源|发布|时间|日期|作者|浏览|字号|\d{4}[-年.]|【|\[)")


def cn_year(s: str) -> int:
    return int("".join(_CN_DIGITS.get(ch, ch) for ch in s))


_MAYBE_TITLE = re.compile(r"报\s*告|年\s*报|報\s*告|年\s*報")


def _heads(lines: list[str]) -> list[tuple[str, bool]]:
    """(line, joined?): each line, followed by itself joined to the next one — titles are often
    printed over two lines (「洪泽区人民政府」/「2023年政府信息公开工作年度报告」, or broken mid-word)."""
    out = []
    for i, ln in enumerate(lines):
        out.append((ln, False))
        if i + 1 < len(lines) and len(ln) <= 40:
            out.append((ln + lines[i + 1], True))
    return out


def find_title(candidates: list[str], lines: list[str]) -> tuple[str | None, int | None, str | None]:
    """(title, year reported, issuer) from the candidates (page title, headings) and the first lines.

    Preference: a title naming its issuer; then the document's own title fields over its text;
    then one line over two joined; then the earliest."""
    pool = [(c, False, True) for c in candidates if c]
    pool += [(t, joined, False) for t, joined in _heads([ln for ln in lines[:80] if ln])]
    best = None
    for i, (text, joined, is_candidate) in enumerate(pool):
        if "年" not in text or not _MAYBE_TITLE.search(text):
            continue  # cheap test before normalising: most lines are no title at all
        t = squash(text)
        for m in TITLE_RE.finditer(t):
            issuer = _ISSUER_TRIM.sub("", m.group("issuer") or "")
            if _ABOUT.search(issuer) or _ABOUT_TAIL.match(t, m.end()):
                continue  # 「关于做好2019年政府信息公开工作年度报告编制工作的通知」 is about a report
            if t[m.start() - 1:m.start()] == "《" or t[m.end():m.end() + 1] == "》" or "《" in m.group(0):
                continue  # cited: 「《…年度报告》解读」, 「近日，《…》发布」
            if not is_candidate and len(t) - m.end() > 12 and not _AFTER_TITLE.match(t, m.end()):
                continue  # inside a sentence of the body, not a title line
            score = (bool(issuer), is_candidate, not joined, -i)
            if best is None or score > best[0]:
                best = (score, m, issuer)
    if best is None:
        return None, None, None
    _, m, issuer = best
    year = cn_year(m.group("year"))
    title = issuer + m.group(0)[len(m.group("issuer")):]
    return title, year, issuer or None


_PERIOD = re.compile(r"统计期限?(?:为|是)?自?\s*((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日\s*(?:起)?\s*(?:至|到|—|-)\s*((?:19|20)\d{2})\s*年\s*12\s*月\s*31\s*日")


def period_year(text: str) -> int | None:
    """The year a report covers, from its statistical period (「统计期限自2021年1月1日起至2021年12月31日止」),
    for reports whose title does not print the year."""
    m = _PERIOD.search(text[:5000])
    if m and m.group(1) == m.group(2):
        return int(m.group(1))
    return None
