"""Every published table and column is described in Chinese and English."""
from __future__ import annotations

import json

import sqlite_utils

from gongkai.archive.metadata import QUERIES, metadata_dict, missing_descriptions


def test_every_table_and_column_is_described(archive_db):
    assert missing_descriptions(archive_db) == []


def test_the_ocr_columns_are_described(archive_db):
    tables = metadata_dict(archive_db)["databases"]["gongkai"]["tables"]
    cells, reports = tables["cells"]["columns"], tables["reports"]["columns"]
    assert cells["ocr_confidence"].startswith("OCR 置信度 / OCR confidence")
    assert cells["uncertain"].startswith("读数存疑 / reading in doubt")
    assert reports["ocr_cells"].startswith("OCR 单元格数 / cells read by OCR")


def test_an_undescribed_column_is_reported(archive_db):
    sqlite_utils.Database(archive_db)["reports"].add_column("mystery_figure", int)
    assert missing_descriptions(archive_db) == ["reports.mystery_figure"]


def test_an_undescribed_table_is_reported(archive_db):
    sqlite_utils.Database(archive_db)["scratch"].insert({"note": "x"})
    assert missing_descriptions(archive_db) == ["scratch", "scratch.note"]


def test_metadata(archive_db):
    metadata = metadata_dict(archive_db, source_url="https://example.org/gongkai")
    assert metadata["license"] and metadata["license_url"] and metadata["source"]
    assert metadata["source_url"] == "https://example.org/gongkai"
    database = metadata["databases"]["gongkai"]
    reports = database["tables"]["reports"]
    assert (reports["fts_table"], reports["fts_pk"]) == ("reports_fts", "fts_rowid")
    assert reports["title"] == "年度报告 / annual reports"
    assert reports["columns"]["applications_new"].startswith("本年新收申请数 / new applications")
    assert "（单位 unit: 件）" in reports["columns"]["applications_new"]
    assert "万元" in reports["columns"]["fees_amount"]
    # units live in descriptions only: Datasette's units key rejects 万元 (HTTP 500)
    assert all("units" not in table for table in database["tables"].values())
    assert set(database["queries"]) == set(QUERIES) == {
        "search", "arithmetic_findings", "carry_over_mismatch", "most_applications",
        "share_refused", "corrected_lawsuits", "by_year"}
    assert reports["facets"] == ["province", "city", "level", "year", "template", "format",
                                 "check_status"]
    assert "plugins" not in metadata
    assert "bm25(reports_fts)" in QUERIES["search"]["sql"]
    # FTS5 shadow tables are SQLite's business, not described
    assert not any(name.startswith("reports_fts_") for name in database["tables"])
    json.dumps(metadata)


def test_raw_dir_goes_to_the_plugin_config(archive_db, tmp_path):
    metadata = metadata_dict(archive_db, raw_dir=tmp_path)
    assert metadata["plugins"] == {"gongkai": {"raw_dir": str(tmp_path.resolve())}}
