"""The loader: idempotent, one transaction, reports replaced wholesale."""
from __future__ import annotations

import copy
import sqlite3

import pytest
import sqlite_utils
from archive_records import (REPORT_JIANXI, REPORT_MINZHENG, SHA_BROKEN, SHA_JIANXI, SHA_LIST,
                             SHA_MINZHENG)

from gongkai.archive.load import headline_figures, load
from gongkai.archive.search import bigram_query


def snapshot(db_path) -> dict:
    """Every row of every table, the FTS index's own storage included."""
    conn = sqlite3.connect(db_path)
    try:
        tables = [name for (name,) in conn.execute(
            "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' "
            "and name != 'reports_fts' order by name")]
        return {table: sorted(map(repr, _rows(conn, table))) for table in tables}
    finally:
        conn.close()


def _rows(conn, table):
    try:   # rowids too, where the table has them (the FTS5 tables' _idx and _config have not)
        return conn.execute(f"select rowid, * from {table}").fetchall()
    except sqlite3.OperationalError:
        return conn.execute(f"select * from {table}").fetchall()


def cell(db, report_id: str, key: str) -> dict:
    """The ``cells`` row of a report's cell (cells name their report by its number)."""
    [row] = db.query("select cells.* from cells join reports on reports.fts_rowid = cells.report_no "
                     "where reports.id = ? and cells.key = ?", [report_id, key])
    return row


def search(db_path, query) -> list[str]:
    conn = sqlite3.connect(db_path)
    try:
        return sorted(row[0] for row in conn.execute(
            "select r.id from reports_fts join reports r on r.fts_rowid = reports_fts.rowid "
            "where reports_fts match ?", [bigram_query(query)]))
    finally:
        conn.close()


def test_load_writes_every_table(archive_db):
    db = sqlite_utils.Database(archive_db)
    counts = {table: db[table].count for table in
              ("portals", "documents", "fetches", "reports", "cells", "checks", "failures")}
    assert counts == {"portals": 2, "documents": 4, "fetches": 6, "reports": 2, "cells": 20,
                      "checks": 3, "failures": 1}
    assert db["cell_keys"].count == 226
    assert list(db.query("pragma foreign_key_check")) == []


def test_load_is_idempotent(archive_db, load_args):
    before = snapshot(archive_db)
    stats = load(archive_db, **copy.deepcopy(load_args))
    assert (stats["reports"], stats["reports_unchanged"], stats["reports_indexed"]) == (0, 2, 0)
    assert snapshot(archive_db) == before


def test_a_new_loader_version_rewrites_every_report(archive_db, load_args, monkeypatch):
    from gongkai.archive import load as load_module

    before = snapshot(archive_db)
    monkeypatch.setattr(load_module, "LOADER_VERSION", "test")
    stats = load(archive_db, **copy.deepcopy(load_args))
    assert (stats["reports"], stats["reports_unchanged"], stats["cells"]) == (2, 0, 20)
    after = snapshot(archive_db)
    assert after["cells"] == before["cells"] and after["reports_fts_data"] == before["reports_fts_data"]
    assert after["reports"] != before["reports"]   # the digests


def test_a_changed_cell_label_reaches_the_labelled_cells(archive_db, load_args):
    labels = copy.deepcopy(load_args["cell_labels"])
    label = next(label for label in labels if label["key"] == "t3.new.total")
    label["col_zh"] = "合计"
    load(archive_db, reports=[], fetches=[], cell_labels=labels)
    db = sqlite_utils.Database(archive_db)
    assert db["cell_keys"].get("t3.new.total")["col_zh"] == "合计"
    assert {c["col_zh"] for c in db["cells_labelled"].rows_where("key = 't3.new.total'")} == {"合计"}
    assert {c["col_zh"] for c in db["cells_labelled"].rows_where(
        "report_id = ? and key = 't3.granted.total'", [SHA_JIANXI])} == {"总计"}


