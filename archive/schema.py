"""The archive database schema, changed only through migrations.

``migrate(db)`` applies the pending migrations in order (sqlite-utils ``Migrations``, applied
names recorded in ``schema_migrations``); it is idempotent. A migration is frozen once
released: change the schema by adding a migration ``NNNN_name``, never by editing one, and
describe every new table and column in ``metadata.py`` (a test fails otherwise).

Tables (see ``metadata.py`` for every column's description):

- ``portals``     one row per portal of the YAML config
- ``documents``   one row per archived original (``sha256`` of its bytes)
- ``fetches``     the crawler's fetch log, one row per fetch
- ``cell_keys``   the canonical cell keys of the official table formats, zh/en labels
- ``reports``     one row per extracted report, headline figures, facets (region, level,
                  check status; ``0002``), how many cells came from OCR (``0004``), the text
- ``cells``       one row per report and statistical cell; which were read by OCR, their
                  confidence, and which the arithmetic doubts (``0004``); keyed by
                  (report_no, key) without a rowid (``0006``: ``report_no`` is the report's
                  ``fts_rowid``), labels in ``cell_keys`` (``0005``)
- ``cells_labelled`` (view) ``cells`` with their report's id and their key's labels from
                  ``cell_keys`` (``0005``, ``0006``)
- ``checks``      one row per report and arithmetic check, keyed by (report_no, seq) without
                  a rowid (``0007``)
- ``report_checks`` (view) ``checks`` with their report's id (``0007``)
- ``failures``    originals that could not be extracted
- ``reports_fts`` the contentless bigram full-text index of ``reports`` (``search.py``)
- ``runs``        one row per incremental archive load (``0003``): what changed, failed checks,
                  blocked portals, and how far the fetch log has been loaded
"""
from __future__ import annotations

import re

from sqlite_utils import Database, Migrations

from . import search

MIGRATIONS_TABLE = "schema_migrations"

migrations = Migrations("gongkai")
migrations.migrations_table = MIGRATIONS_TABLE


@migrations(name="0001_initial")
def _initial(db: Database) -> None:
    db.table("portals").create(
        {
            "id": str,
            "name": str,
            "level": str,
            "province": str,
            "city": str,
            "county": str,
            "platform": str,
            "start_urls": str,
        },
        pk="id",
    )
    db.table("documents").create(
        {
            "sha256": str,
            "size": int,
            "content_type": str,
            "filename": str,
            "first_seen": str,
        },
        pk="sha256",
    )
    db.table("fetches").create(
        {
            "id": str,
            "url": str,
            "requested_url": str,
            "fetched_at": str,
            "status": int,
            "outcome": str,
            "sha256": str,
            "size": int,
            "content_type": str,
            "filename": str,
            "referer": str,
            "portal": str,
            "role": str,
            "link_text": str,
            "title": str,
            "is_report": int,
            "attachments": str,
            "headers": str,
            "error": str,
        },
        pk="id",
        foreign_keys=[("sha256", "documents", "sha256"), ("portal", "portals", "id")],
        not_null=["url"],
    )
    db.table("cell_keys").create(
        {
            "key": str,
            "position": int,
            "templates": str,
            "table_zh": str,
            "row_zh": str,
            "col_zh": str,
            "unit": str,
            "row_en": str,
            "col_en": str,
        },
        pk="key",
    )
    db.table("reports").create(
        {
            "id": str,
            "fts_rowid": int,
            "sha256": str,
            "source_url": str,
            "page_url": str,
            "fetched_at": str,
            "portal": str,
            "title": str,
            "year": int,
            "issuer": str,
            "template": str,
            "format": str,
            "n_cells": int,
            "checks_total": int,
            "checks_failed": int,
            "finding": int,
            "applications_new": int,
            "carried_over": int,
            "granted": int,
            "partial": int,
            "denied": int,
            "unable": int,
            "rejected": int,
            "other_handled": int,
            "total_handled": int,
            "carried_forward": int,
            "review_total": int,
            "suits_total": int,
            "fees_amount": float,
            "record_digest": str,
            "notes": str,
            "text": str,
        },
        pk="id",
        foreign_keys=[("sha256", "documents", "sha256"), ("portal", "portals", "id")],
        not_null=["fts_rowid", "sha256"],
    )
    db.table("cells").create(
        {
            "report_id": str,
            "key": str,
            "value": float,
            "raw": str,
            "table_zh": str,
            "row_zh": str,
            "col_zh": str,
            "unit": str,
        },
        pk=("report_id", "key"),
        foreign_keys=[("report_id", "reports", "id"), ("key", "cell_keys", "key")],
    )
    db.table("checks").create(
        {
            "report_id": str,
            "seq": int,
            "rule": str,
            "ok": int,
            "expected": float,
            "found": float,
            "detail": str,
            "verdict": str,
        },
        pk=("report_id", "seq"),
        foreign_keys=[("report_id", "reports", "id")],
    )
    db.table("failures").create(
        {
            "sha256": str,
            "source_url": str,
            "kind": str,
            "reason": str,
            "at": str,
        },
        pk="sha256",
        foreign_keys=[("sha256", "documents", "sha256")],
    )

    db.table("fetches").create_index(["url"])
    db.table("fetches").create_index(["sha256"])
    db.table("fetches").create_index(["portal", "fetched_at"])
    db.table("fetches").create_index(["fetched_at"])
    db.table("reports").create_index(["fts_rowid"], unique=True)
    db.table("reports").create_index(["sha256"])
    db.table("reports").create_index(["portal", "year"])
    db.table("reports").create_index(["year"])
    db.table("reports").create_index(["issuer", "year"])
    db.table("reports").create_index(["template"])
    db.table("reports").create_index(["finding"])
    db.table("cells").create_index(["key", "value"])
    db.table("checks").create_index(["rule", "ok"])
    db.table("checks").create_index(["ok", "verdict"])
    db.table("failures").create_index(["at"])

    db.execute(
        f"create virtual table {search.FTS_TABLE} using fts5"
        "(title, text, content='', tokenize='unicode61')"
    )


