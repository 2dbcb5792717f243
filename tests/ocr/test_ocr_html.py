"""An HTML page whose body is pictures of the report (data: URIs) is read by OCR."""
from __future__ import annotations

import base64
import io
import json

import pytest

pytest.importorskip("rapidocr_onnxruntime")

from gongkai.pipelines.extract import extract_bytes  # noqa: E402
from gongkai.pipelines.read_ocr import bench  # noqa: E402

from .helpers import render_pages  # noqa: E402

pytestmark = pytest.mark.corpus
DOC = "constructed/pingtan_2023_official_template.pdf"
LABEL = "constructed_pingtan_2023_official_template_pdf.json"


def test_html_page_of_embedded_page_images_is_read_by_ocr(corpus_dir):
    pages = render_pages(corpus_dir / "docs" / DOC, 200)
    imgs = []
    for im in pages[1:5]:  # the pages that hold 表二, 表三 and 表四
        buf = io.BytesIO()
        im.save(buf, "PNG")
        imgs.append(f'<p><img src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}"></p>')
    html = ("<html><head><meta charset='utf-8'><title>平潭综合实验区2023年度政府信息公开工作年度报告</title></head>"
            "<body><h1>平潭综合实验区2023年度政府信息公开工作年度报告</h1>" + "".join(imgs) + "</body></html>")
    rec = extract_bytes(html.encode("utf-8"), "report.html")
    lab = json.loads((corpus_dir / "labels" / LABEL).read_text(encoding="utf-8"))
    good = sum(1 for k, v in lab["cells"].items() if k in rec["cells"] and rec["cells"][k] == v)
    print(f"HTML of page images: {good}/{len(lab['cells'])} cells")
    assert rec["format"] == "html" and rec["ocr"]
    assert good / len(lab["cells"]) >= 0.95


def test_ocr_benchmark_reports_seconds_per_page_and_cells_per_second(corpus_dir):
    out = bench([corpus_dir / "docs" / "hongze_2023.pdf"], dpi=150, text=False)
    print("OCR bench:", out)
    assert out["pages"] == 5 and out["cells"] > 100 and out["seconds_per_page"] > 0