def test_loading_in_parts_gives_the_same_database(tmp_path, load_args, archive_db):
    parts = tmp_path / "parts" / "gongkai.db"
    parts.parent.mkdir()
    first, second = copy.deepcopy(load_args), copy.deepcopy(load_args)
    first.update(reports=first["reports"][:1], fetches=first["fetches"][:3], failures=[])
    second.update(reports=second["reports"][1:], fetches=second["fetches"][3:])
    load(parts, **first)
    load(parts, **second)
    before, after = snapshot(archive_db), snapshot(parts)
    for table in before:
        if table not in ("schema_migrations", "reports_fts_data", "reports_fts_idx"):
            assert after[table] == before[table], table


def test_report_row(archive_db):
    db = sqlite_utils.Database(archive_db)
    row = db["reports"].get(SHA_JIANXI)
    assert row["sha256"] == SHA_JIANXI and row["portal"] == "sample-jianxi"
    assert (row["year"], row["issuer"], row["template"], row["format"]) == (
        2021, "涧西区人民政府", "2021", "pdf")
    assert (row["n_cells"], row["checks_total"], row["checks_failed"], row["finding"]) == (16, 2, 1, 1)
    assert db["reports"].get(SHA_MINZHENG)["finding"] == 0
    assert row["text"] == REPORT_JIANXI["text"]


def test_headline_figures():
    figures = headline_figures(REPORT_JIANXI["cells"])
    assert figures == {
        "applications_new": 16, "carried_over": 0, "granted": 9, "partial": 2,
        "denied": 2,           # 1 + blank + 1
        "unable": 3, "rejected": 0,
        "other_handled": None,  # only a blank cell
        "total_handled": 16, "carried_forward": 0, "review_total": 1,
        "suits_total": 1,       # 1 + 0
        "fees_amount": 0.5,
    }


def test_cells_keep_raw_text_and_blanks_and_the_view_adds_their_labels(archive_db):
    db = sqlite_utils.Database(archive_db)
    blank = cell(db, SHA_JIANXI, "t3.denied_third_party.total")
    assert blank["value"] is None and blank["raw"] == "/"
    fees = cell(db, SHA_JIANXI, "t2.fees.amount")
    assert fees["value"] == 0.5 and fees["raw"] == "0.5万元"
    assert "unit" not in fees and "row_zh" not in fees   # labels live in cell_keys, once
    labelled = {(row["report_id"], row["key"]): row for row in db["cells_labelled"].rows}
    assert len(labelled) == db["cells"].count
    fees = labelled[SHA_JIANXI, "t2.fees.amount"]
    assert (fees["value"], fees["unit"], fees["row_zh"]) == (0.5, "万元", "行政事业性收费")
    new = labelled[SHA_JIANXI, "t3.new.total"]
    assert (new["table_zh"], new["row_zh"], new["col_zh"]) == (
        "三、收到和处理政府信息公开申请情况", "一、本年新收政府信息公开申请数量", "总计")
    key = db["cell_keys"].get("t3.new.total")
    assert (key["row_en"], key["col_en"], key["templates"], key["position"]) == (
        "new applications this year", "total", "2019 2021", 36)


def test_unknown_cell_key_gets_an_unlabelled_key_row(tmp_path):
    record = copy.deepcopy(REPORT_MINZHENG)
    record["cells"] = {"t9.unheard.of": 1}
    load(tmp_path / "g.db", reports=[record], fetches=[])
    db = sqlite_utils.Database(tmp_path / "g.db")
    assert db["cell_keys"].get("t9.unheard.of")["row_zh"] is None
    assert list(db.query("pragma foreign_key_check")) == []


def test_checks(archive_db):
    db = sqlite_utils.Database(archive_db)
    checks = list(db.query("select * from report_checks where report_id = ? order by seq", [SHA_JIANXI]))
    assert [(c["rule"], c["ok"], c["verdict"]) for c in checks] == [
        ("t3.balance.total", 1, None), ("t3.results.total", 0, "source")]
    assert (checks[1]["expected"], checks[1]["found"]) == (16, 17)


