"""The bundled seed report (涧西区人民政府 2019, flattened text) as a portal report.

Its numbers and sections come from one call, ``gongkai.pipelines.extract.extract_bytes``: the
portal republishes what the project's own extractor reads from the seed, nothing typed in here.
"""
from __future__ import annotations

import re
from importlib import resources

from gongkai.pipelines.cells import keys_for

from .generator import SEED_PLAN, Report, publication_time, report_title, template_for

SEED_FILENAME = "seed_jianxi_2019.txt"


class SeedUnavailable(RuntimeError):
    """The seed report cannot be read (the extractor is missing or failed on it)."""


def seed_bytes() -> bytes:
    return resources.files(__package__).joinpath("data", SEED_FILENAME).read_bytes()


def _extract(data: bytes) -> dict:
    try:
        from gongkai.pipelines.extract import extract_bytes
    except ImportError as exc:  # the extractor is part of gongkai.pipelines; say what is missing
        raise SeedUnavailable(
            "the sample portal republishes the seed report through gongkai.pipelines.extract.extract_bytes, "
            f"which cannot be imported ({exc}); build with include_seed=False to leave the seed out"
        ) from exc
    try:
        return extract_bytes(data, SEED_FILENAME)
    except Exception as exc:
        raise SeedUnavailable(f"extract_bytes failed on the bundled seed {SEED_FILENAME}: {exc}") from exc


_HEADINGS = {
    "overview": ("一、", "总体情况"),
    "problems": ("五、", "存在的主要问题"),
    "other": ("六、", "其他需要报告"),
}


def _section_text(record: dict, part: str) -> str:
    """The text of one narrative section, from ``sections`` (heading → text) or else from ``text``."""
    number, words = _HEADINGS[part]
    for heading, text in (record.get("sections") or {}).items():
        if words in heading and isinstance(text, str):
            return text
    text = record.get("text") or ""
    starts = [m.start() for m in re.finditer(rf"{number}\s*{words}", text)]
    if not starts:
        return ""
    body = text[starts[0]:]
    body = re.sub(rf"^{number}\s*{words}[^\n]*\n?", "", body)
    following = re.search(r"\n\s*[一二三四五六七]、\s*(主动公开|收到和处理|政府信息公开行政复议|存在的主要问题|其他需要报告)", body)
    return body[:following.start()] if following else body


_PARAGRAPH_END = ("。", "：", ":", "！", "；")
_SUBHEADING = re.compile(r"^\s*(（[一二三四五六七八九十]+）|[一二三四五六七八九十]+、)")


def paragraphs(text: str, drop: tuple[str, ...] = ()) -> list[str]:
    """Rebuild paragraphs from text whose lines may be hard-wrapped: a paragraph ends at a line
    ending in sentence punctuation, or before a line that opens a numbered heading."""
    out: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip().replace("\u3000", "")
        if not line or line in drop:
            if current:
                out.append(current)
                current = ""
            continue
        if current and _SUBHEADING.match(line):
            out.append(current)
            current = ""
        heading_line = not current and _SUBHEADING.match(line) and len(line) < 40
        current += line
        if heading_line or current.endswith(_PARAGRAPH_END):
            out.append(current)
            current = ""
    if current:
        out.append(current)
    return out


def seed_report() -> Report:
    """The seed as a ``Report``: title, issuer, year, template and cells as the extractor reads them."""
    record = _extract(seed_bytes())
    year = record.get("year")
    issuer = record.get("issuer")
    template = record.get("template") or (template_for(year) if isinstance(year, int) else None)
    if not (isinstance(year, int) and issuer and template in ("2019", "2021")):
        raise SeedUnavailable(f"the extractor did not read the seed's year/issuer/template: "
                              f"{year!r}, {issuer!r}, {template!r}")
    extracted = record.get("cells") or {}
    cells = {key: extracted.get(key) for key in keys_for(template)}
    title = record.get("title") or report_title(issuer, year)
    drop = (title, "一、总体情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项")
    return Report(
        plan=SEED_PLAN,
        title=title,
        issuer=issuer,
        year=year,
        template=template,
        cells=cells,
        published=publication_time(issuer, year),
        overview=paragraphs(_section_text(record, "overview"), drop),
        problems=paragraphs(_section_text(record, "problems"), drop),
        other=paragraphs(_section_text(record, "other"), drop) or ["无"],
        origin="seed",
    )
