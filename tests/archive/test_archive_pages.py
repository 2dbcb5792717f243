"""The archive's own pages: front-page search form, report page, archived originals, charts,
facets, canned queries, and the safety of scraped text in the browser."""
from __future__ import annotations

import asyncio
import copy
import re
from urllib.parse import quote

import pytest
from archive_records import FETCHES, PORTAL, REPORT_JIANXI, REPORT_MINZHENG, SHA_JIANXI, sha
from datasette.app import Datasette

from gongkai.archive.load import load
from gongkai.archive.metadata import DATASETTE_SETTINGS, metadata_dict
from gongkai.archive.plugin import CONTENT_SECURITY_POLICY
from gongkai.archive.report_page import original_response_type, table_layouts


def get(db_path, *paths, raw_dir=None):
    async def run():
        ds = Datasette(immutables=[str(db_path)], metadata=metadata_dict(db_path, raw_dir=raw_dir),
                       settings=DATASETTE_SETTINGS)
        await ds.invoke_startup()
        return [await ds.client.get(path) for path in paths]
    return asyncio.run(run())


def test_front_page_has_the_ranked_search_form(archive_db, plugin_registered):
    [page] = get(archive_db, "/")
    assert page.status_code == 200
    assert 'action="/gongkai/search"' in page.text and 'name="q"' in page.text
    assert 'href="/-/charts"' in page.text and 'href="/gongkai.db"' in page.text


def test_report_page_lays_out_every_value(archive_db, plugin_registered):
    [page] = get(archive_db, f"/-/report/{SHA_JIANXI}")
    assert page.status_code == 200, page.text[:500]
    html = page.text
    assert REPORT_JIANXI["title"] in html
    shown = dict(re.findall(r'data-key="([^"]+)"[^>]*>([^<]*)</td>', html))
    assert set(shown) == set(REPORT_JIANXI["cells"])
    for key, value in REPORT_JIANXI["cells"].items():
        assert shown[key] == ("" if value is None else str(value)), key
    assert "表三" in html and "表四" in html and "表二" in html
    assert "一、本年新收政府信息公开申请数量" in html and "结果纠正" not in html  # only its cells
    assert "t3.results.total" in html and "9+2+1+1+3+0 = 16 ≠ 17" in html   # the failed check
    assert f'href="/gongkai/report_checks?report_id={SHA_JIANXI}"' in html
    assert f'href="/gongkai/cells_labelled?report_id={SHA_JIANXI}"' in html
    assert 'href="http://127.0.0.1:8765/zwgk/ndbg/202203/P020220301.pdf"' in html
    assert "城乡征迁" in html   # the narrative text


def _td_attributes(html: str) -> dict[str, str]:
    """data-key → the attributes of its <td>."""
    return {key: attrs for attrs, key in re.findall(r'<td ([^>]*data-key="([^"]+)"[^>]*)>', html)}


def test_report_page_marks_the_cells_read_by_ocr(tmp_path, plugin_registered, cell_labels):
    from archive_records import REPORT_JIANXI_OCR

    db_path = tmp_path / "gongkai.db"
    load(db_path, reports=[copy.deepcopy(REPORT_JIANXI_OCR), copy.deepcopy(REPORT_MINZHENG)],
         fetches=[], cell_labels=cell_labels)
    scanned, from_text = get(db_path, f"/-/report/{SHA_JIANXI}",
                             f"/-/report/{REPORT_MINZHENG['sha256']}")
    assert scanned.status_code == 200, scanned.text[:500]
    html = scanned.text
    cells = _td_attributes(html)
    assert set(cells) == set(REPORT_JIANXI["cells"])
    marked = {key for key, attrs in cells.items() if re.search(r'class="value ocr[ "]', attrs)}
    assert marked == set(REPORT_JIANXI_OCR["ocr"])
    doubted = {key for key, attrs in cells.items() if 'class="value ocr uncertain"' in attrs}
    assert doubted == {"t3.denied_process.total"}
    assert 'data-uncertain="1"' in cells["t3.denied_process.total"]
    assert "OCR 0.93" in cells["t3.new.total"] and "OCR 0.98" in cells["t3.granted.total"]
    assert "OCR 0.41" in cells["t3.denied_process.total"]
    assert "读数存疑" in cells["t3.denied_process.total"]
    for key in set(cells) - set(REPORT_JIANXI_OCR["ocr"]):
        assert 'class="value"' in cells[key] and "OCR" not in cells[key], key
        assert "data-ocr" not in cells[key] and "data-uncertain" not in cells[key], key
    # the values themselves are as on the text-read page
    shown = dict(re.findall(r'data-key="([^"]+)"[^>]*>([^<]*)</td>', html))
    assert shown["t3.new.total"] == "16" and shown["t3.denied_process.total"] == "1"
    assert "带 OCR 标记的数字由图像识别读出" in html and 'id="ocr-legend"' in html
    assert "另一种读法" in html                      # the legend of doubted readings
    assert 'id="ocr-cells"' in html and "4 个单元格由 OCR 读出，其中 1 个存疑" in html
    # a report read from text: no marks, no legend
    plain = from_text.text
    assert from_text.status_code == 200
    assert "带 OCR 标记的数字由图像识别读出" not in plain and 'id="ocr-legend"' not in plain
    assert 'id="ocr-cells"' not in plain
    assert all('class="value"' in attrs for attrs in _td_attributes(plain).values())


