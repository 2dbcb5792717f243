"""OFD (GB/T 33190, China's fixed-layout format) -> Document, with the same table logic as OCR.

An .ofd is a zip of XML: OFD.xml names the document root (Doc_0/Document.xml), which lists the
pages (Pages/Page_N/Content.xml). A page's TextObjects place text (TextCode with X/Y and DeltaX,
in mm, relative to the object's Boundary) and its PathObjects draw the ruling lines. The lines are
drawn into a mask and handed to `read_ocr.find_tables`, so a table's cells and their grid positions
come out exactly as they do for a scanned page; each character then goes to the cell that holds
its centre. Text outside the tables becomes lines, by baseline.
"""
from __future__ import annotations

import io
import posixpath
import re
import zipfile

from lxml import etree

from .document import Document, Row
from .errors import Unreadable
from .numbers import clean

MAX_PAGES = 200
MAX_XML = 50 * 2**20
PX_PER_MM = 10  # resolution of the line mask (≈254 dpi)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _floats(text: str | None) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:[eE]-?\d+)?", text or "")]


def _deltas(text: str | None, n: int) -> list[float]:
    """DeltaX/DeltaY with the 'g N d' repetition shorthand expanded."""
    out: list[float] = []
    toks = (text or "").split()
    i = 0
    while i < len(toks):
        if toks[i] == "g" and i + 2 < len(toks):
            out.extend([float(toks[i + 2])] * int(float(toks[i + 1])))
            i += 3
        else:
            try:
                out.append(float(toks[i]))
            except ValueError:
                pass
            i += 1
    return out[: max(0, n - 1)]


def _xml(z: zipfile.ZipFile, name: str):
    name = name.lstrip("/")
    try:
        info = z.getinfo(name)
    except KeyError:
        raise Unreadable(f"OFD is missing {name}")
    if info.file_size > MAX_XML:
        raise Unreadable(f"OFD part {name} is too large")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(z.read(info), parser)


def read_ofd(data: bytes) -> Document:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as e:
        raise Unreadable(f"OFD could not be opened: {e}")
    try:
        return _read(z)
    except Unreadable:
        raise
    except Exception as e:  # corrupt XML, odd numbers: one line, never a traceback
        raise Unreadable(f"OFD could not be read: {type(e).__name__}: {e}")


def _read(z: zipfile.ZipFile) -> Document:
    root = _xml(z, "OFD.xml")
    doc_root = next((el.text for el in root.iter() if _local(el.tag) == "DocRoot" and el.text), None)
    if not doc_root:
        raise Unreadable("OFD.xml names no DocRoot")
    titles = [clean(el.text) for el in root.iter() if _local(el.tag) == "Title" and el.text and el.text.strip()]
    doc_path = doc_root.strip().lstrip("/")
    base = posixpath.dirname(doc_path)
    document = _xml(z, doc_path)
    default_box = next((_floats(el.text) for el in document.iter() if _local(el.tag) == "PhysicalBox"), [0, 0, 210, 297])
    pages = [el.get("BaseLoc") for el in document.iter() if _local(el.tag) == "Page" and el.get("BaseLoc")]
    if len(pages) > MAX_PAGES:
        raise Unreadable(f"OFD has {len(pages)} pages (limit {MAX_PAGES})")
    rows: list[Row] = []
    texts: list[str] = []
    n_table = 0
    for loc in pages:
        path = loc.lstrip("/") if loc.startswith("/") else posixpath.normpath(posixpath.join(base, loc))
        page = _xml(z, path)
        box = next((_floats(el.text) for el in page.iter() if _local(el.tag) == "PhysicalBox"), default_box)
        chars, segments = _page_objects(page)
        page_rows = _layout(chars, segments, box, n_table)
        n_table += len({r.table for r, _ in page_rows if r.in_table})
        for row, _ in page_rows:
            rows.append(row)
            texts.append(" ".join(c for c in row.cells if c))
    return Document("ofd", rows, "\n".join(t for t in texts if t), titles)