#: ``reports.check_status`` from a report's checks: the facet that tells findings from misreads.
CHECK_STATUS_SQL = """case
    when not exists (select 1 from checks c where c.report_id = reports.id and c.ok is not null)
        then 'unchecked'
    when exists (select 1 from checks c where c.report_id = reports.id and c.ok = 0
                 and c.verdict = 'source') then 'finding'
    when exists (select 1 from checks c where c.report_id = reports.id and c.ok = 0)
        then 'failed'
    else 'passed' end"""

#: Fill a report's region and level from its portal where the record did not give them.
REGION_FROM_PORTALS_SQL = """update reports set
    province = coalesce(reports.province, portals.province),
    city = coalesce(reports.city, portals.city),
    county = coalesce(reports.county, portals.county),
    level = coalesce(reports.level, portals.level)
from portals
where portals.id = reports.portal
  and (reports.province is null or reports.city is null or reports.county is null
       or reports.level is null)"""


@migrations(name="0002_report_facets")
def _report_facets(db: Database) -> None:
    """Facet columns on ``reports``: region and level (from the record, else its portal) and
    ``check_status`` (passed / finding / failed / unchecked)."""
    reports = db.table("reports")
    for column in ("province", "city", "county", "level", "check_status"):
        reports.add_column(column, str)
    db.execute(REGION_FROM_PORTALS_SQL)
    db.execute(f"update reports set check_status = {CHECK_STATUS_SQL}")
    for columns in (["province", "city"], ["city"], ["level"], ["check_status"], ["format"]):
        reports.create_index(columns)


@migrations(name="0003_runs")
def _runs(db: Database) -> None:
    """``runs``: the summary of every incremental load of the archive (written by
    ``load.record_run``), and the watermarks the next load starts from."""
    db.table("runs").create(
        {
            "run_id": str,
            "started_at": str,
            "finished_at": str,
            "trigger": str,
            "portals": str,
            "pages_fetched": int,
            "reports_total": int,
            "reports_new": int,
            "reports_changed": int,
            "reports_gone": int,
            "pages_failed": int,
            "documents_pending": int,
            "fetches_loaded": int,
            "fetch_log_lines": int,
            "crawl_runs_seen": int,
            "failed_checks": str,
            "blocked_portals": str,
            "per_portal": str,
            "summary": str,
        },
        pk="run_id",
    )
    db.table("runs").create_index(["finished_at"])


@migrations(name="0004_ocr_cells")
def _ocr_cells(db: Database) -> None:
    """Cells read by OCR from scanned pages: ``cells.ocr_confidence`` (0..1, NULL when the cell
    was not read by OCR), ``cells.uncertain`` (1 when the arithmetic doubts the reading, else
    0) and ``reports.ocr_cells`` (how many of the report's cells came from OCR). Rows loaded
    before get 0 / NULL; ``load.LOADER_VERSION`` 2 rewrites them from their records."""
    db.table("cells").add_column("ocr_confidence", float)
    db.table("cells").add_column("uncertain", int, not_null_default=0)
    db.table("reports").add_column("ocr_cells", int, not_null_default=0)


@migrations(name="0005_cells_without_labels")
def _cells_without_labels(db: Database) -> None:
    """``cells`` keyed by (report_id, key) WITHOUT ROWID, its labels left in ``cell_keys``.

    Before, every cell row repeated its key's four labels (about half its bytes) and a rowid
    table kept a second B-tree for the (report_id, key) primary key: together about 70 % of
    the database. The labels are one join away; the view ``cells_labelled`` shows cells with
    them, as the table did."""
    db.execute("""create table cells_0005 (
        report_id TEXT NOT NULL REFERENCES reports(id),
        key TEXT NOT NULL REFERENCES cell_keys(key),
        value FLOAT,
        raw TEXT,
        ocr_confidence FLOAT,
        uncertain INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (report_id, key)
    ) WITHOUT ROWID""")
    db.execute("""insert into cells_0005 (report_id, key, value, raw, ocr_confidence, uncertain)
        select report_id, key, value, raw, ocr_confidence, uncertain from cells
        order by report_id, key""")
    db.execute("drop table cells")
    db.execute("alter table cells_0005 rename to cells")
    db.table("cells").create_index(["key", "value"])
    db.execute("""create view cells_labelled as
        select cells.report_id, cells.key, cell_keys.table_zh, cell_keys.row_zh, cell_keys.col_zh,
               cell_keys.unit, cells.value, cells.raw, cells.ocr_confidence, cells.uncertain
        from cells left join cell_keys on cell_keys.key = cells.key""")


