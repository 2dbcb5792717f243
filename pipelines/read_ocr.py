"""Page images -> Rows: OCR of scanned ("图片版") reports with RapidOCR (bundled ONNX models, CPU).

    rows, texts = ocr_image(grey)          # one page image (numpy, 8-bit grey)
    doc = read_images([img, ...], "pdf")   # several pages -> a Document

The tables are read from their ruling lines, not from a text detector: the page is deskewed, the
horizontal and vertical lines are found with morphology, every region the lines enclose is a cell
(merged cells enclose one region), and its grid position comes from the line positions, so a row
gets its cells with their grid columns (``Row.spans``) as the HTML reader gives them. Inside a cell
the ink is cut into text lines by its projection and each line is read by the recognition model
alone (a detector misses isolated single digits, the commonest cell). Text outside the tables is
cut into lines the same way.

Each OCR'd cell text is an `OcrText` (a ``str`` carrying the recogniser's ``conf``), so the
confidence rides through the table modules to the extract record untouched. `review` then lets
the arithmetic decide: a cell whose reading breaks a check that a commonly confused reading
(6/8, 1/7, 0/8, 3/8, 5/6) would satisfy is reported uncertain and the check's verdict becomes
"misread" — the value itself is never changed.
"""
from __future__ import annotations

import os
import re
import threading
import time
from functools import lru_cache

from .document import Document, Row
from .numbers import clean

DPI = 300
MAX_SIDE = 5000  # pixels: a page image is never rendered larger
LOW_CONF = 0.6  # below this a failed check that involves the cell is blamed on the reading
_lock = threading.Lock()


class OcrText(str):
    """A cell or line read by OCR: the text, with the recogniser's confidence (0..1)."""

    conf: float = 1.0

    def __new__(cls, text: str, conf: float = 1.0):
        s = super().__new__(cls, text)
        s.conf = float(conf)
        return s


@lru_cache(maxsize=1)
def _engine():
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def available() -> bool:
    try:
        import cv2  # noqa: F401
        import rapidocr_onnxruntime  # noqa: F401
    except Exception:
        return False
    return True


MIN_RATIO = 2.0  # crops narrower than this (width/height) are padded to it, not to the model's 320/48
BATCH = 16


def recognize(crops: list) -> list[tuple[str, float]]:
    """Text and confidence of each crop (one text line each), through the recognition model alone.
    Crops are batched by width and padded only to their batch's widest (RapidOCR pads every crop
    to 320×48, which makes a one-digit cell cost as much as a line of text)."""

    if not crops:
        return []
    pieces: list = []
    owner: list[int] = []
    for i, c in enumerate(crops):
        for piece in _chunks(c):
            pieces.append(piece)
            owner.append(i)
    if len(pieces) != len(crops):
        texts = ["" for _ in crops]
        confs = [1.0 for _ in crops]
        for i, (t, c) in zip(owner, _recognize(pieces)):
            texts[i] += t
            confs[i] = min(confs[i], c)
        return list(zip(texts, confs))
    return _recognize(crops)


CHUNK_RATIO = 10  # a line wider than this many times its height is read in pieces


def _chunks(crop) -> list:
    """A long text line cut into pieces at the emptiest column near every CHUNK_RATIO heights:
    the recogniser's cost grows faster than the line's length (3× faster on a page of prose)."""
    import numpy as np

    h, w = crop.shape[:2]
    if w <= CHUNK_RATIO * h * 1.5:
        return [crop]
    dark = (crop[:, :, 0] < 128).sum(axis=0)
    out, x = [], 0
    while w - x > CHUNK_RATIO * h * 1.5:
        lo, hi = x + CHUNK_RATIO * h - h, x + CHUNK_RATIO * h
        cut = lo + int(np.argmin(dark[lo:hi]))
        out.append(crop[:, x:cut])
        x = cut
    out.append(crop[:, x:])
    return out


