"""Load records into the archive database: the one writer.

``load()`` takes plain dicts (report records, fetch-log lines, portal entries, failures, the
cell-key dictionary), migrates the database and writes everything in one transaction with
batched sqlite-utils inserts. Loading the same data again changes nothing; a report loaded
again (re-extracted) replaces the old one wholesale: its cells, checks and search entry go
first. The latest word on a document wins: loading a report for it clears its failure, and
loading a failure for it deletes its report.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from os import PathLike
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from . import search
from .schema import REGION_FROM_PORTALS_SQL, migrate

#: Headline figures of ``reports``: column -> the cell keys (pattern) whose values add up to it.
HEADLINE_FIGURES: dict[str, str] = {
    "applications_new": r"t3\.new\.total",
    "carried_over": r"t3\.carried_over\.total",
    "granted": r"t3\.granted\.total",
    "partial": r"t3\.partial\.total",
    "denied": r"t3\.denied_[a-z_]+\.total",
    "unable": r"t3\.unable_[a-z_]+\.total",
    "rejected": r"t3\.rejected_[a-z_]+\.total",
    "other_handled": r"t3\.other(?:_[a-z_]+)?\.total",
    "total_handled": r"t3\.total\.total",
    "carried_forward": r"t3\.carried_forward\.total",
    "review_total": r"t4\.review\.total",
    "suits_total": r"t4\.suit_(?:direct|after_review)\.total",
    "fees_amount": r"t2\.fees\.amount",
}
_HEADLINE_PATTERNS = {column: re.compile(pattern) for column, pattern in HEADLINE_FIGURES.items()}

#: Part of every report's ``record_digest``: bump it when the rows derived from a record change
#: (columns, headline figures), so that reports loaded before are rewritten, not skipped.
#: 2: the OCR columns of migration 0004 (records loaded under 1 may already carry ``ocr``).
LOADER_VERSION = "2"

#: Page cache of an incremental load (allocated as used): the (key, value) index of ``cells``
#: takes every report's ~200 keys to as many leaf pages, ~8 MB of index per 1 000 reports; with
#: too small a cache each load of a large archive rereads them from the file.
CACHE_KIB = 1024 * 1024


def load(
    db_path: str | PathLike[str],
    *,
    reports: Iterable[dict],
    fetches: list[dict],
    portals: list[dict] | None = None,
    failures: list[dict] | None = None,
    cell_labels: list[dict] | None = None,
    expected: int | None = None,
) -> dict[str, int]:
    """Write records into the archive at ``db_path`` (created and migrated as needed).

    A report whose record is unchanged since it was loaded (same ``record_digest``) is left
    as it is, so loading every record again costs little.

    - ``reports``: the extract record plus provenance (``sha256`` required; ``source_url``,
      ``fetched_at``, ``page_url``, ``portal``, ``portal_name``, ``level``, ``region``). The
      report id is ``record["id"]`` if given, else its ``sha256``. Cells read by OCR: ``ocr``
      {cell key: confidence 0..1} and ``uncertain`` [cell key, ...] (both optional).
    - ``fetches``: fetch-log lines (docs/architecture.md).
    - ``portals``: portal entries of the YAML (``id``, ``name``, ``url``/``urls``, ``platform``,
      ``level``, ``region`` {province, city, county}).
    - ``failures``: ``{sha256, source_url, reason, at, kind}`` for originals not extracted.
    - ``cell_labels``: rows of cells.csv (``key``, ``table``, ``row_zh``, ``col_zh``, ``unit``,
      ``row_en``, ``col_en``, optionally ``templates``), in spec order.

    - ``expected``: how many reports ``reports`` holds, when known. A load of at least twice as
      many reports as the archive holds (and ``BULK_MIN``) — a first load, or one that at least
      doubles it — is a bulk load: the secondary indexes of ``cells`` and ``checks`` are
      dropped and built again at the end, the search index is written in
      ``BULK_FTS_HASH_BYTES`` segments and left so (FTS5's ``automerge``, back on after the
      load, merges them as later loads write: merging them all at the end rewrote the whole
      index, the one step of a bulk load with no counterpart below ``BULK_FTS_HASH_BYTES``),
      and foreign keys are checked once at the end instead of on each row — each row then
      costs nearly the same however large the archive is (docs/scale.md). In any order of ``reports``, new reports' cells and checks
      append to their (report_no, …) primary keys: a new report's number is the next one.

    Returns row counts written per table (``reports_indexed``: search entries (re)written).
    """
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    db = Database(db_path)
    try:
        migrate(db)
        bulk = expected is not None and expected >= max(
            BULK_MIN, 2 * next(iter(db.query("select count(*) as n from reports")))["n"])
        # a bulk load checks its foreign keys once, at the end, instead of on every row
        db.execute(f"pragma foreign_keys = {'off' if bulk else 'on'}")
        if bulk:
            db.execute(f"pragma cache_size = -{BULK_CACHE_KIB}")
        else:
            db.execute(f"pragma cache_size = -{CACHE_KIB}")
        with db.atomic():
            indexes = _drop_bulk_indexes(db) if bulk else []
            if bulk:
                _fts_config(db, automerge=0, hashsize=BULK_FTS_HASH_BYTES)
            stats = _load(db, reports, fetches, portals or [], failures or [], cell_labels or [])
            if bulk:
                # the sorter's runs are as large as the page cache (SQLite caps them at 512 MiB):
                # 20 M index entries then sort in a few runs, merged once, on every core
                db.execute(f"pragma cache_size = -{SORT_CACHE_KIB}")
                db.execute(f"pragma threads = {os.cpu_count() or 1}")
                for sql in indexes:
                    db.execute(sql)
                _check_foreign_keys(db)   # after the index builds: it scans their order
                _fts_config(db, automerge=4, hashsize=FTS_HASH_BYTES)
            stats["bulk"] = int(bulk)
            return stats
    finally:
        db.close()


#: The smallest load treated as a bulk load (see ``load``'s ``expected``).
BULK_MIN = 2000
#: Page cache of a bulk load. Small on purpose: a bulk load only appends (new reports' rows go to
#: the end of the (report_no, …) primary keys and the secondary indexes are built at the end),
#: so a larger cache buys nothing but memory (and, measured, made the load slower per report as the archive grew).
BULK_CACHE_KIB = 64 * 1024
#: Page cache while a bulk load builds its indexes: it sets the size of the sorter's runs.
SORT_CACHE_KIB = 512 * 1024
#: FTS5's in-memory buffer of new index entries (``hashsize``): FTS5's default (1 MiB), and a
#: bulk load's, whose larger buffer writes fewer, larger segments to merge.
FTS_HASH_BYTES = 1024 * 1024
BULK_FTS_HASH_BYTES = 256 * 1024 * 1024


def _check_foreign_keys(db: Database) -> None:
    """Raise (the load is rolled back) if a row references a row that does not exist.

    What ``pragma foreign_key_check`` finds, looked up once per distinct value instead of once
    per row: the distinct values of an indexed column (``cells.report_no``, ``cells.key``: 20 M
    rows, 100 000 and 200 values at 100 000 reports) come from one scan of its index in order."""
    broken = []
    for table in db.table_names():
        for fk in db.table(table).foreign_keys:
            broken += [(table, fk.column, value, fk.other_table) for (value,) in db.execute(
                f"with child as materialized (select distinct [{fk.column}] as value from [{table}] "
                f"where [{fk.column}] is not null) select value from child where not exists "
                f"(select 1 from [{fk.other_table}] where [{fk.other_column}] = child.value) limit 5")]
    if broken:
        raise ValueError("the load would leave rows referencing missing rows "
                         f"(table, column, value, parent): {broken[:5]}")


def _fts_config(db: Database, **options: int) -> None:
    """Set FTS5 options of the search index (kept in the database, like ``automerge``)."""
    for option, value in options.items():
        db.execute(f"insert into {search.FTS_TABLE} ({search.FTS_TABLE}, rank) values (?, ?)",
                   [option, value])


#: Tables whose secondary indexes a bulk load builds once at the end. (Rebuilding the dozen of
#: ``reports`` too was measured at 100 000 reports: 7 s less inserting, 8 s more index building.)
_BULK_TABLES = ("cells", "checks")


def _drop_bulk_indexes(db: Database) -> list[str]:
    """Drop the explicit indexes of ``_BULK_TABLES``; returns their CREATE statements."""
    rows = list(_query(db,
        "select name, sql from sqlite_master where type = 'index' and sql is not null "
        f"and tbl_name in ({', '.join('?' * len(_BULK_TABLES))}) order by name", list(_BULK_TABLES)))
    for row in rows:
        db.execute(f"drop index [{row['name']}]")
    return [row["sql"] for row in rows]


#: Reports written per batch: memory holds one batch of records, not the whole run.
LOAD_BATCH = 500


def _load(
    db: Database,
    reports: Iterable[dict],
    fetches: list[dict],
    portals: list[dict],
    failures: list[dict],
    cell_labels: list[dict],
) -> dict[str, int]:
    for record in failures:
        if not record.get("sha256"):
            raise ValueError(f"record without sha256: {record.get('title') or record}")
    stats: dict[str, int] = {}
    stats["cell_keys"] = _upsert_cell_keys(db, cell_labels)
    stats["portals"] = _upsert_portals(db, portals, (), fetches)
    stats.update(_load_documents_and_fetches(db, fetches, failures))

    totals = dict.fromkeys(("reports", "reports_unchanged", "reports_indexed", "cells", "checks"), 0)
    report_sha256s: set[str] = set()
    for batch in _batches(reports, LOAD_BATCH):
        for record in batch:
            if not record.get("sha256"):
                raise ValueError(f"record without sha256: {record.get('title') or record}")
        records = {report_id(record): record for record in batch}
        new_shas = {record["sha256"] for record in records.values()} - report_sha256s
        report_sha256s |= new_shas
        _upsert_portals(db, (), records.values(), ())
        stats["documents"] += _add_documents(db, [r for r in records.values() if r["sha256"] in new_shas])
        for key, value in _replace_reports(db, records).items():
            totals[key] += value
    stats.update(totals)
    db.execute(REGION_FROM_PORTALS_SQL)
    db.execute(
        "delete from failures where sha256 in (select value from json_each(?))",
        [json.dumps(sorted(report_sha256s))],
    )

    failures = [f for f in failures if f["sha256"] not in report_sha256s]
    failed = sorted({f["sha256"] for f in failures})
    stale = [row["id"] for row in _query(db,
        "select id from reports where sha256 in (select value from json_each(?))",
        [json.dumps(failed)],
    )]
    stats["reports_deleted"] = _delete_reports(db, stale)
    _insert_rows(db, "failures", _unique([failure_row(f) for f in failures], "sha256"), upsert_key="sha256")
    stats["failures"] = len(failures)
    return stats


def _query(db: Database, sql: str, params: Any = ()) -> Iterator[dict[str, Any]]:
    """The rows of a SELECT as dicts, run on the connection itself: sqlite-utils' ``query``
    wraps each statement in a SAVEPOINT, which flushes FTS5's buffer (see ``_insert_rows``)."""
    cursor = db.conn.execute(sql, params)
    columns = [column[0] for column in cursor.description]
    return (dict(zip(columns, row)) for row in cursor)