@migrations(name="0006_cells_by_report_number")
def _cells_by_report_number(db: Database) -> None:
    """``cells`` name their report by its number, ``report_no`` (``reports.fts_rowid``: an
    integer given once, when the report is first loaded, and kept), instead of its 64-character
    ``report_id``; the view ``cells_labelled`` still shows the ``report_id``.

    The id was repeated in every cell row and every entry of the (key, value) index: about half
    of their bytes, which a bulk load writes and then sorts (docs/scale.md)."""
    db.execute("drop view cells_labelled")
    db.execute("""create table cells_0006 (
        report_no INTEGER NOT NULL REFERENCES reports(fts_rowid),
        key TEXT NOT NULL REFERENCES cell_keys(key),
        value FLOAT,
        raw TEXT,
        ocr_confidence FLOAT,
        uncertain INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (report_no, key)
    ) WITHOUT ROWID""")
    db.execute("""insert into cells_0006 (report_no, key, value, raw, ocr_confidence, uncertain)
        select reports.fts_rowid, cells.key, cells.value, cells.raw, cells.ocr_confidence,
               cells.uncertain
        from cells join reports on reports.id = cells.report_id
        order by reports.fts_rowid, cells.key""")
    db.execute("drop table cells")
    db.execute("alter table cells_0006 rename to cells")
    db.table("cells").create_index(["key", "value"])
    db.execute("""create view cells_labelled as
        select reports.id as report_id, cells.report_no, cells.key, cell_keys.table_zh,
               cell_keys.row_zh, cell_keys.col_zh, cell_keys.unit, cells.value, cells.raw,
               cells.ocr_confidence, cells.uncertain
        from cells join reports on reports.fts_rowid = cells.report_no
        left join cell_keys on cell_keys.key = cells.key""")


@migrations(name="0007_checks_by_report_number")
def _checks_by_report_number(db: Database) -> None:
    """``checks`` name their report by its number, ``report_no`` (as ``cells`` do since
    ``0006``), keyed by (report_no, seq) without a rowid; the view ``report_checks`` shows them
    with their report's id.

    The 64-character report id was in every check row (about 46 a report) and in a second
    B-tree for the (report_id, seq) primary key; and a bulk load had to be fed reports in
    report-id order to append to that key instead of inserting at random places in it
    (docs/scale.md). A report's number grows with each report loaded, so now any order appends."""
    db.execute("""create table checks_0007 (
        report_no INTEGER NOT NULL REFERENCES reports(fts_rowid),
        seq INTEGER NOT NULL,
        rule TEXT,
        ok INTEGER,
        expected FLOAT,
        found FLOAT,
        detail TEXT,
        verdict TEXT,
        PRIMARY KEY (report_no, seq)
    ) WITHOUT ROWID""")
    db.execute("""insert into checks_0007 (report_no, seq, rule, ok, expected, found, detail, verdict)
        select reports.fts_rowid, checks.seq, checks.rule, checks.ok, checks.expected,
               checks.found, checks.detail, checks.verdict
        from checks join reports on reports.id = checks.report_id
        order by reports.fts_rowid, checks.seq""")
    db.execute("drop table checks")
    db.execute("alter table checks_0007 rename to checks")
    db.table("checks").create_index(["rule", "ok"])
    db.table("checks").create_index(["ok", "verdict"])
    db.execute("""create view report_checks as
        select reports.id as report_id, checks.report_no, checks.seq, checks.rule, checks.ok,
               checks.expected, checks.found, checks.detail, checks.verdict
        from checks join reports on reports.fts_rowid = checks.report_no""")


#: Page size of a new archive database (SQLite's default is 4 KiB): a quarter of the page
#: writes and reads for the same bytes, fewer B-tree levels (docs/scale.md).
PAGE_SIZE = 16384


def migrate(db: Database) -> list[str]:
    """Apply pending migrations in order; returns the names applied (empty when up to date).
    A new, empty database gets ``PAGE_SIZE`` pages first."""
    if not db.conn.execute("select 1 from sqlite_master limit 1").fetchone():
        db.execute(f"pragma page_size = {PAGE_SIZE}")
    pending = [migration.name for migration in migrations.pending(db)]
    migrations.apply(db)
    return pending


def schema_version(db: Database) -> int:
    """The number of the newest applied migration (0 for an empty database)."""
    numbers = [
        int(match.group(1))
        for applied in migrations.applied(db)
        if (match := re.match(r"(\d+)_", applied.name))
    ]
    return max(numbers, default=0)