def _recognize(crops: list) -> list[tuple[str, float]]:
    import numpy as np

    rec = _engine().text_rec
    _, img_h, _ = rec.rec_image_shape
    ratios = [c.shape[1] / float(c.shape[0]) for c in crops]
    order = sorted(range(len(crops)), key=lambda i: ratios[i])
    out: list[tuple[str, float]] = [("", 0.0)] * len(crops)
    with _lock:  # one ONNX session: keep concurrent callers (threads) in turn
        batches: list[list[int]] = []
        for i in order:  # similar widths together: a batch is padded to its widest crop
            if batches and len(batches[-1]) < BATCH and ratios[i] <= 1.3 * max(MIN_RATIO, ratios[batches[-1][0]]):
                batches[-1].append(i)
            else:
                batches.append([i])
        for idx in batches:
            max_ratio = max(MIN_RATIO, max(ratios[i] for i in idx))
            batch = np.stack([rec.resize_norm_img(crops[i], max_ratio) for i in idx]).astype(np.float32)
            preds = rec.session(batch)[0]
            res = rec.postprocess_op(preds, False, wh_ratio_list=[ratios[i] for i in idx], max_wh_ratio=max_ratio)
            for i, r in zip(idx, res):
                out[i] = (r[0], float(r[1]))
    return out


# ── image preparation ────────────────────────────────────────────────────────────────────────

def to_grey(img):
    """PIL image or numpy array -> 2-D uint8 numpy array."""
    import numpy as np

    if hasattr(img, "convert"):
        img = np.asarray(img.convert("L"))
    img = np.asarray(img)
    if img.ndim == 3:
        import cv2

        img = cv2.cvtColor(img[:, :, :3], cv2.COLOR_RGB2GRAY)
    return img.astype("uint8")


