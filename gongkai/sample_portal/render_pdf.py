"""A report as a PDF attachment: title, narrative and the three ruled tables.

reportlab's built-in CID font ``STSong-Light`` (Adobe-GB1, encoding UniGB-UCS2-H) needs no font
file and is not embedded; pdfminer/pdfplumber map its CIDs back to Unicode through the
Adobe-GB1 CMap they ship, so the text extracts as Chinese. Tables are reportlab ``Table``s with
a full GRID and SPAN commands for merged cells, which pdfplumber's line-based table finder reads
as one table per official table (merged cells come back as the text in the top-left position and
``None`` in the others). Long labels wrap inside their cells (line breaks inside cell text).
Output is byte-stable: ``invariant=1`` fixes the creation date and document ID.
"""
from __future__ import annotations

import io
import time
from functools import lru_cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from .generator import Report
from .layout import SECTION_HEADINGS, TableLayout, tables
from .narrative import chinese_date, is_subheading

FONT = "STSong-Light"
_MARGIN = 22 * mm


@lru_cache(maxsize=1)
def _register_font() -> None:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _styles() -> dict[str, ParagraphStyle]:
    base = dict(fontName=FONT, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", fontSize=17, leading=26, alignment=TA_CENTER, spaceAfter=10, **base),
        "heading": ParagraphStyle("heading", fontSize=12.5, leading=22, spaceBefore=6, spaceAfter=4, **base),
        "subheading": ParagraphStyle("subheading", fontSize=11, leading=20, firstLineIndent=22, **base),
        "body": ParagraphStyle("body", fontSize=11, leading=20, firstLineIndent=22, **base),
        "right": ParagraphStyle("right", fontSize=11, leading=20, alignment=TA_RIGHT, **base),
        "cell": ParagraphStyle("cell", fontSize=8, leading=10, alignment=TA_CENTER, **base),
    }


def _escape(text: str) -> str:
    """Paragraph text is a mini-markup: escape &, < and >."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table(layout: TableLayout, width: float, cell_style: ParagraphStyle) -> Table:
    grid: list[list[object]] = [["" for _ in range(layout.ncols)] for _ in layout.rows]
    commands: list[tuple] = [
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    for row, col, cell in layout.placements():
        # labels wrap as paragraphs; numbers stay plain strings on one line
        grid[row][col] = cell.text if cell.is_value else Paragraph(_escape(cell.text), cell_style)
        if cell.rowspan > 1 or cell.colspan > 1:
            commands.append(("SPAN", (col, row), (col + cell.colspan - 1, row + cell.rowspan - 1)))
    total = sum(layout.col_weights)
    widths = [width * w / total for w in layout.col_weights]
    return Table(grid, colWidths=widths, style=TableStyle(commands), repeatRows=0)


class _PageNumber:
    def __call__(self, canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 9)
        canvas.drawCentredString(A4[0] / 2, 12 * mm, f"- {doc.page} -")
        canvas.restoreState()


def render_pdf(report: Report) -> bytes:
    _register_font()
    styles = _styles()
    width = A4[0] - 2 * _MARGIN
    t2, t3, t4 = tables(report.template, report.cells)

    def paragraphs(texts: list[str]) -> list[Flowable]:
        return [Paragraph(_escape(t), styles["subheading" if is_subheading(t) else "body"]) for t in texts]

    def heading(key: str) -> Paragraph:
        return Paragraph(_escape(SECTION_HEADINGS[key]), styles["heading"])

    story: list[Flowable] = [Paragraph(_escape(report.title), styles["title"])]
    story += paragraphs(report.preface)
    story += [heading("overview"), *paragraphs(report.overview)]
    for key, layout in (("t2", t2), ("t3", t3), ("t4", t4)):
        story.append(KeepTogether([heading(key), _table(layout, width, styles["cell"]), Spacer(1, 6)]))
    story += [heading("problems"), *paragraphs(report.problems)]
    story += [heading("other"), *paragraphs(report.other)]
    story += [Spacer(1, 12), Paragraph(_escape(report.issuer), styles["right"]),
              Paragraph(chinese_date(report.published), styles["right"])]

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=_MARGIN, rightMargin=_MARGIN, topMargin=25 * mm, bottomMargin=22 * mm,
        title=report.title, author=report.issuer, subject="政府信息公开工作年度报告", creator="Microsoft Word",
        invariant=1,
    )
    page_number = _PageNumber()
    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return buffer.getvalue()


SCAN_DPI = 200


def render_scanned_pdf(report: Report, dpi: int = SCAN_DPI) -> bytes:
    """The report as a 图片版 PDF: each page of render_pdf() rasterised to a grey image, the
    images wrapped as a PDF with no text layer (what a scanner or "print to image" produces)."""
    import pypdfium2
    from PIL import Image

    pdf = pypdfium2.PdfDocument(render_pdf(report))
    try:
        pages = [pdf[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for i in range(len(pdf))]
    finally:
        pdf.close()
    buf = io.BytesIO()
    fixed = time.gmtime(946684800)  # 2000-01-01: byte-stable, no time of rendering inside
    pages[0].save(buf, format="PDF", save_all=True, append_images=pages[1:], resolution=dpi,
                  creationDate=fixed, modDate=fixed, producer="gongkai sample portal")
    return buf.getvalue()