def test_ocr_legend_without_doubts(tmp_path, plugin_registered, cell_labels):
    from archive_records import REPORT_JIANXI_OCR

    record = copy.deepcopy(REPORT_JIANXI_OCR)
    record["uncertain"] = []
    db_path = tmp_path / "gongkai.db"
    load(db_path, reports=[record], fetches=[], cell_labels=cell_labels)
    [page] = get(db_path, f"/-/report/{SHA_JIANXI}")
    assert "带 OCR 标记的数字由图像识别读出" in page.text and "另一种读法" not in page.text
    assert "uncertain" not in "".join(_td_attributes(page.text).values())


def test_report_page_links_the_same_bodys_other_years(tmp_path, plugin_registered, cell_labels):
    earlier = copy.deepcopy(REPORT_JIANXI)
    earlier.update(sha256=sha("jianxi-2020"), year=2020, title="涧西区人民政府2020年政府信息公开工作年度报告")
    db_path = tmp_path / "gongkai.db"
    load(db_path, reports=[copy.deepcopy(REPORT_JIANXI), earlier, copy.deepcopy(REPORT_MINZHENG)],
         fetches=[], cell_labels=cell_labels)
    [page] = get(db_path, f"/-/report/{SHA_JIANXI}")
    assert f'href="/-/report/{sha("jianxi-2020")}"' in page.text
    assert f'/-/report/{REPORT_MINZHENG["sha256"]}' not in page.text


def test_unknown_report_is_404(archive_db, plugin_registered):
    [page] = get(archive_db, "/-/report/nope")
    assert page.status_code == 404


def test_archived_original_is_served_safely(archive_db, plugin_registered, tmp_path):
    raw = tmp_path / "raw"
    (raw / "objects" / SHA_JIANXI[:2]).mkdir(parents=True)
    (raw / "objects" / SHA_JIANXI[:2] / SHA_JIANXI).write_bytes(b"%PDF-1.4 fake")
    report, original, missing, traversal = get(
        archive_db, f"/-/report/{SHA_JIANXI}", f"/-/original/{SHA_JIANXI}",
        f"/-/original/{'0' * 64}", "/-/original/..%2F..%2Fetc%2Fpasswd", raw_dir=raw)
    assert f'href="/-/original/{SHA_JIANXI}"' in report.text
    assert original.status_code == 200 and original.content == b"%PDF-1.4 fake"
    assert original.headers["content-type"] == "application/pdf"
    assert original.headers["content-security-policy"].startswith("sandbox")
    assert original.headers["x-content-type-options"] == "nosniff"
    assert missing.status_code == 404 and traversal.status_code in (302, 404)


@pytest.mark.parametrize("content_type, filename, expected", [
    ("application/pdf", "a.pdf", ("application/pdf", "inline")),
    ("text/html; charset=gbk", "t.htm", ("application/octet-stream", "attachment")),
    ("application/msword", 'evil".doc', ("application/octet-stream", "attachment")),
    (None, None, ("application/octet-stream", "attachment")),
])
def test_original_content_types(content_type, filename, expected):
    served, disposition = original_response_type(content_type, "ab" * 32, filename)
    assert (served, disposition.split(";")[0]) == expected
    assert '"' not in disposition.split("filename=")[1].strip('"')


HOSTILE_TEXT = ('本年度征迁工作<script>alert("x")</script>'
                '<img src=x onerror="alert(1)"><a href="javascript:alert(2)">链接</a>')


def test_scraped_html_is_escaped_everywhere(tmp_path, plugin_registered, cell_labels):
    hostile = copy.deepcopy(REPORT_JIANXI)
    hostile.update(title='恶意<script>alert("t")</script>报告', text=HOSTILE_TEXT,
                   source_url="javascript:alert(3)",
                   raw_cells={"t3.new.total": '<img src=x onerror="alert(4)">'})
    hostile["checks"][1]["detail"] = "<script>alert(5)</script>"
    db_path = tmp_path / "gongkai.db"
    load(db_path, reports=[hostile], fetches=[], cell_labels=cell_labels)
    pages = get(db_path, f"/-/report/{SHA_JIANXI}", f"/gongkai/search?q={quote('征迁')}",
                "/gongkai/reports", f"/gongkai/reports/{SHA_JIANXI}",
                "/gongkai/arithmetic_findings", f"/gongkai/cells_labelled?report_id={SHA_JIANXI}",
                "/gongkai/cells", f"/gongkai/report_checks?report_id={SHA_JIANXI}")
    for page in pages:
        assert page.status_code == 200
        assert "<script>alert" not in page.text
        assert "<img src=x" not in page.text
        assert 'href="javascript:' not in page.text
        assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in \
            CONTENT_SECURITY_POLICY.split("script-src")[1].split(";")[0]
    assert "&lt;script&gt;alert" in pages[0].text