def binarize(grey):
    import cv2

    # The threshold from a smoothed copy (noise does not move it), applied to the page itself:
    # a median filter would also erase the thin strokes of a small 5 or 7.
    t, _ = cv2.threshold(cv2.medianBlur(grey, 3), 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    _, ink = cv2.threshold(grey, t, 255, cv2.THRESH_BINARY_INV)
    return ink


def skew_angle(ink, max_deg: float = 2.0, step: float = 0.1) -> float:
    """The page's skew in degrees: the rotation that makes the rows of ink sharpest."""
    import cv2
    import numpy as np

    h, w = ink.shape
    f = 800 / max(h, w)
    small = cv2.resize(ink, (max(1, int(w * f)), max(1, int(h * f))), interpolation=cv2.INTER_AREA)
    if small.sum() == 0:
        return 0.0
    centre = (small.shape[1] / 2, small.shape[0] / 2)

    def sharpness(a: float) -> float:
        m = cv2.getRotationMatrix2D(centre, a, 1.0)
        rot = cv2.warpAffine(small, m, (small.shape[1], small.shape[0]), flags=cv2.INTER_NEAREST)
        prof = rot.sum(axis=1, dtype=np.float64)
        return float(((prof[1:] - prof[:-1]) ** 2).sum())

    level = sharpness(0.0)
    best, best_score = 0.0, level * 1.02  # a straight page stays as it is
    for a in np.arange(-max_deg, max_deg + 1e-9, step):
        score = sharpness(float(a))
        if score > best_score:
            best, best_score = float(a), score
    return best


def deskew(grey):
    import cv2

    angle = skew_angle(binarize(grey))
    if abs(angle) < 0.05:
        return grey, 0.0
    h, w = grey.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(grey, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255), angle


# ── tables from ruling lines ─────────────────────────────────────────────────────────────────

def _cluster(values: list[int], tol: int) -> list[int]:
    out: list[list[int]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [int(sum(g) / len(g)) for g in out]


def _nearest(bounds: list[int], v: int) -> int:
    return min(range(len(bounds)), key=lambda i: abs(bounds[i] - v))


def line_ink(grey):
    """A more liberal ink mask for ruling lines: thin lines render as light grey at low dpi."""
    import cv2
    import numpy as np

    blur = cv2.medianBlur(grey, 3)
    t, _ = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    paper = float(np.median(blur))
    _, ink = cv2.threshold(grey, (t + paper) / 2, 255, cv2.THRESH_BINARY_INV)
    return ink


def find_tables(ink, dpi: int):
    """[(table bbox, [(cell bbox, first row, last row, first col, last col), ...]), ...]
    (ink: the line_ink mask of the page)"""
    import cv2
    import numpy as np

    h, w = ink.shape
    hk = max(20, int(dpi * 0.6))
    vk = max(10, int(dpi * 0.22))
    horiz = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (hk, 1)))
    vert = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vk)))
    grid = cv2.dilate(horiz | vert, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(grid, connectivity=8)
    tables = []
    for i in range(1, n):
        x, y, bw, bh, _ = stats[i]
        if bw < w * 0.3 or bh < dpi * 0.3:
            continue
        sub = grid[y:y + bh, x:x + bw].copy()
        # Close the box: a table cut by a page break has no bottom (or top) line of its own.
        cv2.rectangle(sub, (0, 0), (bw - 1, bh - 1), 255, 3)
        m, labels, cstats, _ = cv2.connectedComponentsWithStats(255 - sub, connectivity=4)
        min_side = max(4, int(dpi * 0.06))
        boxes = []
        for j in range(1, m):
            cx, cy, cw, ch, area = cstats[j]
            if cw < min_side or ch < min_side:
                continue
            boxes.append((x + cx, y + cy, x + cx + cw, y + cy + ch))
        if len(boxes) < 2:
            continue
        tol = max(3, int(dpi * 0.03))
        xs = _cluster([b[0] for b in boxes] + [b[2] for b in boxes], tol)
        ys = _cluster([b[1] for b in boxes] + [b[3] for b in boxes], tol)
        cells = []
        for b in boxes:
            c0, c1 = _nearest(xs, b[0]), _nearest(xs, b[2])
            r0, r1 = _nearest(ys, b[1]), _nearest(ys, b[3])
            # a cell's right/bottom edge is the next cell's left/top edge, one line width later
            cells.append((b, r0, max(r0, r1 - 1), c0, max(c0, c1 - 1)))
        tables.append(((x, y, x + bw, y + bh), _renumber(cells)))
    tables.sort(key=lambda t: t[0][1])
    return tables


def _renumber(cells):
    """Grid indices from the cluster indices (left and right edges interleave: 0, 2, 4 …)."""
    rows = sorted({c[1] for c in cells})
    cols = sorted({c[3] for c in cells})
    ri = {r: i for i, r in enumerate(rows)}
    ci = {c: i for i, c in enumerate(cols)}

    def up(v, index):  # the last start at or before v
        best = 0
        for k, i in index.items():
            if k <= v:
                best = max(best, i)
        return best

    return [(b, ri[r0], up(r1, ri), ci[c0], up(c1, ci)) for b, r0, r1, c0, c1 in cells]


def grid_rows(cells, texts, table: int):
    """Table cells (bbox, first row, last row, first col, last col, …) and their texts -> [(Row, top)]:
    one Row per grid row, a cell spanning rows repeated on each (as read_html gives them)."""
    out = []
    n_rows = max((c[2] for c in cells), default=-1) + 1
    for r in range(n_rows):
        here = sorted((c[3], ci) for ci, c in enumerate(cells) if c[1] <= r <= c[2])
        row = [texts[ci] for _, ci in here]
        if any(row):
            spans = [(cells[ci][3], cells[ci][4]) for _, ci in here]
            out.append((Row(row, in_table=True, table=table, spans=spans), min(cells[ci][0][1] for _, ci in here)))
    return out


# ── text lines ───────────────────────────────────────────────────────────────────────────────

def _bands(profile, min_gap: int, min_len: int):
    """Runs of non-zero values in a 1-D profile, merging runs closer than min_gap."""
    runs = []
    start = None
    for i, v in enumerate(list(profile) + [0]):
        if v and start is None:
            start = i
        elif not v and start is not None:
            runs.append([start, i])
            start = None
    merged: list[list[int]] = []
    for r in runs:
        if merged and r[0] - merged[-1][1] < min_gap:
            merged[-1][1] = r[1]
        else:
            merged.append(r)
    return [(a, b) for a, b in merged if b - a >= min_len]


def line_boxes(ink, box, dpi: int, split_gap: float | None = None):
    """Boxes of the text lines inside box (x0, y0, x1, y1) of the ink image: [[(x0,y0,x1,y1), ...] per line]
    (a line may be cut into segments where the gap is wider than split_gap inches)."""
    import numpy as np

    x0, y0, x1, y1 = box
    sub = ink[y0:y1, x0:x1]
    if sub.size == 0:
        return []
    rows_on = (sub > 0).sum(axis=1) >= 1
    lines = []
    min_h = max(3, int(dpi * 0.035))
    for a, b in _bands(rows_on, max(1, int(dpi * 0.015)), min_h):
        cols = (sub[a:b] > 0).sum(axis=0) > 0
        gap = int(dpi * split_gap) if split_gap else 10 ** 9
        segs = _bands(cols, gap, 1)
        segs = [(c, d) for c, d in segs if (d - c) >= max(2, int(dpi * 0.01)) or (b - a) >= min_h]
        if not segs:
            continue
        if (b - a) < dpi * 0.04 and sum(d - c for c, d in segs) < dpi * 0.04:
            continue  # a speck, not a character
        lines.append([(x0 + c, y0 + a, x0 + d, y0 + b) for c, d in segs])
    return lines


def _crop(grey, b, dpi: int):
    pad = max(2, int(dpi * 0.02))
    h, w = grey.shape
    x0, y0, x1, y1 = max(0, b[0] - pad), max(0, b[1] - pad), min(w, b[2] + pad), min(h, b[3] + pad)
    import cv2

    return cv2.cvtColor(grey[y0:y1, x0:x1], cv2.COLOR_GRAY2BGR)


_LETTER_DIGITS = str.maketrans({"O": "0", "o": "0", "〇": "0", "l": "1", "I": "1", "|": "1", "，": ",", "。": "."})
_DASH_ONLY = re.compile(r"^[一—－\-_~～]+$")


def cell_text(text: str) -> str:
    """An OCR'd cell as a reader would type it: a lone dash (read as 一) is a dash, letters
    that stand for digits inside a number are digits."""
    t = clean(text)
    if _DASH_ONLY.match(t):
        return "—"
    t2 = t.translate(_LETTER_DIGITS)
    if re.fullmatch(r"[-+]?[\d,]*\d[\d,]*(\.\d+)?", t2.replace(" ", "")):
        return t2.replace(" ", "")
    return t


# ── one page ─────────────────────────────────────────────────────────────────────────────────

# Which image pages get their prose read too: "all", or "tables" (the first page, for the title,
# and pages that hold a table: a third of the time on a typical report). Set GONGKAI_OCR_TEXT.
TEXT_PAGES = os.environ.get("GONGKAI_OCR_TEXT", "all")


def ocr_image(img, dpi: int = DPI, first_table: int = 0, text_outside: bool | None = True):
    """One page image -> (rows, n_tables, stats): table rows with spans and OCR confidences,
    and the lines of text above, between and below the tables, in reading order
    (text_outside=None: only on a page that holds a table)."""
    import numpy as np

    grey = to_grey(img)
    grey, angle = deskew(grey)
    ink = binarize(grey)
    tables = find_tables(line_ink(grey), dpi)
    # Lines inside a cell must not see the ruling lines: read ink minus the grid.
    items = []  # (y, kind, payload)
    jobs: list[tuple] = []  # crops to recognise with where the result goes
    for ti, (tbox, cells) in enumerate(tables):
        per_cell = []
        for ci, (b, r0, r1, c0, c1) in enumerate(cells):
            inset = max(2, int(dpi * 0.012))
            inner = (b[0] + inset, b[1] + inset, b[2] - inset, b[3] - inset)
            lines = line_boxes(ink, inner, dpi)
            segs = [s for line in lines for s in line]
            per_cell.append((b, r0, r1, c0, c1, len(segs)))
            for si, s in enumerate(segs):
                jobs.append((("cell", ti, ci, si), _crop(grey, s, dpi)))
        items.append((tbox[1], "table", (ti, per_cell)))
    if text_outside is None:
        text_outside = bool(tables)
    if text_outside:
        mask = ink.copy()
        for tbox, _ in tables:
            mask[max(0, tbox[1] - 3):tbox[3] + 3, max(0, tbox[0] - 3):tbox[2] + 3] = 0
        for li, line in enumerate(line_boxes(mask, (0, 0, ink.shape[1], ink.shape[0]), dpi, split_gap=0.4)):
            items.append((line[0][1], "line", li))
            for si, s in enumerate(line):
                jobs.append((("line", li, si), _crop(grey, s, dpi)))
    t0 = time.perf_counter()
    results = dict(zip([j[0] for j in jobs], recognize([j[1] for j in jobs])))
    rec_s = time.perf_counter() - t0

    rows: list[Row] = []
    ys: list[int] = []
    n_cells = 0
    items.sort(key=lambda it: (it[0], it[1] == "line"))
    for y, kind, payload in items:
        if kind == "line":
            li = payload
            parts = []
            si = 0
            while ("line", li, si) in results:
                parts.append(results[("line", li, si)])
                si += 1
            text = clean(" ".join(t for t, _ in parts))
            if text:
                conf = min(c for _, c in parts)
                rows.append(Row([OcrText(tok, conf) for tok in text.split(" ")]))
                ys.append(y)
            continue
        ti, per_cell = payload
        texts = []
        for ci, (b, r0, r1, c0, c1, nseg) in enumerate(per_cell):
            parts = [results[("cell", ti, ci, si)] for si in range(nseg)]
            raw = " ".join(t for t, _ in parts)
            conf = min((c for _, c in parts), default=1.0)
            texts.append(OcrText(cell_text(raw), conf))
            n_cells += 1
        for row, y in grid_rows(per_cell, texts, first_table + ti):
            rows.append(row)
            ys.append(y)
    stats = {"ys": ys, "height": ink.shape[0], "angle": angle, "tables": len(tables), "cells": n_cells, "crops": len(jobs), "rec_seconds": rec_s}
    return rows, len(tables), stats


def read_images(images, fmt: str, dpi: int = DPI, notes: list[str] | None = None) -> Document:
    """Page images (PIL or numpy) -> a Document of OCR rows."""
    rows: list[Row] = []
    texts: list[str] = []
    n_table = 0
    out_notes = list(notes or [])
    for i, img in enumerate(images):
        page_rows, nt, stats = ocr_image(img, dpi, n_table)
        n_table += nt
        rows.extend(page_rows)
        texts.extend(" ".join(c for c in r.cells if c) for r in page_rows)
        out_notes.append(f"OCR: image {i + 1} read ({stats['tables']} tables, {stats['cells']} cells, "
                         f"skew {stats['angle']:.1f}°)")
    return Document(fmt, rows, "\n".join(t for t in texts if t), [], notes=out_notes)


# ── the record: confidences, and the arithmetic's say on doubtful readings ───────────────────

CONFUSIONS = {"6": "85", "8": "6035", "1": "7", "7": "1", "0": "86", "3": "8", "5": "6", "9": "8"}


def alternatives(value) -> list[int]:
    """Readings one commonly confused digit away (6/8, 1/7, 0/8, 3/8, 5/6, 9/8)."""
    if not isinstance(value, int) and not (isinstance(value, float) and value.is_integer()):
        return []
    s = str(int(value))
    neg = s.startswith("-")
    digits = s.lstrip("-")
    out = []
    for i, d in enumerate(digits):
        for alt in CONFUSIONS.get(d, ""):
            cand = digits[:i] + alt + digits[i + 1:]
            if len(cand) > 1 and cand[0] == "0":
                continue
            out.append(-int(cand) if neg else int(cand))
    return out


def ocr_confidences(raw: dict) -> dict[str, float]:
    return {k: round(v.conf, 3) for k, v in raw.items() if isinstance(v, OcrText)}


def review(cells: dict, checks: list[dict], conf: dict[str, float], run_checks) -> tuple[list[str], list[str]]:
    """Let the arithmetic judge the OCR readings. For each failed check, an OCR'd cell in it is
    uncertain when another plausible reading of it makes that check hold without breaking a check
    that holds, or when its confidence is below LOW_CONF; the check's verdict is then "misread".
    Values are never changed. run_checks(cells) -> checks. Returns (uncertain keys, notes)."""
    failed = [c for c in checks if not c["ok"]]
    if not failed or not conf:
        return [], []
    ok_rules = {c["rule"] for c in checks if c["ok"]}
    uncertain: dict[str, str] = {}
    by_rule = {c["rule"]: c for c in checks}
    for key in sorted(conf):
        value = cells.get(key)
        if value is None:
            # A cell read blank may be ink the page lost (a faint digit): test the value the failed
            # checks it sits in would need.
            cands = {abs(c["found"] - c["expected"]) for c in failed if key in _check_keys(c, cells)}
            cands |= {c["expected"] for c in failed if key in _check_keys(c, cells)}
            cands = sorted(int(v) for v in cands if isinstance(v, (int, float)) and v > 0 and float(v).is_integer())
        else:
            cands = alternatives(value)
        fixes = []
        for alt in cands:
            trial = dict(cells)
            trial[key] = alt
            after = {c["rule"]: c["ok"] for c in run_checks(trial)}
            fixed = [r for r in after if after[r] and r in by_rule and not by_rule[r]["ok"]]
            broken = [r for r in ok_rules if not after.get(r, True)]
            if fixed and not broken:
                fixes.append((alt, fixed))
        if fixes:
            uncertain[key] = "; ".join(f"reading {alt} would satisfy {', '.join(f)}" for alt, f in fixes)
            for _, f in fixes:
                for r in f:
                    by_rule[r]["verdict"] = "misread"
    for c in failed:
        keys = _check_keys(c, cells)
        low = [k for k in keys if k in conf and conf[k] < LOW_CONF]
        for k in low:
            uncertain.setdefault(k, f"OCR confidence {conf[k]:.2f} in a failed check")
            c["verdict"] = "misread"
    notes = [f"OCR: {k} = {cells.get(k)} is uncertain ({why})" for k, why in sorted(uncertain.items())]
    return sorted(uncertain), notes


_BALANCE_ROWS = ("new", "carried_over", "total", "carried_forward")
_NOT_RESULTS = _BALANCE_ROWS[:2] + _BALANCE_ROWS[3:]


def _check_keys(check: dict, cells: dict) -> list[str]:
    """The cell keys a check adds up (by its rule name: t3.row.R, t3.column.C, t3.balance.C, t4.G)."""
    rule = check["rule"]
    parts = rule.split(".")
    if rule.startswith("t3.row."):
        return [k for k in cells if k.startswith(f"t3.{parts[2]}.")]
    if rule.startswith("t3.column."):
        return [k for k in cells if k.startswith("t3.") and k.endswith(f".{parts[2]}")
                and k.split(".")[1] not in _NOT_RESULTS]
    if rule.startswith("t3.balance."):
        return [f"t3.{r}.{parts[2]}" for r in _BALANCE_ROWS if f"t3.{r}.{parts[2]}" in cells]
    if rule.startswith("t4."):
        return [k for k in cells if k.startswith(f"t4.{parts[1]}.")]
    return []


# ── benchmark (the lead can wire `gongkai bench ocr`) ────────────────────────────────────────

def bench(paths, dpi: int = DPI, text: bool = True) -> dict:
    """OCR speed on the pages of PDFs (rendered with pypdfium2, text layer ignored): seconds per
    page and table cells per second. text=False reads the tables only."""
    import pypdfium2

    _engine()  # model loading is not part of the per-page figure
    pages = cells = 0
    render_s = ocr_s = 0.0
    for path in paths:
        pdf = pypdfium2.PdfDocument(str(path))
        try:
            for i in range(len(pdf)):
                t0 = time.perf_counter()
                img = pdf[i].render(scale=dpi / 72, grayscale=True).to_pil()
                t1 = time.perf_counter()
                _, _, stats = ocr_image(img, dpi, text_outside=text)
                render_s += t1 - t0
                ocr_s += time.perf_counter() - t1
                pages += 1
                cells += stats["cells"]
        finally:
            pdf.close()
    return {"pages": pages, "dpi": dpi, "cells": cells, "render_seconds": round(render_s, 2),
            "ocr_seconds": round(ocr_s, 2), "seconds_per_page": round((render_s + ocr_s) / max(pages, 1), 2),
            "cells_per_second": round(cells / ocr_s, 1) if ocr_s else None}


if __name__ == "__main__":  # python -m gongkai.pipelines.read_ocr FILE.pdf ... [--dpi N] [--tables-only]
    import argparse
    import json

    ap = argparse.ArgumentParser(description="OCR benchmark: seconds per page, cells per second")
    ap.add_argument("pdf", nargs="+")
    ap.add_argument("--dpi", type=int, default=DPI)
    ap.add_argument("--tables-only", action="store_true")
    a = ap.parse_args()
    print(json.dumps(bench(a.pdf, a.dpi, text=not a.tables_only), ensure_ascii=False))