def test_documents_and_fetches(archive_db):
    db = sqlite_utils.Database(archive_db)
    document = db["documents"].get(SHA_JIANXI)
    # described by its earliest fetch, although fetched again later under another name
    assert document["first_seen"] == "2024-03-02T10:00:00Z"
    assert (document["filename"], document["size"]) == ("P020220301.pdf", 81234)
    assert db["documents"].get(SHA_LIST)["content_type"] == "text/html"
    # a report with no fetch in the log still has its document
    assert db["documents"].get(SHA_MINZHENG)["first_seen"] == REPORT_MINZHENG["fetched_at"]
    detail = next(db.query("select * from fetches where role = 'detail'"))
    assert detail["is_report"] == 1 and detail["sha256"] is None
    assert detail["attachments"] == f'["{REPORT_JIANXI["source_url"]}"]'
    gone = next(db.query("select * from fetches where outcome = 'gone'"))
    assert (gone["status"], gone["error"]) == (404, "HTTP 404")


def test_portals_from_config_and_from_reports(archive_db):
    db = sqlite_utils.Database(archive_db)
    jianxi = db["portals"].get("sample-jianxi")
    assert (jianxi["level"], jianxi["province"], jianxi["county"], jianxi["platform"]) == (
        "county", "河南省", "涧西区", "trs")
    assert jianxi["start_urls"] == '["http://127.0.0.1:8765/zwgk/ndbg/index.html"]'
    # named only by a report: a row from what the report says
    minzheng = db["portals"].get("luoyang-minzheng")
    assert (minzheng["name"], minzheng["level"], minzheng["city"]) == (
        "洛阳市民政局", "department", "洛阳市")


def test_reextracted_report_replaces_the_old_one(archive_db, load_args):
    record = copy.deepcopy(REPORT_JIANXI)
    record["text"] = "本年度围绕低保审核开展工作。"
    record["cells"] = {"t3.new.total": 20}
    record["raw_cells"] = {}
    record["checks"] = [{"rule": "t3.balance.total", "ok": True, "detail": "20 = 20"}]
    fts_rowid = sqlite_utils.Database(archive_db)["reports"].get(SHA_JIANXI)["fts_rowid"]

    stats = load(archive_db, reports=[record], fetches=[])

    assert stats["reports_indexed"] == 1
    db = sqlite_utils.Database(archive_db)
    row = db["reports"].get(SHA_JIANXI)
    assert (row["applications_new"], row["granted"], row["finding"]) == (20, None, 0)
    assert row["fts_rowid"] == fts_rowid
    assert [c["key"] for c in db["cells_labelled"].rows_where("report_id = ?", [SHA_JIANXI])] == ["t3.new.total"]
    assert db["report_checks"].count_where("report_id = ?", [SHA_JIANXI]) == 1
    assert db["checks"].count == 1 + db["report_checks"].count_where("report_id != ?", [SHA_JIANXI])
    assert search(archive_db, "征迁") == []
    assert search(archive_db, "低保") == sorted([SHA_JIANXI, SHA_MINZHENG])
    assert search(archive_db, "涧西区") == [SHA_JIANXI]   # title still indexed
    assert sqlite_utils.Database(archive_db)["reports"].count == 2


def test_failure_deletes_the_report_and_a_report_clears_the_failure(archive_db):
    failure = {"sha256": SHA_JIANXI, "source_url": REPORT_JIANXI["source_url"],
               "kind": "unreadable", "reason": "PDF damaged", "at": "2024-05-01T00:00:00Z"}
    stats = load(archive_db, reports=[], fetches=[], failures=[failure])
    db = sqlite_utils.Database(archive_db)
    assert stats["reports_deleted"] == 1
    assert db["reports"].count == 1 and db["failures"].count == 2
    assert db["cells_labelled"].count_where("report_id = ?", [SHA_JIANXI]) == 0
    assert search(archive_db, "征迁") == []

    load(archive_db, reports=[copy.deepcopy(REPORT_JIANXI)], fetches=[])
    db = sqlite_utils.Database(archive_db)
    assert db["reports"].count == 2
    assert [f["sha256"] for f in db["failures"].rows] == [SHA_BROKEN]
    assert search(archive_db, "征迁") == [SHA_JIANXI]


def test_report_wins_over_a_failure_in_the_same_load(tmp_path):
    failure = {"sha256": SHA_MINZHENG, "reason": "old failure"}
    load(tmp_path / "g.db", reports=[copy.deepcopy(REPORT_MINZHENG)], fetches=[], failures=[failure])
    db = sqlite_utils.Database(tmp_path / "g.db")
    assert db["reports"].count == 1 and db["failures"].count == 0