def _page_objects(page):
    """(chars [(text, x0, top, x1, baseline, size)], line segments [(x0, y0, x1, y1)]) in mm."""
    chars = []
    segments = []
    seen = set()
    for obj in page.iter():
        name = _local(obj.tag)
        if name not in ("TextObject", "PathObject"):
            continue
        bx, by = (_floats(obj.get("Boundary")) + [0, 0])[:2]
        ctm = _floats(obj.get("CTM"))
        if name == "TextObject":
            size = float(obj.get("Size", "3.5") or 3.5)
            if len(ctm) == 6 and ctm[0]:
                size *= abs(ctm[3] or ctm[0])
            x = y = 0.0
            for code in obj:
                if _local(code.tag) != "TextCode" or not code.text:
                    continue
                x = float(code.get("X", x))
                y = float(code.get("Y", y))
                text = code.text
                dx = _deltas(code.get("DeltaX"), len(text))
                cx = x
                for i, ch in enumerate(text):
                    if not ch.isspace():
                        key = (ch, round(bx + cx, 1), round(by + y, 1))
                        if key not in seen:  # "fake bold": the same character printed twice
                            seen.add(key)
                            chars.append((ch, bx + cx, by + y - size, bx + cx + size * (0.5 if ord(ch) < 128 else 1.0),
                                          by + y, size))
                    cx += dx[i] if i < len(dx) else size
        else:
            pts: list[tuple[float, float]] = []
            toks = (next((el.text for el in obj if _local(el.tag) == "AbbreviatedData"), "") or "").split()
            i = 0
            cur = None
            while i < len(toks):
                op = toks[i]
                if op in ("M", "L") and i + 2 < len(toks):
                    p = (bx + float(toks[i + 1]), by + float(toks[i + 2]))
                    if op == "L" and cur is not None:
                        segments.append((cur[0], cur[1], p[0], p[1]))
                    cur = p
                    pts.append(p)
                    i += 3
                elif op == "C":
                    i += 7
                elif op in ("Q",):
                    i += 5
                elif op == "B":
                    i += 7
                else:
                    i += 1
    return chars, segments


def _lines_of(chars) -> list[list[tuple]]:
    """Characters grouped into lines by baseline, each line in x order."""
    lines: list[list[tuple]] = []
    for ch in sorted(chars, key=lambda c: (c[4], c[1])):
        if lines and abs(ch[4] - lines[-1][0][4]) <= 0.4 * ch[5]:
            lines[-1].append(ch)
        else:
            lines.append([ch])
    return [sorted(line, key=lambda c: c[1]) for line in lines]


def _join(line) -> str:
    out = ""
    prev = None
    for ch in line:
        if prev is not None and ch[1] - prev[3] > 0.6 * ch[5]:
            out += " "
        out += ch[0]
        prev = ch
    return out


def _layout(chars, segments, box, first_table: int) -> list[tuple[Row, float]]:
    import cv2
    import numpy as np

    from .read_ocr import find_tables, grid_rows
    from .read_pdf import _PAGE_NO, pdf_cell

    bw, bh = (box[2] if len(box) > 2 else 210), (box[3] if len(box) > 3 else 297)
    if not (0 < bw <= 2000 and 0 < bh <= 2000):
        raise Unreadable(f"OFD page of {bw:.0f}×{bh:.0f} mm")
    w = int(bw * PX_PER_MM) + 1
    h = int(bh * PX_PER_MM) + 1
    tables = []
    if segments:
        mask = np.zeros((h, w), np.uint8)
        for x0, y0, x1, y1 in segments:
            cv2.line(mask, (int(x0 * PX_PER_MM), int(y0 * PX_PER_MM)), (int(x1 * PX_PER_MM), int(y1 * PX_PER_MM)), 255, 2)
        tables = find_tables(mask, int(PX_PER_MM * 25.4))
    items: list[tuple[float, Row]] = []
    placed = set()
    for ti, (tbox, cells) in enumerate(tables):
        inside: dict[int, list] = {}
        for k, ch in enumerate(chars):
            cx, cy = (ch[1] + ch[3]) / 2 * PX_PER_MM, (ch[2] + ch[4]) / 2 * PX_PER_MM
            for ci, (b, *_rest) in enumerate(cells):
                if b[0] <= cx <= b[2] and b[1] <= cy <= b[3]:
                    inside.setdefault(ci, []).append(ch)
                    placed.add(k)
                    break
        texts = [pdf_cell("\n".join(_join(line) for line in _lines_of(inside.get(ci, [])))) for ci in range(len(cells))]
        for row, top in grid_rows(cells, texts, first_table + ti):
            items.append((top / PX_PER_MM, row))
        # characters inside the table's frame but in no cell (on a line) are dropped with it
        for k, ch in enumerate(chars):
            cx, cy = (ch[1] + ch[3]) / 2 * PX_PER_MM, (ch[2] + ch[4]) / 2 * PX_PER_MM
            if tbox[0] <= cx <= tbox[2] and tbox[1] <= cy <= tbox[3]:
                placed.add(k)
    rest = [ch for k, ch in enumerate(chars) if k not in placed]
    for line in _lines_of(rest):
        t = clean(_join(line))
        if t and not _PAGE_NO.match(t):
            items.append((min(c[2] for c in line), Row(t.split(" "))))
    items.sort(key=lambda it: (it[0], not it[1].in_table))
    return [(row, y) for y, row in items]
