"""Cell text -> number, and the text normalisation every label match relies on."""
from __future__ import annotations

import re
import unicodedata

# Traditional forms seen in reports (and in OCR output); enough for the tables' vocabulary.
_TRAD = str.maketrans({
    "減": "减", "增": "增", "開": "开", "資": "资", "訊": "讯", "請": "请", "數": "数", "總": "总",
    "計": "计", "結": "结", "轉": "转", "辦": "办", "處": "处", "與": "与", "項": "项", "條": "条",
    "務": "务", "執": "执", "檔": "档", "複": "复", "議": "议", "訟": "讼", "維": "维", "糾": "纠",
    "審": "审", "費": "费", "購": "购", "規": "规", "範": "范", "規": "规", "說": "说", "關": "关",
    "機": "机", "國": "国", "護": "护", "據": "据", "應": "应", "當": "当", "舉": "举", "報": "报",
    "訴": "诉", "認": "认", "體": "体", "為": "为", "內": "内", "擬": "拟", "製": "制", "發": "发",
    "廢": "废", "現": "现", "効": "效", "許": "许", "強": "强", "罰": "罚", "徵": "征", "採": "采",
    "額": "额", "萬": "万", "元": "元", "門": "门", "經": "经", "後": "后", "圍": "围", "實": "实",
    "問": "问", "題": "题", "況": "况", "決": "决", "訂": "订", "會": "会", "組": "组", "織": "织",
    "業": "业", "構": "构", "務": "务", "復": "复", "補": "补", "確": "确", "並": "并", "對": "对",
})

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_WS_NEAR_CJK = re.compile(rf"(?<=[{_CJK}（）、“”《》，。：；])\s+|\s+(?=[{_CJK}（）、“”《》，。：；])")

BLANK_MARKERS = {"", "/", "／", "—", "——", "-", "－", "--", "无", "無", "\\", "——/", "空", "…"}


def clean(text: str | None) -> str:
    """Whitespace tidied as a reader sees it: no-break and ideographic spaces to spaces, runs
    collapsed, and removed next to CJK (Word-pasted text breaks anywhere). Punctuation and
    width are kept as printed (this is the text we publish)."""
    if not text:
        return ""
    t = re.sub(r"\s+", " ", text.replace("\xa0", " ").replace("\u3000", " ")).strip()
    return _WS_NEAR_CJK.sub("", t)


def norm(text: str | None) -> str:
    """NFKC (full-width digits and brackets to half-width… then brackets back to Chinese style),
    traditional -> simplified for the tables' vocabulary, and whitespace removed next to CJK."""
    if not text:
        return ""
    t = unicodedata.normalize("NFKC", text.replace("\xa0", " ").replace("\u3000", " "))
    t = t.translate(_TRAD)
    t = t.replace("(", "（").replace(")", "）")
    t = re.sub(r"\s+", " ", t).strip()
    return _WS_NEAR_CJK.sub("", t)


def squash(text: str | None) -> str:
    """norm() with every whitespace removed: the key for label matching."""
    return re.sub(r"\s+", "", norm(text))


_NUM = re.compile(r"^([+-]?)(\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)$")
_UNIT_SUFFIX = re.compile(r"(万元|元|件|项|个|条|次|起|人次|%)$")


def parse_value(text: str | None) -> tuple[bool, float | int | None]:
    """Parse a table cell. Returns (is_value, value):

    (True, number) for a number as printed (sign applied: ``-81``, ``減3`` -> -3, ``增5`` -> 5;
    full-width digits; ``元``/``万元``/``件`` unit text dropped, no conversion);
    (True, None) for a blank cell: empty, ``/``, ``—``, ``无``;
    (False, None) for anything else (a label).
    """
    if text is None:
        return True, None
    t = unicodedata.normalize("NFKC", str(text).replace("\xa0", " ").replace("\u3000", " "))
    t = t.translate(_TRAD)
    t = re.sub(r"\s+", "", t)
    if t in BLANK_MARKERS:
        return True, None
    sign = 1
    if t[:1] in ("减", "降") or t.startswith("减少"):
        sign, t = -1, re.sub(r"^(减少|减|降)", "", t)
    elif t[:1] == "增" or t.startswith("增加"):
        t = re.sub(r"^(增加|增)", "", t)
    t = t.replace("−", "-").replace("–", "-")
    t = _UNIT_SUFFIX.sub("", t)
    m = _NUM.match(t)
    if not m:
        return False, None
    digits = m.group(2).replace(",", "")
    if m.group(1) == "-":
        sign = -sign
    value: float | int = float(digits) if "." in digits else int(digits)
    return True, sign * value


def is_value(text: str | None) -> bool:
    return parse_value(text)[0]
