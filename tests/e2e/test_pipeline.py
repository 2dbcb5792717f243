"""End to end: the sample portal → crawl → extract → load → publish, run once through Dagster
(`gongkai run`'s function), then checked against the portal's own truth."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from gongkai import build

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    """Run the whole pipeline once: (sample portal site, data dir, exported records)."""
    from gongkai.cli import run_pipeline
    from gongkai.sample_portal import start

    data = tmp_path_factory.mktemp("data")
    with start(port=0) as portal:
        portals = data.parent / "portals.yaml"
        portals.write_text(portal.site.portals_yaml(), encoding="utf-8")
        result = run_pipeline(portals, data, delay=0)
        assert result.success
        records = list(build.export_records(data))
        yield portal.site, data, records


def _index(records):
    return {r["source_url"]: r for r in records}


def _archived(truth: dict, by_url: dict) -> dict | None:
    return by_url.get(truth.get("document_url") or "") or by_url.get(truth["page_url"])


def test_every_stage_left_its_output(pipeline):
    _, data, _ = pipeline
    assert (data / "raw" / "fetches.jsonl").exists()
    assert build.reports_path(data).exists()
    assert build.db_path(data).exists()
    assert any((data / "published").iterdir())


def test_every_report_is_archived_with_its_cells(pipeline):
    site, _, records = pipeline
    by_url = _index(records)
    reports = [t for t in site.truth if t["kind"] == "report"]
    assert reports
    for truth in reports:
        rec = _archived(truth, by_url)
        assert rec is not None, f"not archived: {truth['title']} ({truth['page_url']})"
        for key in ("year", "issuer", "template"):
            assert rec[key] == truth[key], (truth["title"], key)
        assert rec["cells"] == truth["cells"], truth["title"]
        for key in ("sha256", "source_url", "fetched_at"):
            assert rec.get(key), (truth["title"], key)


def test_no_news_is_archived(pipeline):
    site, _, records = pipeline
    by_url = _index(records)
    for truth in site.truth:
        if truth["kind"] == "news":
            assert _archived(truth, by_url) is None, truth["title"]
    assert len(records) == sum(t["kind"] == "report" for t in site.truth)


def _seed(records):
    hits = [r for r in records if r.get("issuer") == "涧西区人民政府" and r.get("year") == 2019]
    assert len(hits) == 1, [r.get("title") for r in records]
    return hits[0]


def test_seed_cells_equal_the_hand_checked_labels(pipeline, corpus_dir):
    _, _, records = pipeline
    labels = json.loads((corpus_dir / "labels" / "jianxi_2019.json").read_text(encoding="utf-8"))
    seed = _seed(records)
    assert len(labels["cells"]) == 198
    assert seed["cells"] == labels["cells"]


def test_rebuild_uses_the_cache(pipeline):
    _, data, _ = pipeline
    stats = build.extract_all(data)
    assert stats["extracted"] == 0 and stats["cached"] == stats["originals"]


def _datasette_get(db: Path, path: str):
    """GET `path` from Datasette over the archive (immutable, with the project's metadata and
    plugin), through its in-process test client."""
    from datasette.app import Datasette

    from gongkai.archive.metadata import metadata_dict
    from gongkai.archive.serve import register_plugin

    register_plugin()

    async def get():
        ds = Datasette(immutables=[str(db)], metadata=metadata_dict(db))
        await ds.invoke_startup()
        return await ds.client.get(path)

    return asyncio.run(get())


@pytest.mark.parametrize("word", ["征迁", "复议"])
def test_search_finds_the_seed(pipeline, word):
    _, data, records = pipeline
    seed = _seed(records)
    db = build.db_path(data)
    for path in (f"/gongkai/reports.json?_search={word}&_shape=array&_col=sha256&_size=max",
                 f"/gongkai/search.json?q={word}&_shape=array"):
        response = _datasette_get(db, path)
        assert response.status_code == 200, (path, response.text[:500])
        rows = response.json()
        assert seed["sha256"] in {r.get("sha256") or r.get("id") for r in rows}, (path, rows[:3])


def test_the_scanned_report_is_read_by_ocr_and_its_page_marks_those_numbers(pipeline):
    """The sample portal's 图片版 PDF: crawl → OCR → archive, and Datasette's report page says
    which numbers came from OCR."""
    import sqlite3

    site, data, records = pipeline
    [truth] = [t for t in site.truth if t.get("scanned")]
    rec = _index(records)[truth["document_url"]]
    assert rec["cells"] == truth["cells"]
    db = build.db_path(data)
    with sqlite3.connect(db) as conn:
        report_id, ocr_cells = conn.execute("select id, ocr_cells from reports where sha256 = ?",
                                            [rec["sha256"]]).fetchone()
        marked = conn.execute("select count(*) from cells_labelled where report_id = ? and ocr_confidence is not null",
                              [report_id]).fetchone()[0]
        assert ocr_cells == marked == len(truth["cells"])
        assert conn.execute("select count(*) from cells_labelled where ocr_confidence is not null and report_id != ?",
                            [report_id]).fetchone()[0] == 0
    page = _datasette_get(db, f"/-/report/{report_id}")
    assert page.status_code == 200
    assert page.text.count('data-ocr="') == len(truth["cells"])
    assert "图像识别" in page.text
