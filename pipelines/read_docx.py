"""DOCX -> Document with python-docx: paragraphs and tables in body order, merged cells once."""
from __future__ import annotations

import io
import zipfile

from .document import Document, Row
from .errors import Unreadable
from .numbers import clean

MAX_UNZIPPED = 200 * 1024 * 1024


def read_docx(data: bytes) -> Document:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            total = sum(i.file_size for i in z.infolist())
            if total > MAX_UNZIPPED:
                raise Unreadable(f"DOCX unpacks to {total // 2**20} MB (limit {MAX_UNZIPPED // 2**20} MB)")
    except zipfile.BadZipFile as e:
        raise Unreadable(f"DOCX is not a valid zip file: {e}")
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        d = docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises many kinds for broken packages
        raise Unreadable(f"DOCX could not be opened: {type(e).__name__}: {e}")
    rows: list[Row] = []
    texts: list[str] = []
    titles: list[str] = []
    n_table = 0
    for child in d.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            t = clean(Paragraph(child, d).text)
            if t:
                rows.append(Row(t.split(" ")))
                texts.append(t)
                if len(titles) < 5:
                    titles.append(t)
        elif tag == "tbl":
            for r in Table(child, d).rows:
                seen, cells = set(), []
                for c in r.cells:
                    if id(c._tc) in seen:
                        continue
                    seen.add(id(c._tc))
                    cells.append(clean(" ".join(p.text for p in c.paragraphs)))
                rows.append(Row(cells, in_table=True, table=n_table))
                texts.append(" ".join(c for c in cells if c))
            n_table += 1
    props = d.core_properties.title
    return Document("docx", rows, "\n".join(texts), ([clean(props)] if props else []) + titles)
