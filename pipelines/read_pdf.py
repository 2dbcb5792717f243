"""PDF -> Document with pdfplumber: ruled tables as rows, the text around them as lines, in page order.

Tables split across pages simply continue on the next page's rows (rows are matched by label, so
the split does not matter). "Fake bold" duplicated characters are removed with dedupe_chars.
"""
from __future__ import annotations

import io
import re

from .document import Document, Row
from .errors import Unreadable
from .numbers import clean

MAX_PAGES = 200
# Inside a cell a bare number is a value: only marked page numbers are dropped there.
_CELL_PAGE_NO = re.compile(r"^[-—－]\s*\d{1,3}\s*[-—－]$|^第\d+页(共\d+页)?$|^\d{1,3}\s*/\s*\d{1,3}$")
_PAGE_NO = re.compile(r"^[-—－\s]*\d{1,3}[-—－\s]*$|^第\d+页(共\d+页)?$")


def pdf_cell(text: str) -> str:
    """A table cell's text: its lines joined, without a page number that a table broken across
    pages leaves inside the cell (「12\n- 3 -」)."""
    lines = [ln for ln in text.split("\n") if not _CELL_PAGE_NO.match(clean(ln))]
    return clean(" ".join(lines)) if lines else ""


def read_pdf(data: bytes) -> Document:
    try:
        return _read_pdf(data)
    except Unreadable:
        raise
    except Exception as e:  # pdfminer raises many kinds on corrupt objects, at any point
        raise Unreadable(f"PDF could not be read: {type(e).__name__}: {e}")


def _read_pdf(data: bytes) -> Document:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except PDFPasswordIncorrect:
        raise Unreadable("PDF is encrypted")
    except (PDFSyntaxError, Exception) as e:  # pdfminer raises many kinds on corrupt files
        raise Unreadable(f"PDF could not be opened: {type(e).__name__}: {e}")
    rows: list[Row] = []
    texts: list[str] = []
    n_table = 0
    ocr = _PageOCR(data)
    with pdf:
        if len(pdf.pages) > MAX_PAGES:
            raise Unreadable(f"PDF has {len(pdf.pages)} pages (limit {MAX_PAGES})")
        for page in pdf.pages:
            try:
                page = page.dedupe_chars()
                tables = page.find_tables()
                items: list[tuple[float, str, object]] = []
                boxes = [t.bbox for t in tables]
                for t in tables:
                    items.append((t.bbox[1], "table", t))

                def outside(obj, boxes=boxes):
                    cx = (obj["x0"] + obj["x1"]) / 2
                    cy = (obj["top"] + obj["bottom"]) / 2
                    return not any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes)

                for line in page.filter(outside).extract_text_lines():
                    items.append((line["top"], "line", line["text"]))
            except Exception as e:
                raise Unreadable(f"PDF page {page.page_number} could not be read: {type(e).__name__}: {e}")
            if ocr is not None and ocr.wanted(page, bool(tables)):
                ocr.n_table = n_table
                items = ocr.page_items(page, items)
                n_table = ocr.n_table
            items.sort(key=lambda it: (it[0], it[1] == "line"))
            for _, kind, obj in items:
                if kind == "line":
                    t = clean(obj)
                    if t and not _PAGE_NO.match(t):
                        rows.append(Row(t.split(" ")))
                        texts.append(t)
                    continue
                if kind == "ocr":  # rows read from the page image (pipelines/read_ocr.py)
                    rows.append(obj)
                    texts.append(" ".join(c for c in obj.cells if c))
                    continue
                for raw_row in obj.extract():
                    cells = [pdf_cell(c) for c in raw_row if c is not None]
                    if any(cells):
                        rows.append(Row(cells, in_table=True, table=n_table))
                        texts.append(" ".join(c for c in cells if c))
                n_table += 1
    titles = []
    meta_title = (pdf.metadata or {}).get("Title") if hasattr(pdf, "metadata") else None
    if isinstance(meta_title, str) and meta_title.strip():
        titles.append(clean(meta_title))
    return Document("pdf", rows, "\n".join(texts), titles, notes=ocr.notes)


MAX_OCR_PAGES = 60
_MIN_TEXT = 20  # a page with fewer printed characters than this has no text layer worth the name


class _PageOCR:
    """Pages whose text is only an image (scanned "图片版" reports, or a table pasted as a picture)
    are rendered and read by OCR (pipelines/read_ocr.py). A page without a text layer gives all its
    OCR rows; a page with text but an image where its table should be gives only the OCR tables."""

    def __init__(self, data: bytes):
        self.data = data
        self.pdfium = None
        self.notes: list[str] = []
        self.n_table = 0
        self.pages = 0

    def wanted(self, page, has_tables: bool) -> bool:
        if not page.images:
            return False
        text = sum(1 for c in page.chars if not c.get("text", " ").isspace())
        if text < _MIN_TEXT:
            return True
        if has_tables:
            return False
        area = float(page.width * page.height) or 1.0
        covered = sum(max(0.0, (i["x1"] - i["x0"]) * (i["bottom"] - i["top"])) for i in page.images)
        return covered / area > 0.25

    def page_items(self, page, items: list) -> list:
        from . import read_ocr

        no_text = sum(1 for c in page.chars if not c.get("text", " ").isspace()) < _MIN_TEXT
        if not read_ocr.available():
            self.notes.append(f"page {page.page_number} is an image and OCR is not installed: not read")
            return items
        if self.pages >= MAX_OCR_PAGES:
            if self.pages == MAX_OCR_PAGES:
                self.notes.append(f"OCR: only the first {MAX_OCR_PAGES} image pages were read")
            self.pages += 1
            return items
        self.pages += 1
        if self.pdfium is None:
            import pypdfium2

            self.pdfium = pypdfium2.PdfDocument(self.data)
        # 300 dpi, less for a page larger than A3 (a poster-sized page would not fit in memory)
        dpi = max(72, min(read_ocr.DPI, int(read_ocr.MAX_SIDE * 72 / max(float(page.width), float(page.height), 1.0))))
        img = self.pdfium[page.page_number - 1].render(scale=dpi / 72, grayscale=True).to_pil()
        text = (read_ocr.TEXT_PAGES == "all" or page.page_number == 1 or None) if no_text else False
        rows, n_tables, stats = read_ocr.ocr_image(img, dpi, self.n_table, text_outside=text)
        if not no_text and not n_tables:
            return items
        self.n_table += n_tables
        scale = float(page.height) / stats["height"]
        if no_text:
            items = [it for it in items if it[1] != "line"]
        items = items + [(y * scale, "ocr", row) for y, row in zip(stats["ys"], rows)]
        self.notes.append(f"OCR: page {page.page_number} {'has no text layer' if no_text else 'holds its table as an image'}"
                          f"; read from its image at {dpi} dpi ({n_tables} tables, {stats['cells']} cells, "
                          f"skew {stats['angle']:.1f}°)")
        return items
