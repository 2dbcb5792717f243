"""Test helpers: corpus PDFs turned into image-only PDFs (what a scanned "图片版" report is)."""
from __future__ import annotations

import io

import numpy as np


def render_pages(pdf_path, dpi: int) -> list:
    """Each page of a PDF as a PIL greyscale image at dpi."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(pdf_path))
    try:
        return [pdf[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for i in range(len(pdf))]
    finally:
        pdf.close()


def scanned(img, angle: float = 0.5, noise: float = 12.0, seed: int = 0):
    """A page as a scanner gives it: grey paper, a slight rotation, noise, JPEG artefacts."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    a = np.asarray(img, dtype=np.float32)
    a = 235 - (255 - a) * (215 / 255)  # grey paper, ink not quite black
    rot = Image.fromarray(a.clip(0, 255).astype(np.uint8)).rotate(angle, resample=Image.BILINEAR, fillcolor=235)
    b = np.asarray(rot, dtype=np.float32) + rng.normal(0, noise, rot.size[::-1])
    out = Image.fromarray(b.clip(0, 255).astype(np.uint8))
    buf = io.BytesIO()
    out.save(buf, "JPEG", quality=60)
    buf.seek(0)
    return Image.open(buf).convert("L")


def image_pdf(images, dpi: int, jpeg: bool = False) -> bytes:
    """An image-only PDF, one page per image, page size as at dpi (img2pdf: no re-encoding)."""
    import img2pdf

    blobs = []
    for img in images:
        buf = io.BytesIO()
        if jpeg:
            img.save(buf, "JPEG", quality=75)
        else:
            img.save(buf, "PNG")
        blobs.append(buf.getvalue())
    return img2pdf.convert(blobs, layout_fun=img2pdf.get_fixed_dpi_layout_fun((dpi, dpi)))


def pdf_to_ofd(pdf_path) -> bytes:
    """A PDF rewritten as OFD (GB/T 33190): every character a TextObject, every ruling edge a
    PathObject, in mm. Enough of the format for the reader's tests, as real OFD writers lay it out."""
    import zipfile
    from xml.sax.saxutils import escape

    import pdfplumber

    mm = 25.4 / 72
    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    buf = io.BytesIO()
    with pdfplumber.open(str(pdf_path)) as pdf, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {ns} Version="1.1" DocType="OFD">'
                              '<ofd:DocBody><ofd:DocInfo><ofd:DocID>test</ofd:DocID></ofd:DocInfo>'
                              '<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
        pages = []
        oid = 1
        for n, page in enumerate(pdf.pages):
            page = page.dedupe_chars()
            objs = []
            for c in page.chars:
                if not c["text"].strip():
                    continue
                oid += 1
                size = c["size"] * mm
                x0, top = c["x0"] * mm, c["top"] * mm
                objs.append(f'<ofd:TextObject ID="{oid}" Boundary="{x0:.3f} {top:.3f} {max(size, 0.1):.3f} {size:.3f}" '
                            f'Font="1" Size="{size:.3f}"><ofd:TextCode X="0" Y="{size * 0.88:.3f}">'
                            f'{escape(c["text"])}</ofd:TextCode></ofd:TextObject>')
            for e in page.edges:
                oid += 1
                x0, y0, x1, y1 = e["x0"] * mm, e["top"] * mm, e["x1"] * mm, e["bottom"] * mm
                w, h = max(x1 - x0, 0.1), max(y1 - y0, 0.1)
                path = f"M 0 0 L {x1 - x0:.3f} 0" if e["orientation"] == "h" else f"M 0 0 L 0 {y1 - y0:.3f}"
                objs.append(f'<ofd:PathObject ID="{oid}" Boundary="{x0:.3f} {y0:.3f} {w:.3f} {h:.3f}" LineWidth="0.25">'
                            f'<ofd:AbbreviatedData>{path}</ofd:AbbreviatedData></ofd:PathObject>')
            z.writestr(f"Doc_0/Pages/Page_{n}/Content.xml",
                       f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {ns}><ofd:Area><ofd:PhysicalBox>0 0 '
                       f'{page.width * mm:.3f} {page.height * mm:.3f}</ofd:PhysicalBox></ofd:Area><ofd:Content>'
                       f'<ofd:Layer ID="{n + 1000}">{"".join(objs)}</ofd:Layer></ofd:Content></ofd:Page>')
            pages.append(f'<ofd:Page ID="{n + 1}" BaseLoc="Pages/Page_{n}/Content.xml"/>')
        w0, h0 = pdf.pages[0].width * mm, pdf.pages[0].height * mm
        z.writestr("Doc_0/Document.xml",
                   f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {ns}><ofd:CommonData><ofd:PageArea>'
                   f'<ofd:PhysicalBox>0 0 {w0:.3f} {h0:.3f}</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData>'
                   f'<ofd:Pages>{"".join(pages)}</ofd:Pages></ofd:Document>')
    return buf.getvalue()
