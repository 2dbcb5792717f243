"""PDF and DOCX attachments: the text and every table cell read back with pdfplumber / python-docx."""
from __future__ import annotations

import io
import re
import zipfile

import docx
import pdfplumber

from gongkai.sample_portal.layout import format_value, tables

from portal_grids import clean


def _documents(site, form):
    items = [r for r in site.reports if r["format"] == form and not r.get("scanned")]  # text layers only
    assert len(items) >= 4
    return [(item, site.resource_for(item["document_url"])) for item in items]


def _layouts(item):
    return tables(item["template"], item["cells"])


def _expect_grid(layout, grid, *, covered):
    """Every cell of the layout is where the grid has it: labels (whitespace ignored) and values;
    ``covered(r, c, origin_text)`` says what a grid position inside a merged cell must hold."""
    assert len(grid) == len(layout.rows) and all(len(row) == layout.ncols for row in grid)
    for r, c, cell in layout.placements():
        assert clean(grid[r][c]) == cell.text, (layout.name, r, c)
        for dr in range(cell.rowspan):
            for dc in range(cell.colspan):
                if dr or dc:
                    assert covered(grid[r + dr][c + dc], cell.text), (layout.name, r + dr, c + dc)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_pdf_text_and_tables(site):
    for item, resource in _documents(site, "pdf"):
        assert resource.content_type == "application/pdf"
        with pdfplumber.open(io.BytesIO(resource.body)) as pdf:
            # page footers ("- 2 -") sit between the pages' text
            text = _squash("".join(re.sub(r"(?m)^- \d+ -$", "", page.extract_text()) for page in pdf.pages))
            found = [t for page in pdf.pages for t in page.extract_tables()]
            assert pdf.metadata.get("Title") == item["title"]
        assert item["title"] in text
        for section in item["sections"].values():
            first_sentence = section.split("。")[0]
            assert _squash(first_sentence) in text, item["title"]
        assert f"全年共收到政府信息公开申请{item['cells']['t3.new.total']}件" in text
        assert len(found) == 3, item["title"]
        for layout, grid in zip(_layouts(item), found):
            _expect_grid(layout, grid, covered=lambda value, _: value is None)


def test_pdf_numbers_are_printed_exactly(site):
    for item, resource in _documents(site, "pdf"):
        with pdfplumber.open(io.BytesIO(resource.body)) as pdf:
            cells = [c for page in pdf.pages for t in page.extract_tables() for row in t for c in row]
        printed = {c for c in cells if c is not None}
        for key, value in item["cells"].items():
            if value is not None:
                assert format_value(value) in printed, (item["title"], key)


def test_docx_text_tables_and_merges(site):
    for item, resource in _documents(site, "docx"):
        assert resource.content_type.endswith("wordprocessingml.document")
        document = docx.Document(io.BytesIO(resource.body))
        text = "\n".join(p.text for p in document.paragraphs)
        assert document.paragraphs[0].text == item["title"]
        assert f"全年共收到政府信息公开申请{item['cells']['t3.new.total']}件" in text
        assert "行政复议" in text
        assert len(document.tables) == 3
        for layout, table in zip(_layouts(item), document.tables):
            grid = [[cell.text for cell in row.cells] for row in table.rows]
            # python-docx repeats a merged cell at every grid position it covers
            _expect_grid(layout, grid, covered=lambda value, origin: clean(value) == origin)
        assert document.core_properties.title == item["title"]
        assert document.core_properties.created.year == item["year"] + 1


def test_docx_members_have_fixed_timestamps(site):
    for _, resource in _documents(site, "docx"):
        with zipfile.ZipFile(io.BytesIO(resource.body)) as archive:
            assert {info.date_time for info in archive.infolist()} == {(2020, 1, 1, 0, 0, 0)}


def test_the_scanned_report_has_no_text_layer_but_page_images():
    from gongkai.sample_portal import build_site

    site = build_site("http://127.0.0.1:9")
    [scan] = [r for r in site.reports if r.get("scanned")]
    assert scan["format"] == "pdf"
    with pdfplumber.open(io.BytesIO(site.resource_for(scan["document_url"]).body)) as pdf:
        assert all(not (page.extract_text() or "").strip() for page in pdf.pages)
        assert all(page.images for page in pdf.pages)