def _batches(items: Iterable[dict], size: int) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _add_documents(db: Database, records: list[Mapping[str, Any]]) -> int:
    """A ``documents`` row for each record's original not yet in the table; returns how many
    of the records' originals the fetch log did not name. (An original the fetch log names has
    its row, described from its fetches, since that fetch was loaded: ``fetches.sha256``
    references ``documents``.)"""
    shas = sorted({record["sha256"] for record in records})
    if not shas:
        return 0
    known = {row["sha256"] for row in _query(
        db, "select sha256 from fetches where sha256 in (select value from json_each(?))", [json.dumps(shas)])}
    documents = {record["sha256"]: {"sha256": record["sha256"], "first_seen": record.get("fetched_at")}
                 for record in records}
    _insert_rows(db, "documents", list(documents.values()), ignore=True)
    return len(set(shas) - known)


def _insert_rows(db: Database, table: str, rows: list[dict[str, Any]], upsert_key: str | None = None,
                 *, ignore: bool = False) -> None:
    """INSERT rows that all have the same keys in one ``executemany``; with ``upsert_key``, a
    row whose key exists updates it in place (its other given columns); with ``ignore``, it is
    left as it is.

    A load writes its rows through here rather than sqlite-utils' ``insert_all`` /
    ``upsert_all``: those cost several times more per row, and each call opens a SAVEPOINT,
    which makes FTS5 flush its buffered index entries as a new segment — one segment per batch
    of reports instead of one per ``hashsize``, merged again and again as the archive grows."""
    if not rows:
        return
    columns = list(rows[0])
    sql = (f"insert {'or ignore ' if ignore else ''}into [{table}] ({', '.join(f'[{c}]' for c in columns)}) "
           f"values ({', '.join('?' * len(columns))})")
    if upsert_key:
        sql += (f" on conflict([{upsert_key}]) do update set "
                + ", ".join(f"[{c}] = excluded.[{c}]" for c in columns if c not in (upsert_key, "rowid")))
    db.conn.executemany(sql, [tuple(row[c] for c in columns) for row in rows])


