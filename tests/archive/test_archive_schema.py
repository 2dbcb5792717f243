"""Schema and migrations."""
from __future__ import annotations

import sqlite_utils

from gongkai.archive.schema import MIGRATIONS_TABLE, PAGE_SIZE, migrate, schema_version

TABLES = {"portals", "documents", "fetches", "cell_keys", "reports", "cells", "checks",
          "failures", "reports_fts", MIGRATIONS_TABLE}


def test_migrate_creates_the_schema_and_is_idempotent(tmp_path):
    db = sqlite_utils.Database(tmp_path / "a.db")
    assert schema_version(db) == 0
    assert migrate(db) == ["0001_initial", "0002_report_facets", "0003_runs", "0004_ocr_cells",
                           "0005_cells_without_labels", "0006_cells_by_report_number",
                           "0007_checks_by_report_number"]
    schema = list(db.query("select type, name, sql from sqlite_master order by name"))
    assert migrate(db) == []
    assert migrate(db) == []
    assert list(db.query("select type, name, sql from sqlite_master order by name")) == schema
    assert schema_version(db) == 7
    assert TABLES <= set(db.table_names())
    assert {"cells_labelled", "report_checks"} <= set(db.view_names())
    assert db[MIGRATIONS_TABLE].count == 7
    assert {"province", "city", "county", "level", "check_status", "ocr_cells"} <= set(
        db["reports"].columns_dict)
    assert {"ocr_confidence", "uncertain"} <= set(db["cells"].columns_dict)


def test_a_new_archive_gets_large_pages_and_an_existing_one_keeps_its_own(tmp_path):
    new = sqlite_utils.Database(tmp_path / "new.db")
    migrate(new)
    assert new.execute("pragma page_size").fetchone()[0] == PAGE_SIZE != 4096
    old = sqlite_utils.Database(tmp_path / "old.db")
    old.execute("pragma page_size = 4096")
    old["kept"].insert({"id": "p"})   # the file exists with 4 KiB pages
    migrate(old)
    assert old.execute("pragma page_size").fetchone()[0] == 4096
    assert old["kept"].count == 1


def _migrated_up_to(db, last: str) -> None:
    from sqlite_utils import Migrations

    from gongkai.archive import schema

    names = [m.name for m in schema.migrations._migrations]
    partial = Migrations("gongkai")
    partial.migrations_table = MIGRATIONS_TABLE
    partial._migrations = schema.migrations._migrations[:names.index(last) + 1]
    partial.apply(db)


def test_migration_0004_adds_the_ocr_columns_to_existing_rows(tmp_path):
    db = sqlite_utils.Database(tmp_path / "a.db")
    _migrated_up_to(db, "0003_runs")
    assert "ocr_confidence" not in db["cells"].columns_dict
    db["documents"].insert({"sha256": "s"})
    db["reports"].insert({"id": "r", "fts_rowid": 1, "sha256": "s"})
    db["cells"].insert({"report_id": "r", "key": "t3.new.total", "value": 16})
    _migrated_up_to(db, "0004_ocr_cells")
    cell = db["cells"].get(("r", "t3.new.total"))
    assert (cell["value"], cell["ocr_confidence"], cell["uncertain"]) == (16, None, 0)
    assert db["reports"].get("r")["ocr_cells"] == 0
    assert (db["cells"].columns_dict["ocr_confidence"], db["cells"].columns_dict["uncertain"],
            db["reports"].columns_dict["ocr_cells"]) == (float, int, int)