def test_a_failed_load_writes_nothing(archive_db, load_args):
    before = snapshot(archive_db)
    broken = copy.deepcopy(REPORT_MINZHENG)
    broken["sha256"] = None
    with pytest.raises(ValueError, match="sha256"):
        load(archive_db, reports=[copy.deepcopy(REPORT_JIANXI), broken], fetches=[])
    bad_fetch = {"url": None, "fetched_at": "2024-06-01T00:00:00Z"}   # url is NOT NULL
    new_report = copy.deepcopy(REPORT_MINZHENG)
    new_report["sha256"] = "f" * 64
    with pytest.raises(sqlite3.IntegrityError):
        load(archive_db, reports=[new_report], fetches=[bad_fetch])
    assert snapshot(archive_db) == before


def test_duplicates_within_one_load_are_one_row(tmp_path, load_args):
    args = copy.deepcopy(load_args)
    args["fetches"] += copy.deepcopy(args["fetches"])
    args["portals"] += copy.deepcopy(args["portals"])
    args["reports"] += copy.deepcopy(args["reports"][:1])
    stats = load(tmp_path / "g.db", **args)
    db = sqlite_utils.Database(tmp_path / "g.db")
    assert (db["fetches"].count, db["portals"].count, db["reports"].count) == (6, 2, 2)
    assert stats["fetches"] == 6 and stats["reports"] == 2 and stats["reports_unchanged"] == 0


def _ocr_columns(db_path) -> tuple[dict, dict, int]:
    db = sqlite_utils.Database(db_path)
    cells = {row["key"]: (row["ocr_confidence"], row["uncertain"])
             for row in db["cells_labelled"].rows_where("report_id = ?", [SHA_JIANXI])}
    read_by_ocr = {key: confidence for key, (confidence, _) in cells.items()
                   if confidence is not None}
    doubted = {key for key, (_, uncertain) in cells.items() if uncertain}
    return read_by_ocr, doubted, db["reports"].get(SHA_JIANXI)["ocr_cells"]


def test_ocr_confidences_and_doubts_reach_the_cells(tmp_path, load_args):
    from archive_records import REPORT_JIANXI_OCR

    db_path = tmp_path / "gongkai.db"
    load_args["reports"] = [copy.deepcopy(REPORT_JIANXI_OCR), copy.deepcopy(REPORT_MINZHENG)]
    load(db_path, **load_args)
    read_by_ocr, doubted, ocr_cells = _ocr_columns(db_path)
    assert read_by_ocr == REPORT_JIANXI_OCR["ocr"]     # the blank (/) cell read by OCR too
    assert doubted == {"t3.denied_process.total"}
    assert ocr_cells == 4
    db = sqlite_utils.Database(db_path)
    # a report without ocr/uncertain: NULL confidences, no doubts, no OCR cells
    assert {(row["ocr_confidence"], row["uncertain"])
            for row in db["cells_labelled"].rows_where("report_id = ?", [SHA_MINZHENG])} == {(None, 0)}
    assert db["reports"].get(SHA_MINZHENG)["ocr_cells"] == 0
    # values are never changed by OCR marks
    assert cell(db, SHA_JIANXI, "t3.denied_process.total")["value"] == 1
    assert list(db.query("pragma foreign_key_check")) == []


def test_ocr_marks_follow_a_reextracted_record(tmp_path, load_args):
    from archive_records import REPORT_JIANXI_OCR

    db_path = tmp_path / "gongkai.db"
    load_args["reports"] = [copy.deepcopy(REPORT_JIANXI_OCR)]
    load(db_path, **load_args)
    reread = copy.deepcopy(REPORT_JIANXI_OCR)
    reread.update(ocr={"t3.new.total": 0.99}, uncertain=[])
    load(db_path, **{**load_args, "reports": [reread]})
    assert _ocr_columns(db_path) == ({"t3.new.total": 0.99}, set(), 1)
    load(db_path, **{**load_args, "reports": [copy.deepcopy(REPORT_JIANXI)]})   # read from text
    assert _ocr_columns(db_path) == ({}, set(), 0)


