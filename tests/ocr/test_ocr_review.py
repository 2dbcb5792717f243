"""The arithmetic decides about OCR readings: doubtful cells are flagged, never corrected."""
from __future__ import annotations

from gongkai.pipelines import read_ocr, t3, t4
from gongkai.pipelines.cells import T4_COLUMNS
from gongkai.pipelines.read_ocr import OcrText, alternatives, cell_text, ocr_confidences, review


def _t4(review_vals, direct=(0, 0, 0, 0, 0), after=(0, 0, 0, 0, 0)):
    cells = {}
    for g, vals in (("review", review_vals), ("suit_direct", direct), ("suit_after_review", after)):
        for c, v in zip(T4_COLUMNS, vals):
            cells[f"t4.{g}.{c}"] = v
    return cells


def _run(cells):
    return t3.checks(cells, set(cells)) + t4.checks(cells, set(cells))


def test_plausible_alternative_readings_of_ocr_digits():
    assert set(alternatives(16)) >= {18, 15, 76}
    assert 8 in alternatives(0) and 7 in alternatives(1)
    assert alternatives(None) == [] and alternatives(2.5) == []


def test_misread_is_flagged_not_corrected():
    cells = _t4((10, 6, 0, 0, 18))  # 6 read for 8: 10+8 = 18
    checks = _run(cells)
    conf = {k: 0.99 for k in cells}
    uncertain, notes = review(cells, checks, conf, _run)
    assert "t4.review.corrected" in uncertain
    assert cells["t4.review.corrected"] == 6  # never silently corrected
    (bad,) = [c for c in checks if not c["ok"]]
    assert bad["verdict"] == "misread" and notes


def test_confident_failure_stays_a_source_finding():
    cells = _t4((10, 1, 0, 0, 0))  # hongze's own 表四: 10+1+0+0 printed as 0
    checks = _run(cells)
    uncertain, _ = review(cells, checks, {k: 0.99 for k in cells}, _run)
    assert uncertain == []
    assert [c["verdict"] for c in checks if not c["ok"]] == ["source"]


def test_low_confidence_in_a_failed_check_is_uncertain():
    cells = _t4((10, 1, 0, 0, 0))
    checks = _run(cells)
    conf = {k: 0.99 for k in cells} | {"t4.review.upheld": 0.4}
    uncertain, _ = review(cells, checks, conf, _run)
    assert uncertain == ["t4.review.upheld"]


def test_ocr_text_carries_its_confidence_through_the_tables():
    raw = {"a": OcrText("12", 0.8), "b": "3"}
    assert ocr_confidences(raw) == {"a": 0.8}
    assert cell_text("一") == "—" and cell_text("1O") == "10" and cell_text("行政许可") == "行政许可"
    assert read_ocr.DPI == 300


def test_blank_reading_in_a_failed_check_is_uncertain():
    cells = _t4((10, None, 0, 0, 11))  # the 1 under 结果纠正 lost in the scan
    checks = _run(cells)
    uncertain, _ = review(cells, checks, {k: 1.0 for k in cells}, _run)
    assert uncertain == ["t4.review.corrected"] and cells["t4.review.corrected"] is None
    assert [c["verdict"] for c in checks if not c["ok"]] == ["misread"]