def test_migration_0005_keeps_every_cell_and_moves_its_labels_to_the_view(tmp_path):
    db = sqlite_utils.Database(tmp_path / "a.db")
    _migrated_up_to(db, "0004_ocr_cells")
    db["documents"].insert({"sha256": "s"})
    db["reports"].insert({"id": "r", "fts_rowid": 1, "sha256": "s"})
    db["cell_keys"].insert({"key": "t3.new.total", "row_zh": "一、本年新收政府信息公开申请数量",
                            "col_zh": "总计", "unit": "件"})
    db["cells"].insert_all([
        {"report_id": "r", "key": "t3.new.total", "value": 16, "raw": "16",
         "row_zh": "一、本年新收政府信息公开申请数量", "col_zh": "总计", "unit": "件", "ocr_confidence": None, "uncertain": 0},
        {"report_id": "r", "key": "t3.granted.total", "value": None, "raw": "/",
         "ocr_confidence": 0.9, "uncertain": 1, "row_zh": None, "col_zh": None, "unit": None},
    ])
    _migrated_up_to(db, "0005_cells_without_labels")
    assert list(db["cells"].columns_dict) == ["report_id", "key", "value", "raw", "ocr_confidence",
                                              "uncertain"]
    assert "without rowid" in db["cells"].schema.lower()
    assert list(db.query("select * from cells order by key")) == [
        {"report_id": "r", "key": "t3.granted.total", "value": None, "raw": "/",
         "ocr_confidence": 0.9, "uncertain": 1},
        {"report_id": "r", "key": "t3.new.total", "value": 16, "raw": "16",
         "ocr_confidence": None, "uncertain": 0}]
    # the view shows every cell, with the labels of its key where cell_keys has them
    assert sorted((row["key"], row["col_zh"], row["unit"]) for row in db["cells_labelled"].rows) == [
        ("t3.granted.total", None, None), ("t3.new.total", "总计", "件")]
    assert ("cells", ("key", "value")) in {("cells", tuple(i.columns)) for i in db["cells"].indexes}


def test_migration_0006_names_each_cells_report_by_its_number(tmp_path):
    db = sqlite_utils.Database(tmp_path / "a.db")
    _migrated_up_to(db, "0005_cells_without_labels")
    db["documents"].insert({"sha256": "s"})
    db["reports"].insert_all([{"id": "r", "fts_rowid": 7, "sha256": "s"},
                              {"id": "q", "fts_rowid": 3, "sha256": "s"}])
    db["cell_keys"].insert_all([{"key": "t3.new.total", "col_zh": "总计", "unit": "件"},
                                {"key": "t3.granted.total"}])
    db["cells"].insert_all([
        {"report_id": "r", "key": "t3.new.total", "value": 16, "raw": "16", "ocr_confidence": None,
         "uncertain": 0},
        {"report_id": "r", "key": "t3.granted.total", "value": None, "raw": "/",
         "ocr_confidence": 0.9, "uncertain": 1},
        {"report_id": "q", "key": "t3.new.total", "value": 2, "raw": "2", "ocr_confidence": None,
         "uncertain": 0}])
    assert migrate(db)[0] == "0006_cells_by_report_number"
    assert list(db["cells"].columns_dict) == ["report_no", "key", "value", "raw", "ocr_confidence",
                                              "uncertain"]
    assert db["cells"].pks == ["report_no", "key"] and "without rowid" in db["cells"].schema.lower()
    assert list(db.query("select * from cells")) == [   # in primary-key order
        {"report_no": 3, "key": "t3.new.total", "value": 2, "raw": "2", "ocr_confidence": None,
         "uncertain": 0},
        {"report_no": 7, "key": "t3.granted.total", "value": None, "raw": "/",
         "ocr_confidence": 0.9, "uncertain": 1},
        {"report_no": 7, "key": "t3.new.total", "value": 16, "raw": "16", "ocr_confidence": None,
         "uncertain": 0}]
    # the view still names each cell's report by its id, beside the key's labels
    assert sorted((row["report_id"], row["report_no"], row["key"], row["unit"])
                  for row in db["cells_labelled"].rows) == [
        ("q", 3, "t3.new.total", "件"), ("r", 7, "t3.granted.total", None),
        ("r", 7, "t3.new.total", "件")]
    assert ("cells", ("key", "value")) in {("cells", tuple(i.columns)) for i in db["cells"].indexes}
    assert list(db.query("pragma foreign_key_check")) == []


