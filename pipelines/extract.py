"""One document in, one report record out (the `gongkai extract` contract of docs/cells.md).

    record = extract_bytes(data, filename)   # or extract_path(path)

Reads the document into rows (read_html / read_pdf / read_docx / read_text), cuts it into the
sections of the three tables, lets each table module (t2, t3, t4) map its rows by label, then
runs each module's arithmetic checks.
"""
from __future__ import annotations

import os
import re

from . import narrative, t2, t3, t4
from .document import Document, sniff
from .errors import NotAReport, Unreadable
from .layout import sections
from .meta import find_title, period_year
from .tableparse import TableResult

MAX_BYTES = 100 * 1024 * 1024
_SECTION_HEAD = re.compile(r"^([一二三四五六七])、\s*(总体情况|主动公开政府信息情况|收到和处理政府信息公开申请情况|"
                           r"政府信息公开行政复议.{0,3}行政诉讼情况|存在的主要问题及改进情况|其他需要报告的事项)")


def read_document(data: bytes, filename: str | None = None) -> Document:
    fmt = sniff(data, filename)
    if fmt == "html":
        from .read_html import read_html
        return read_html(data)
    if fmt == "pdf":
        from .read_pdf import read_pdf
        return read_pdf(data)
    if fmt == "docx":
        from .read_docx import read_docx
        return read_docx(data)
    if fmt == "doc":
        from .read_doc import read_doc
        return read_doc(data, ".wps" if (filename or "").lower().endswith(".wps") else ".doc")
    if fmt == "ofd":
        from .read_ofd import read_ofd
        return read_ofd(data)
    if fmt == "text":
        from .read_text import read_text
        return read_text(data)
    raise Unreadable(f"unsupported document format: {fmt}")


def extract_path(path: str | os.PathLike) -> dict:
    try:
        size = os.path.getsize(path)
    except OSError as e:
        raise Unreadable(f"cannot read {path}: {e.strerror}")
    if size > MAX_BYTES:
        raise Unreadable(f"file is {size // 2**20} MB (limit {MAX_BYTES // 2**20} MB)")
    with open(path, "rb") as f:
        return extract_bytes(f.read(), os.path.basename(str(path)))


def extract_bytes(data: bytes, filename: str | None = None) -> dict:
    if not data or not data.strip():
        raise Unreadable("empty document")
    if len(data) > MAX_BYTES:
        raise Unreadable(f"document is {len(data) // 2**20} MB (limit {MAX_BYTES // 2**20} MB)")
    doc = read_document(data, filename)
    text = doc.text
    lines = text.splitlines()
    title, year, issuer = find_title(doc.title_candidates, lines)
    if year is None:
        year = period_year(text)

    secs = sections(doc)
    res = TableResult()
    parts = {"t2": t2.parse(secs["t2"]), "t3": t3.parse(secs["t3"]), "t4": t4.parse(secs["t4"])}
    for part in parts.values():
        res.merge(part)

    if year is not None and year < 2019:
        template = "legacy"
        cells: dict = {}
        raw: dict = {}
    else:
        cells, raw = res.cells, res.raw
        template = _template(parts)
    if title is None and not any(v is not None for v in cells.values()):
        raise NotAReport("no annual-report title and no statistical tables found")

    # Cells read from delimited cells: a failed check among them is the report's own inconsistency;
    # one that involves a cell cut from a glued run may be our misreading.
    clean = {k for k in raw if k not in res.glued}
    checks = t3.checks(cells, clean) + t4.checks(cells, clean) + narrative.checks(text, cells)
    ocr = _ocr_review(cells, raw, clean, checks, text)
    return {
        "title": title,
        "year": year,
        "issuer": issuer,
        "template": template,
        "cells": cells,
        "checks": checks,
        "format": doc.format,
        "raw_cells": raw,
        "notes": doc.notes + res.notes + ocr.pop("notes", []),
        "sections": _sections((doc.narrative or text).splitlines()),
        "text": doc.narrative or text,
        **ocr,
    }


def _ocr_review(cells: dict, raw: dict, clean: set[str], checks: list[dict], text: str) -> dict:
    """Cells read by OCR: their confidence (``ocr``), and those the arithmetic doubts (``uncertain``;
    the checks they break get the verdict "misread"). Nothing for documents read from text."""
    from .read_ocr import ocr_confidences, review

    conf = ocr_confidences(raw)
    if not conf:
        return {}

    def run_checks(trial: dict) -> list[dict]:
        return t3.checks(trial, clean) + t4.checks(trial, clean) + narrative.checks(text, trial)

    uncertain, notes = review(cells, checks, conf, run_checks)
    return {"ocr": conf, "uncertain": uncertain, "notes": notes}


def _template(parts: dict[str, TableResult]) -> str | None:
    """The format of the headings printed in 表二 (and in 表三 where 表二 is missing)."""
    for name in ("t2", "t3"):
        votes = parts[name].template_votes
        if votes:
            return max(sorted(votes), key=lambda t: votes[t])
    if parts["t3"].cells:
        return "2019"  # 表三 printed without the 2021 split of （六）其他处理
    return None


def _sections(lines: list[str]) -> dict[str, str]:
    out: dict[str, list[str]] = {}
    current = None
    for line in lines:
        m = _SECTION_HEAD.match(line.strip())
        if m:
            current = m.group(0)
            out.setdefault(current, [])
            continue
        if current:
            out[current].append(line)
    return {k: "\n".join(v) for k, v in out.items()}