def _load_documents_and_fetches(db: Database, fetches: list[dict],
                                records: list[Mapping[str, Any]]) -> dict[str, int]:
    """Fetch-log lines, and a ``documents`` row for every original they or the records name."""
    fetch_rows = _unique([fetch_row(fetch) for fetch in fetches], "id")
    documents = {row["sha256"]: {"sha256": row["sha256"], "first_seen": row["fetched_at"]}
                 for row in fetch_rows if row["sha256"]}
    for record in records:
        documents.setdefault(record["sha256"], {"sha256": record["sha256"],
                                                "first_seen": record.get("fetched_at")})
    _insert_rows(db, "documents", list(documents.values()), ignore=True)
    _insert_rows(db, "fetches", fetch_rows, upsert_key="id")
    _describe_documents_from_fetches(db, list(documents))
    return {"fetches": len(fetch_rows), "documents": len(documents)}


def report_id(record: Mapping[str, Any]) -> str:
    """The stable id of a report: ``record["id"]`` if set, else the original's sha256."""
    identifier = record.get("id") or record.get("sha256")
    if not identifier:
        raise ValueError(f"report record without sha256: {record.get('title')!r}")
    return str(identifier)


def fetch_id(fetch: Mapping[str, Any]) -> str:
    """A stable id for a fetch-log line: the same line loaded twice is one row."""
    basis = "\n".join(str(fetch.get(k) or "") for k in ("requested_url", "url", "fetched_at"))
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:20]


