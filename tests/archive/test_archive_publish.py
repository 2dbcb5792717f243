"""Publishing: dated snapshot, its sha256, CSV exports."""
from __future__ import annotations

import csv
import datetime
import hashlib
import sqlite3

from archive_records import SHA_JIANXI

from gongkai.archive.metadata import missing_descriptions
from gongkai.archive.search import bigram_query
from gongkai.archive.serve import publish


def test_publish_writes_snapshot_digest_and_csvs(archive_db, tmp_path):
    out = tmp_path / "published"
    result = publish(archive_db, out, date=datetime.date(2024, 5, 1))

    snapshot = out / "gongkai-2024-05-01.db"
    assert result["snapshot"] == snapshot and snapshot.exists()
    digest = hashlib.sha256(snapshot.read_bytes()).hexdigest()
    assert result["sha256"] == digest
    assert (out / "gongkai-2024-05-01.db.sha256").read_text() == f"{digest}  gongkai-2024-05-01.db\n"
    assert result["metadata_path"].exists()
    assert missing_descriptions(snapshot) == []
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "gongkai-2024-05-01-cells.csv", "gongkai-2024-05-01-checks.csv",
        "gongkai-2024-05-01-reports.csv", "gongkai-2024-05-01.db",
        "gongkai-2024-05-01.db.sha256", "gongkai-2024-05-01.metadata.json"]

    conn = sqlite3.connect(snapshot)
    try:
        assert conn.execute("select count(*) from reports").fetchone()[0] == 2
        assert conn.execute("pragma journal_mode").fetchone()[0] == "delete"
        # the copy keeps rowids: the search index still lines up with the reports
        hits = conn.execute(
            "select r.id from reports_fts join reports r on r.fts_rowid = reports_fts.rowid "
            "where reports_fts match ?", [bigram_query("征迁")]).fetchall()
        assert hits == [(SHA_JIANXI,)]
    finally:
        conn.close()

    assert result["rows"] == {"reports": 2, "cells": 20, "checks": 3}
    raw = result["csv"]["reports"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")   # BOM: Excel reads the Chinese right
    with open(result["csv"]["reports"], encoding="utf-8-sig", newline="") as f:
        reports = list(csv.DictReader(f))
    assert "text" not in reports[0]
    jianxi = next(r for r in reports if r["id"] == SHA_JIANXI)
    assert (jianxi["issuer"], jianxi["applications_new"], jianxi["fees_amount"]) == (
        "涧西区人民政府", "16", "0.5")
    with open(result["csv"]["cells"], encoding="utf-8-sig", newline="") as f:
        cells = list(csv.DictReader(f))
    new = next(c for c in cells if c["report_id"] == SHA_JIANXI and c["key"] == "t3.new.total")
    assert (new["value"], new["unit"], new["issuer"], new["year"]) == ("16", "件", "涧西区人民政府", "2021")
    blank = next(c for c in cells if c["key"] == "t3.denied_third_party.total")
    assert (blank["value"], blank["raw"]) == ("", "/")


def test_publishing_again_the_same_day_replaces_the_snapshot(archive_db, tmp_path):
    day = datetime.date(2024, 5, 1)
    out = tmp_path / "published"
    first = publish(archive_db, out, date=day)
    second = publish(archive_db, out, date=day)
    assert first["snapshot"] == second["snapshot"]
    assert sorted(p.name for p in out.glob("*.db*")) == ["gongkai-2024-05-01.db", "gongkai-2024-05-01.db.sha256"]
    assert (out / "gongkai-2024-05-01.db.sha256").read_text().split()[0] == second["sha256"]