def test_migration_0007_names_each_checks_report_by_its_number(tmp_path):
    db = sqlite_utils.Database(tmp_path / "a.db")
    _migrated_up_to(db, "0006_cells_by_report_number")
    db["documents"].insert({"sha256": "s"})
    db["reports"].insert_all([{"id": "r", "fts_rowid": 7, "sha256": "s"},
                              {"id": "q", "fts_rowid": 3, "sha256": "s"}])
    db["checks"].insert_all([
        {"report_id": "r", "seq": 2, "rule": "t3.results.total", "ok": 0, "expected": 16,
         "found": 17, "detail": "16 != 17", "verdict": "source"},
        {"report_id": "r", "seq": 1, "rule": "t3.balance.total", "ok": 1, "expected": None,
         "found": None, "detail": "20 = 20", "verdict": None},
        {"report_id": "q", "seq": 1, "rule": "t3.balance.total", "ok": None, "expected": None,
         "found": None, "detail": None, "verdict": None}])
    assert migrate(db) == ["0007_checks_by_report_number"]
    assert list(db["checks"].columns_dict) == ["report_no", "seq", "rule", "ok", "expected", "found",
                                               "detail", "verdict"]
    assert db["checks"].pks == ["report_no", "seq"] and "without rowid" in db["checks"].schema.lower()
    assert list(db.query("select report_no, seq, rule, ok, found, verdict from checks")) == [
        {"report_no": 3, "seq": 1, "rule": "t3.balance.total", "ok": None, "found": None,
         "verdict": None},   # in primary-key order
        {"report_no": 7, "seq": 1, "rule": "t3.balance.total", "ok": 1, "found": None, "verdict": None},
        {"report_no": 7, "seq": 2, "rule": "t3.results.total", "ok": 0, "found": 17, "verdict": "source"}]
    # the view still names each check's report by its id
    assert sorted((row["report_id"], row["report_no"], row["seq"], row["detail"])
                  for row in db["report_checks"].rows) == [
        ("q", 3, 1, None), ("r", 7, 1, "20 = 20"), ("r", 7, 2, "16 != 17")]
    assert {("rule", "ok"), ("ok", "verdict")} <= {tuple(i.columns) for i in db["checks"].indexes}
    assert list(db.query("pragma foreign_key_check")) == []


def test_migration_0002_fills_facets_of_existing_reports(tmp_path):
    from sqlite_utils import Migrations

    from gongkai.archive import schema

    db = sqlite_utils.Database(tmp_path / "a.db")
    only_first = Migrations("gongkai")
    only_first.migrations_table = MIGRATIONS_TABLE
    only_first._migrations = [m for m in schema.migrations._migrations if m.name == "0001_initial"]
    only_first.apply(db)
    db["portals"].insert({"id": "p", "province": "河南省", "city": "洛阳市", "level": "county"})
    db["documents"].insert({"sha256": "s"})
    db["reports"].insert({"id": "r", "fts_rowid": 1, "sha256": "s", "portal": "p"})
    db["checks"].insert_all([{"report_id": "r", "seq": 1, "ok": 1},
                             {"report_id": "r", "seq": 2, "ok": 0, "verdict": "source"}])
    assert migrate(db)[0] == "0002_report_facets"
    row = db["reports"].get("r")
    assert (row["province"], row["city"], row["level"], row["check_status"]) == (
        "河南省", "洛阳市", "county", "finding")


def test_foreign_keys_and_indexes_for_joins(tmp_path):
    db = sqlite_utils.Database(tmp_path / "a.db")
    migrate(db)
    fks = {(fk.table, fk.column, fk.other_table, fk.other_column)
           for table in ("fetches", "reports", "cells", "checks", "failures")
           for fk in db[table].foreign_keys}
    assert fks == {
        ("fetches", "sha256", "documents", "sha256"),
        ("fetches", "portal", "portals", "id"),
        ("reports", "sha256", "documents", "sha256"),
        ("reports", "portal", "portals", "id"),
        ("cells", "report_no", "reports", "fts_rowid"),
        ("cells", "key", "cell_keys", "key"),
        ("checks", "report_no", "reports", "fts_rowid"),
        ("failures", "sha256", "documents", "sha256"),
    }
    assert db["cells"].pks == ["report_no", "key"]
    assert db["checks"].pks == ["report_no", "seq"]
    indexed = {(table, tuple(index.columns))
               for table in ("fetches", "reports", "cells", "checks")
               for index in db[table].indexes}
    for expected in [("reports", ("fts_rowid",)), ("reports", ("issuer", "year")),
                     ("reports", ("portal", "year")), ("cells", ("key", "value")),
                     ("checks", ("rule", "ok")), ("fetches", ("sha256",)), ("fetches", ("url",))]:
        assert expected in indexed
    assert any(i.unique and i.columns == ["fts_rowid"] for i in db["reports"].indexes)