def fetch_row(fetch: Mapping[str, Any]) -> dict[str, Any]:
    is_report = fetch.get("is_report")
    return {
        "id": fetch_id(fetch),
        "url": fetch["url"],
        "requested_url": fetch.get("requested_url"),
        "fetched_at": fetch.get("fetched_at"),
        "status": fetch.get("status"),
        "outcome": fetch.get("outcome"),
        "sha256": fetch.get("sha256"),
        "size": fetch.get("size"),
        "content_type": fetch.get("content_type"),
        "filename": fetch.get("filename"),
        "referer": fetch.get("referer"),
        "portal": fetch.get("portal"),
        "role": fetch.get("role"),
        "link_text": fetch.get("link_text"),
        "title": fetch.get("title"),
        "is_report": None if is_report is None else int(bool(is_report)),
        "attachments": _json_or_none(fetch.get("attachments")),
        "headers": _json_or_none(fetch.get("headers")),
        "error": fetch.get("error"),
    }


def portal_row(portal: Mapping[str, Any]) -> dict[str, Any]:
    """A portal entry of the YAML as a ``portals`` row."""
    region = portal.get("region") or {}
    urls = portal.get("urls") or portal.get("start_urls") or (
        [portal["url"]] if portal.get("url") else [])
    return {
        "id": portal["id"],
        "name": portal.get("name"),
        "level": portal.get("level"),
        "province": region.get("province", portal.get("province")),
        "city": region.get("city", portal.get("city")),
        "county": region.get("county", portal.get("county")),
        "platform": portal.get("platform"),
        "start_urls": json.dumps(list(urls), ensure_ascii=False),
    }


def failure_row(failure: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "sha256": failure["sha256"],
        "source_url": failure.get("source_url"),
        "kind": failure.get("kind"),
        "reason": failure.get("reason"),
        "at": failure.get("at"),
    }


