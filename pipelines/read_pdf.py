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
            items.sort(key=lambda it: (it[0], it[1] == "line"))
            for _, kind, obj in items:
                if kind == "line":
                    t = clean(obj)
                    if t and not _PAGE_NO.match(t):
                        rows.append(Row(t.split(" ")))
                        texts.append(t)
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
    return Document("pdf", rows, "\n".join(texts), titles)