def test_facets_on_the_reports_table(archive_db, plugin_registered):
    [page] = get(archive_db, "/gongkai/reports.json?_facet_size=10")
    facets = page.json()["facet_results"]
    assert {"province", "city", "level", "year", "template", "format", "check_status"} <= set(facets)
    values = {f: {v["value"] for v in facets[f]["results"]} for f in facets}
    assert values["province"] == {"河南省"} and values["city"] == {"洛阳市"}
    assert values["level"] == {"county", "department"}
    assert values["check_status"] == {"finding", "passed"}
    [filtered] = get(archive_db, "/gongkai/reports.json?_shape=array&check_status=finding")
    assert [row["id"] for row in filtered.json()] == [SHA_JIANXI]


def test_new_canned_queries(archive_db, plugin_registered):
    most, refused, suits, by_year, charts = get(
        archive_db, "/gongkai/most_applications.json?_shape=array",
        "/gongkai/share_refused.json?_shape=array", "/gongkai/corrected_lawsuits.json?_shape=array",
        "/gongkai/by_year.json?_shape=array", "/-/charts")
    assert [(r["issuer"], r["applications"]) for r in most.json()] == [
        ("涧西区人民政府", 16), ("洛阳市民政局", 3)]
    jianxi = next(r for r in refused.json() if r["report_id"] == SHA_JIANXI)
    assert (jianxi["denied"], jianxi["total_handled"], jianxi["denied_pct"]) == (2, 16, 12.5)
    assert suits.status_code == 200 and suits.json() == []
    assert {r["year"]: r["applications"] for r in by_year.json()} == {2020: 3, 2021: 16}
    assert charts.status_code == 200 and "<svg" in charts.text and "<rect" in charts.text


def test_corrected_lawsuits_finds_a_corrected_suit(tmp_path, plugin_registered, cell_labels):
    report = copy.deepcopy(REPORT_JIANXI)
    report["cells"]["t4.suit_direct.corrected"] = 1
    db_path = tmp_path / "gongkai.db"
    load(db_path, reports=[report], fetches=[], cell_labels=cell_labels)
    [suits] = get(db_path, "/gongkai/corrected_lawsuits.json?_shape=array")
    assert [(r["report_id"], r["suits_corrected"]) for r in suits.json()] == [(SHA_JIANXI, 1)]


def test_search_results_link_to_report_pages(archive_db, plugin_registered):
    [page] = get(archive_db, f"/gongkai/search?q={quote('复议')}")
    assert f'<a href="/-/report/{SHA_JIANXI}">{REPORT_JIANXI["title"]}</a>' in page.text


def test_serving_is_read_only(archive_db, plugin_registered):
    before = archive_db.read_bytes()
    [write] = get(archive_db, "/gongkai.json?sql=" + quote("delete from reports"))
    assert write.status_code == 400 or "error" in write.text.lower()
    assert archive_db.read_bytes() == before


def test_table_layout_nests_labels_like_the_form(cell_labels):
    labels = {row["key"]: row for row in cell_labels}
    cells = [{"key": key, "value": 1.0, "raw": None, "position": i,
              "table_zh": labels[key]["table"], "row_zh": labels[key]["row_zh"],
              "col_zh": labels[key]["col_zh"], "unit": labels[key]["unit"],
              "row_en": labels[key]["row_en"], "col_en": labels[key]["col_en"]}
             for i, key in enumerate(labels) if key.startswith("t3.") and "2019" in labels[key]["templates"]]
    [table] = table_layouts(cells)
    top = [(h.text, h.span, h.cross) for h in table.header_rows[0]]
    assert top == [("自然人", 1, 2), ("法人或其他组织", 5, 1), ("总计", 1, 2)]
    first_labels = [label.text for labels_, _ in table.rows for label in labels_]
    assert first_labels.count("三、本年度办理结果") == 1
    assert len(table.keys) == len(cells)


def test_table_layout_carries_ocr_marks(cell_labels):
    label = next(row for row in cell_labels if row["key"] == "t3.new.total")
    cells = [{"key": "t3.new.total", "value": 16.0, "raw": "16", "position": 1,
              "table_zh": label["table"], "row_zh": label["row_zh"], "col_zh": label["col_zh"],
              "unit": label["unit"], "ocr_confidence": 0.934, "uncertain": 1},
             {"key": "x.unknown", "value": 2.0, "raw": "2", "ocr_confidence": 0.5, "uncertain": 0},
             {"key": "y.unknown", "value": 3.0, "raw": "3"}]
    form, other = table_layouts(cells)
    [cell] = [c for _, values in form.rows for c in values if c]
    assert (cell.ocr, cell.uncertain, cell.ocr_label, cell.css_class) == (
        0.934, True, "OCR 0.93", "value ocr uncertain")
    marks = {c.key: (c.ocr_label, c.css_class) for _, values in other.rows for c in values}
    assert marks == {"x.unknown": ("OCR 0.50", "value ocr"), "y.unknown": (None, "value")}
