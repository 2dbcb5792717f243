"""Cell text -> number, and the text normalisation every label match relies on."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """Traditional characters to simplified (OpenCC), for labels and signs like 減3."""
    return _t2s().convert(text) if text and not text.isascii() else text


_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_WS_NEAR_CJK = re.compile(rf"(?<=[{_CJK}（）、“”《》，。：；])\s+|\s+(?=[{_CJK}（）、“”《》，。：；])")

BLANK_MARKERS = {"", "/", "／", "—", "——", "-", "－", "--", "无", "無", "\\", "——/", "空", "…"}


def clean(text: str | None) -> str:
    """Whitespace tidied as a reader sees it: no-break and ideographic spaces to spaces, runs
    collapsed, and removed next to CJK (Word-pasted text breaks anywhere). Punctuation and
    width are kept as printed (this is the text we publish)."""
    if not text:
        return ""
    return _clean_short(text) if len(text) < 200 else _clean(text)


@lru_cache(maxsize=65536)
def _clean_short(text: str) -> str:   # table cells and labels repeat from report to report
    return _clean(text)


def _clean(text: str) -> str:
    t = re.sub(r"\s+", " ", text.replace("\xa0", " ").replace("\u3000", " ")).strip()
    return _WS_NEAR_CJK.sub("", t)


@lru_cache(maxsize=65536)
def norm(text: str | None) -> str:
    """NFKC (full-width digits and brackets to half-width… then brackets back to Chinese style),
    traditional -> simplified for the tables' vocabulary, and whitespace removed next to CJK."""
    if not text:
        return ""
    t = unicodedata.normalize("NFKC", text.replace("\xa0", " ").replace("\u3000", " "))
    t = simplified(t)
    t = t.replace("(", "（").replace(")", "）")
    t = re.sub(r"\s+", " ", t).strip()
    return _WS_NEAR_CJK.sub("", t)


def squash(text: str | None) -> str:
    """norm() with every whitespace removed: the key for label matching."""
    return re.sub(r"\s+", "", norm(text))


_NUM = re.compile(r"^([+-]?)(\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)$")
_UNIT_SUFFIX = re.compile(r"(万元|元|件|项|个|条|次|起|人次|%)$")


@lru_cache(maxsize=65536)
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
    t = re.sub(r"\s+", "", t)
    if t[:1] in ("減", "増"):
        t = simplified(t[0]) + t[1:]
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