def test_reports_loaded_before_the_ocr_columns_are_rewritten(tmp_path, load_args, monkeypatch):
    """A record with ``ocr`` loaded before migration 0004 kept its digest: the loader version
    makes the next load rewrite it, so its cells get their OCR marks."""
    from archive_records import REPORT_JIANXI_OCR

    from gongkai.archive import load as load_module

    db_path = tmp_path / "gongkai.db"
    load_args["reports"] = [copy.deepcopy(REPORT_JIANXI_OCR)]
    load(db_path, **load_args)
    # as the loader of version 1 left it: no OCR marks, the digest of version 1
    with monkeypatch.context() as patch:
        patch.setattr(load_module, "LOADER_VERSION", "1")
        old_digest = load_module.record_digest(REPORT_JIANXI_OCR)
    db = sqlite_utils.Database(db_path)
    db.execute("update cells set ocr_confidence = null, uncertain = 0")
    db.execute("update reports set ocr_cells = 0, record_digest = ?", [old_digest])
    db.conn.commit()
    db.close()
    assert load_module.LOADER_VERSION != "1"
    stats = load(db_path, **copy.deepcopy(load_args))
    assert (stats["reports"], stats["reports_unchanged"]) == (1, 0)
    assert _ocr_columns(db_path) == (REPORT_JIANXI_OCR["ocr"], {"t3.denied_process.total"}, 4)
    stats = load(db_path, **copy.deepcopy(load_args))
    assert (stats["reports"], stats["reports_unchanged"]) == (0, 1)


def test_cell_rows_without_ocr():
    from gongkai.archive.load import cell_rows, report_row

    rows = cell_rows(REPORT_MINZHENG, 7)
    assert {row["report_no"] for row in rows} == {7}
    assert rows and all((row["ocr_confidence"], row["uncertain"]) == (None, 0) for row in rows)
    assert report_row(REPORT_MINZHENG)["ocr_cells"] == 0
    odd = {**REPORT_MINZHENG, "ocr": {"t3.new.total": "high", "t3.granted.total": True,
                                      "t3.total.total": 1}}
    assert [row["ocr_confidence"] for row in cell_rows(odd, 7)] == [None, None, 1.0, None]
    assert report_row(odd)["ocr_cells"] == 1


def test_loading_in_batches_writes_what_one_batch_writes(tmp_path, load_args, monkeypatch):
    """Records are loaded in batches of LOAD_BATCH (memory bound): one report per batch, from a
    generator, gives the same archive as all reports in one batch."""
    import gongkai.archive.load as loader

    one = tmp_path / "one.db"
    load(one, **copy.deepcopy(load_args))
    monkeypatch.setattr(loader, "LOAD_BATCH", 1)
    batched = tmp_path / "batched.db"
    args = copy.deepcopy(load_args)
    stats = load(batched, **{**args, "reports": (r for r in args["reports"])})
    assert stats["reports"] == len(load_args["reports"]) > 1

    def rows(db):   # FTS segments differ by batching (one per insert); what they find must not
        return {t: r for t, r in snapshot(db).items() if not t.startswith(("reports_fts", "schema_migrations"))}

    assert rows(batched) == rows(one)
    for query in ("征迁", "复议", "信息公开"):
        assert search(batched, query) == search(one, query)


def test_a_bulk_load_writes_what_an_incremental_load_writes(tmp_path, load_args, monkeypatch):
    """A load at least as large as the archive drops the cells/checks indexes and builds them
    again at the end: same rows, same indexes, same search."""
    import gongkai.archive.load as loader

    incremental = tmp_path / "incremental.db"
    stats = load(incremental, **copy.deepcopy(load_args))
    assert stats["bulk"] == 0
    monkeypatch.setattr(loader, "BULK_MIN", 1)
    bulk = tmp_path / "bulk.db"
    stats = load(bulk, **copy.deepcopy(load_args), expected=len(load_args["reports"]))
    assert stats["bulk"] == 1

    def schema(db):
        conn = sqlite3.connect(db)
        try:
            return sorted(conn.execute("select type, name, sql from sqlite_master where name not like 'reports_fts%'"))
        finally:
            conn.close()

    def rows(db):
        return {t: r for t, r in snapshot(db).items() if not t.startswith(("reports_fts", "schema_migrations"))}

    assert schema(bulk) == schema(incremental) and rows(bulk) == rows(incremental)
    for query in ("征迁", "复议", "信息公开"):
        assert search(bulk, query) == search(incremental, query)
    conn = sqlite3.connect(bulk)
    try:   # the search index is back to merging as it grows, with FTS5's default buffer
        assert conn.execute("select v from reports_fts_config where k = 'automerge'").fetchone() == (4,)
        assert conn.execute("select v from reports_fts_config where k = 'hashsize'").fetchone() == (1024 * 1024,)
    finally:
        conn.close()
    # loading the same reports again (a rebuild with nothing new) is not a bulk load: the
    # indexes of a large archive are not rebuilt for nothing
    stats = load(bulk, **copy.deepcopy(load_args), expected=len(load_args["reports"]))
    assert stats["bulk"] == 0 and stats["reports_unchanged"] == len(load_args["reports"])