def record_digest(record: Mapping[str, Any]) -> str:
    """SHA-256 of the record's canonical JSON and the loader version."""
    canonical = json.dumps(record, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(f"{LOADER_VERSION}\n{canonical}".encode("utf-8")).hexdigest()


def headline_figures(cells: Mapping[str, float | None]) -> dict[str, float | None]:
    """The headline columns of ``reports``: each the sum of the non-blank cells it covers,
    or None when all of them are blank or absent."""
    values: dict[str, list[float]] = {column: [] for column in HEADLINE_FIGURES}
    for key, value in cells.items():
        column = _headline_column(key)
        if column is not None and value is not None:
            values[column].append(value)
    return {column: _tidy_number(sum(found)) if found else None for column, found in values.items()}


@lru_cache(maxsize=4096)
def _headline_column(key: str) -> str | None:
    for column, pattern in _HEADLINE_PATTERNS.items():
        if pattern.fullmatch(key):
            return column
    return None


def report_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """A report record as a ``reports`` row, without ``fts_rowid`` (assigned on load)."""
    cells = record.get("cells") or {}
    checks = record.get("checks") or []
    year = record.get("year")
    return {
        "id": report_id(record),
        "sha256": record["sha256"],
        "source_url": record.get("source_url"),
        "page_url": record.get("page_url"),
        "fetched_at": record.get("fetched_at"),
        "portal": record.get("portal"),
        "title": record.get("title"),
        "year": int(year) if year is not None else None,
        "issuer": record.get("issuer"),
        "template": record.get("template"),
        "format": record.get("format"),
        "n_cells": len(cells),
        "ocr_cells": sum(1 for key in dict.fromkeys([*cells, *(record.get("raw_cells") or {})])
                         if ocr_confidence(record, key) is not None),
        "checks_total": len(checks),
        "checks_failed": sum(1 for check in checks if check.get("ok") is False),
        "finding": int(any(check.get("ok") is False and check.get("verdict") == "source"
                           for check in checks)),
        **headline_figures(cells),
        **{k: (record.get("region") or {}).get(k) for k in ("province", "city", "county")},
        "level": record.get("level"),
        "check_status": check_status(checks),
        "record_digest": record_digest(record),
        "notes": _json_or_none(record.get("notes") or None),
        "text": record.get("text"),
    }


def check_status(checks: Iterable[Mapping[str, Any]]) -> str:
    """``passed`` (every check that ran passed), ``finding`` (one failed on cleanly read cells:
    the report's own arithmetic), ``failed`` (failed, likely our misreading) or ``unchecked``."""
    results = [check for check in checks if check.get("ok") is not None]
    failed = [check for check in results if not check.get("ok")]
    if not results:
        return "unchecked"
    if any(check.get("verdict") == "source" for check in failed):
        return "finding"
    return "failed" if failed else "passed"


def ocr_confidence(record: Mapping[str, Any], key: str) -> float | None:
    """The OCR confidence of a cell (``record["ocr"][key]``), or None when it was not read by
    OCR (or the confidence is not a number)."""
    value = (record.get("ocr") or {}).get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def cell_rows(record: Mapping[str, Any], report_no: int) -> list[dict]:
    """One ``cells`` row per key in the record's ``cells`` or ``raw_cells``, with its OCR
    confidence (``ocr``) and whether the arithmetic doubts its reading (``uncertain``), for the
    report numbered ``report_no`` (its ``fts_rowid``); the key's labels are in ``cell_keys``
    (the view ``cells_labelled`` joins them)."""
    cells = record.get("cells") or {}
    raw_cells = record.get("raw_cells") or {}
    uncertain = set(record.get("uncertain") or ())
    rows = []
    for key in dict.fromkeys([*cells, *raw_cells]):
        raw = raw_cells.get(key)
        rows.append({
            "report_no": report_no,
            "key": key,
            "value": cells.get(key),
            "raw": None if raw is None else str(raw),
            "ocr_confidence": ocr_confidence(record, key),
            "uncertain": int(key in uncertain),
        })
    return rows


def check_rows(record: Mapping[str, Any], report_no: int) -> list[dict]:
    """One ``checks`` row per arithmetic check of the record, numbered in its order (``seq``),
    for the report numbered ``report_no`` (its ``fts_rowid``; the view ``report_checks`` shows
    the report's id)."""
    rows = []
    for seq, check in enumerate(record.get("checks") or [], start=1):
        ok = check.get("ok")
        rows.append({
            "report_no": report_no,
            "seq": seq,
            "rule": check.get("rule"),
            "ok": None if ok is None else int(bool(ok)),
            "expected": _scalar(check.get("expected")),
            "found": _scalar(check.get("found")),
            "detail": check.get("detail"),
            "verdict": check.get("verdict"),
        })
    return rows


def cell_key_row(label: Mapping[str, Any], position: int | None) -> dict[str, Any]:
    templates = label.get("templates")
    if isinstance(templates, (list, tuple)):
        templates = " ".join(templates)
    return {
        "key": label["key"],
        "position": position,
        "templates": templates,
        "table_zh": label.get("table_zh", label.get("table")),
        "row_zh": label.get("row_zh"),
        "col_zh": label.get("col_zh"),
        "unit": label.get("unit"),
        "row_en": label.get("row_en"),
        "col_en": label.get("col_en"),
    }


def _upsert_cell_keys(db: Database, cell_labels: list[dict]) -> int:
    rows = _unique([cell_key_row(label, position)
                    for position, label in enumerate(cell_labels, start=1)], "key")
    _insert_rows(db, "cell_keys", rows, upsert_key="key")
    return len(rows)


def _upsert_portals(db: Database, portals: Iterable[dict], records: Iterable[Mapping[str, Any]],
                    fetches: Iterable[dict]) -> int:
    # Portals named only by reports or fetches get a row (blanks filled from what the reports
    # say), so every reference resolves; an entry of the YAML, written last, wins.
    stubs: dict[str, dict[str, Any]] = {}
    for fetch in fetches:
        if fetch.get("portal"):
            stubs.setdefault(fetch["portal"], {"id": fetch["portal"]})
    for record in records:
        if record.get("portal"):
            stub = stubs.setdefault(record["portal"], {"id": record["portal"]})
            region = record.get("region") or {}
            known = {"name": record.get("portal_name"), "level": record.get("level"),
                     **{k: region.get(k) for k in ("province", "city", "county")}}
            stub.update({k: v for k, v in known.items() if v})
    _insert_rows(db, "portals", [{"id": portal_id} for portal_id in stubs], ignore=True)
    # one single-row UPDATE per portal: a statement that may change several rows opens a
    # statement savepoint, which flushes the search index's buffer (see ``_insert_rows``)
    columns = ("name", "level", "province", "city", "county")
    db.conn.executemany(
        f"update portals set {', '.join(f'{c} = coalesce({c}, ?)' for c in columns)} where id = ?",
        [(*(stub.get(c) for c in columns), stub["id"]) for stub in stubs.values() if len(stub) > 1],
    )
    rows = _unique([portal_row(portal) for portal in portals], "id")
    _insert_rows(db, "portals", rows, upsert_key="id")
    return len(rows)


def _describe_documents_from_fetches(db: Database, sha256s: list[str]) -> None:
    # size, type, name and first_seen of a document are those of its earliest fetch
    db.execute(
        """
        update documents set (size, content_type, filename, first_seen) = (
            select size, content_type, filename, fetched_at from fetches
            where fetches.sha256 = documents.sha256
            order by fetched_at limit 1
        )
        where sha256 in (select value from json_each(?))
          and exists (select 1 from fetches where fetches.sha256 = documents.sha256)
        """,
        [json.dumps(sha256s)],
    )


def _replace_reports(db: Database, records: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
    existing = {
        row["id"]: row
        for row in _query(db,
            "select id, fts_rowid, title, text, record_digest from reports "
            "where id in (select value from json_each(?))",
            [json.dumps(list(records))],
        )
    }
    next_rowid = 1 + next(iter(_query(db,
        "select coalesce(max(rowid), 0) as top from reports")))["top"]

    rows, to_index, to_unindex = [], [], []
    for identifier, record in records.items():
        row = report_row(record)
        old = existing.get(identifier)
        if old is not None and old["record_digest"] == row["record_digest"]:
            continue
        if old is None:
            row["fts_rowid"] = next_rowid
            next_rowid += 1
            to_index.append((row["fts_rowid"], row["title"], row["text"]))
        else:
            row["fts_rowid"] = old["fts_rowid"]
            if (old["title"], old["text"]) != (row["title"], row["text"]):
                to_unindex.append((old["fts_rowid"], old["title"], old["text"]))
                to_index.append((row["fts_rowid"], row["title"], row["text"]))
        # the table's own rowid mirrors fts_rowid too (Datasette's _search_<column> uses rowid)
        rows.append({"rowid": row["fts_rowid"], **row})

    changed = {row["id"]: records[row["id"]] for row in rows}
    _delete_children(db, [identifier for identifier in changed if identifier in existing])
    search.unindex_rows(db.conn, to_unindex)
    # new reports by plain INSERT: an upsert opens a statement savepoint, which flushes the search
    # index's buffer (see ``_insert_rows``)
    _insert_rows(db, "reports", [row for row in rows if row["id"] not in existing])
    _insert_rows(db, "reports", [row for row in rows if row["id"] in existing], upsert_key="id")
    search.index_rows(db.conn, to_index)

    _add_cell_keys(db, {key for r in changed.values()
                        for key in [*(r.get("cells") or {}), *(r.get("raw_cells") or {})]})
    cells = sorted((cell for row in rows for cell in cell_rows(records[row["id"]], row["fts_rowid"])),
                   key=lambda cell: (cell["report_no"], cell["key"]))   # in primary-key order
    checks = sorted((check for row in rows for check in check_rows(records[row["id"]], row["fts_rowid"])),
                    key=lambda check: (check["report_no"], check["seq"]))   # in primary-key order
    _insert_rows(db, "cells", cells)
    _insert_rows(db, "checks", checks)
    return {"reports": len(rows), "reports_unchanged": len(records) - len(rows),
            "reports_indexed": len(to_index), "cells": len(cells), "checks": len(checks)}


def _add_cell_keys(db: Database, keys: set[str]) -> None:
    """An unlabelled ``cell_keys`` row for each of the keys not there yet (``cells.key``
    references it)."""
    _insert_rows(db, "cell_keys", [{"key": key} for key in sorted(keys)], ignore=True)


def _delete_children(db: Database, ids: list[str]) -> None:
    if not ids:   # no statement at all: a multi-row DELETE flushes the search index's buffer
        return
    for table in ("cells", "checks"):
        db.execute(f"delete from {table} where report_no in "
                   "(select fts_rowid from reports where id in (select value from json_each(?)))",
                   [json.dumps(ids)])


def _delete_reports(db: Database, ids: list[str]) -> int:
    """Delete reports with their cells, checks and search entries. Returns how many."""
    if not ids:
        return 0
    doomed = [
        (row["fts_rowid"], row["title"], row["text"])
        for row in _query(db,
            "select fts_rowid, title, text from reports "
            "where id in (select value from json_each(?))",
            [json.dumps(ids)],
        )
    ]
    search.unindex_rows(db.conn, doomed)
    _delete_children(db, ids)
    db.execute("delete from reports where id in (select value from json_each(?))",
               [json.dumps(ids)])
    return len(doomed)


def _unique(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Rows with distinct ``key``, the last of duplicates winning (one upsert batch cannot
    touch a row twice)."""
    return list({row[key]: row for row in rows}.values())


def _json_or_none(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=isinstance(value, dict))


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, (int, float, str)):
        return value
    return json.dumps(value, ensure_ascii=False)


def _tidy_number(value: float) -> float | int:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value



# ── runs: the summary of each incremental load (table ``runs``, migration 0003) ───────────────

#: Columns of ``runs`` that hold JSON (lists or objects).
_RUN_JSON_COLUMNS = ("portals", "failed_checks", "blocked_portals", "per_portal", "summary")


def record_run(db_path: str | PathLike[str], run: Mapping[str, Any]) -> dict[str, Any]:
    """Write one ``runs`` row (``run_id`` required; lists and dicts stored as JSON); returns it.

    Writing the same ``run_id`` again replaces the row."""
    if not run.get("run_id"):
        raise ValueError("run without run_id")
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    db = Database(db_path)
    try:
        migrate(db)
        columns = set(db.table("runs").columns_dict)
        row = {k: (_json_or_none(v) if k in _RUN_JSON_COLUMNS else v)
               for k, v in run.items() if k in columns}
        with db.atomic():
            db.table("runs").upsert(row, pk="run_id")
        return row
    finally:
        db.close()


def last_run(db_path: str | PathLike[str]) -> dict[str, Any] | None:
    """The newest ``runs`` row (JSON columns decoded), or None (no database, or no run yet)."""
    if not Path(db_path).exists():
        return None
    db = Database(db_path)
    try:
        if "runs" not in db.table_names():
            return None
        rows = list(db.query("select * from runs order by finished_at desc, rowid desc limit 1"))
    finally:
        db.close()
    if not rows:
        return None
    row = dict(rows[0])
    for column in _RUN_JSON_COLUMNS:
        if row.get(column) is not None:
            row[column] = json.loads(row[column])
    return row


def report_digests(db_path: str | PathLike[str]) -> dict[str, str]:
    """Report id → ``record_digest`` of every report in the archive (empty when there is none):
    what a load compares before and after to count new and changed reports."""
    if not Path(db_path).exists():
        return {}
    db = Database(db_path)
    try:
        if "reports" not in db.table_names():
            return {}
        return {row["id"]: row["record_digest"]
                for row in db.query("select id, record_digest from reports")}
    finally:
        db.close()
