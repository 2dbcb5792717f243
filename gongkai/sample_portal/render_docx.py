"""A report as a DOCX attachment, laid out like the official Word template.

Tables are python-docx tables on the full grid with merged cells (``_Cell.merge``), so a merged
label appears once per grid position it covers when read back with python-docx (``row.cells``
repeats the merged cell): readers should de-duplicate. Output is byte-stable: core properties
carry fixed dates and the package is re-zipped with fixed member timestamps.
"""
from __future__ import annotations

import io
import zipfile
from datetime import timezone

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from .generator import Report
from .layout import SECTION_HEADINGS, TableLayout, tables
from .narrative import chinese_date, is_subheading

BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
TITLE_FONT = "方正小标宋简体"
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def _east_asian(run, font: str, size: float, bold: bool = False) -> None:
    run.font.name = font
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)


def _paragraph(doc, text: str, *, font: str = BODY_FONT, size: float = 16, bold: bool = False,
               align=None, indent: bool = True):
    paragraph = doc.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.line_spacing = Pt(28)
    fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    _east_asian(paragraph.add_run(text), font, size, bold)
    return paragraph


def _table(doc, layout: TableLayout, width_cm: float) -> None:
    table = doc.add_table(rows=len(layout.rows), cols=layout.ncols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    total = sum(layout.col_weights)
    widths = [Cm(width_cm * w / total) for w in layout.col_weights]
    # Address cells on the unmerged grid once (table.cell() rescans the table on every call),
    # write each cell's text into its top-left position, then merge the spans.
    grid = [row.cells for row in table.rows]
    for row in grid:
        for index, cell in enumerate(row):
            cell.width = widths[index]
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    placements = layout.placements()
    for r, c, spec in placements:
        if spec.text:
            _east_asian(grid[r][c].paragraphs[0].add_run(spec.text), BODY_FONT, 9)
    for r, c, spec in placements:
        if spec.rowspan > 1 or spec.colspan > 1:
            grid[r][c].merge(grid[r + spec.rowspan - 1][c + spec.colspan - 1])


def _normalised_zip(data: bytes) -> bytes:
    """Re-zip with a fixed timestamp on every member, keeping member order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o600 << 16
            target.writestr(member, source.read(info.filename))
    return out.getvalue()


def render_docx(report: Report) -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.4)
    section.top_margin, section.bottom_margin = Cm(3.0), Cm(2.6)
    text_width = 21.0 - 2 * 2.4

    properties = doc.core_properties
    stamp = report.published.replace(tzinfo=timezone.utc)
    properties.title = report.title
    properties.author = report.issuer
    properties.last_modified_by = report.issuer
    properties.subject = "政府信息公开工作年度报告"
    properties.keywords = "政府信息公开 年度报告"
    properties.comments = ""
    properties.created = stamp
    properties.modified = stamp
    properties.last_printed = stamp
    properties.revision = 1

    _paragraph(doc, report.title, font=TITLE_FONT, size=22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    for text in report.preface:
        _paragraph(doc, text)

    def body(texts: list[str]) -> None:
        for text in texts:
            _paragraph(doc, text, font="楷体_GB2312" if is_subheading(text) else BODY_FONT)

    _paragraph(doc, SECTION_HEADINGS["overview"], font=HEADING_FONT)
    body(report.overview)
    for key, layout in zip(("t2", "t3", "t4"), tables(report.template, report.cells)):
        _paragraph(doc, SECTION_HEADINGS[key], font=HEADING_FONT)
        _table(doc, layout, text_width)
    _paragraph(doc, SECTION_HEADINGS["problems"], font=HEADING_FONT)
    body(report.problems)
    _paragraph(doc, SECTION_HEADINGS["other"], font=HEADING_FONT)
    body(report.other)
    _paragraph(doc, report.issuer, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _paragraph(doc, chinese_date(report.published), align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)

    buffer = io.BytesIO()
    doc.save(buffer)
    return _normalised_zip(buffer.getvalue())