def test_a_bulk_load_that_would_break_a_foreign_key_writes_nothing(tmp_path, load_args, monkeypatch):
    """A bulk load checks foreign keys once at the end, not per row: a row referencing a missing
    row (here a cell whose key never reached cell_keys) fails the whole load, and the archive is
    as it was."""
    import gongkai.archive.load as loader

    monkeypatch.setattr(loader, "BULK_MIN", 1)
    args = copy.deepcopy(load_args)
    args["reports"][0]["cells"]["t9.not_a_key"] = 1
    monkeypatch.setattr(loader, "_add_cell_keys", lambda db, keys: None)
    db = tmp_path / "bulk.db"
    with pytest.raises(ValueError, match="referencing missing rows"):
        load(db, **args, expected=len(args["reports"]))
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("select count(*) from reports").fetchone() == (0,)
        assert conn.execute("select count(*) from cells").fetchone() == (0,)
    finally:
        conn.close()


def _search_index_segments(db_path) -> int:
    """How many segments the FTS5 search index holds (from its structure record: a 4-byte
    cookie, then varints nLevel, nSegment)."""
    conn = sqlite3.connect(db_path)
    try:
        (structure,) = conn.execute("select block from reports_fts_data where id = 10").fetchone()
    finally:
        conn.close()
    position, values = 4, []
    for _ in range(2):
        value = 0
        while True:
            byte = structure[position]
            position += 1
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
        values.append(value)
    return values[1]


def test_a_load_in_several_batches_writes_the_search_index_once_not_once_per_batch(
        tmp_path, load_args, monkeypatch):
    """FTS5 flushes its buffered entries as a new segment at every SAVEPOINT: the load writes
    without savepoints, so a load of many batches adds one segment (at the commit), not one per
    batch of reports for the archive to merge again and again."""
    import gongkai.archive.load as loader

    monkeypatch.setattr(loader, "LOAD_BATCH", 1)
    db = tmp_path / "gongkai.db"
    stats = load(db, **load_args)
    assert stats["reports_indexed"] == 2 and stats["bulk"] == 0
    assert _search_index_segments(db) == 1


def test_a_bulk_load_leaves_its_search_index_segments_for_automerge_instead_of_rewriting_the_index(
        tmp_path, load_args, monkeypatch):
    """A bulk load whose search entries overflow its buffer writes one segment per buffer and
    leaves them (no 'optimize' rewriting the whole index at the end): FTS5's automerge, back
    on after the load, merges them as later loads write. What a search finds is the same."""
    import gongkai.archive.load as loader

    monkeypatch.setattr(loader, "BULK_MIN", 1)
    monkeypatch.setattr(loader, "BULK_FTS_HASH_BYTES", 1024)   # every report overflows it
    bulk = tmp_path / "bulk.db"
    stats = load(bulk, **copy.deepcopy(load_args), expected=len(load_args["reports"]))
    assert stats["bulk"] == 1
    assert _search_index_segments(bulk) == len(load_args["reports"]) > 1
    incremental = tmp_path / "incremental.db"
    load(incremental, **copy.deepcopy(load_args))
    assert _search_index_segments(incremental) == 1
    for query in ("征迁", "复议", "信息公开"):
        assert search(bulk, query) == search(incremental, query)
