"""Export the archive's reports as the canonical record of ../shared/spec (record.schema.json)."""
from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from os import PathLike
from pathlib import Path
from typing import Any


def connect_readonly(db_path: str | PathLike[str]) -> sqlite3.Connection:
    """A read-only connection to an archive database (fails if the file does not exist)."""
    path = Path(db_path).resolve()
    if not path.exists():
        raise FileNotFoundError(path)
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def export_records(db_path: str | PathLike[str]) -> Iterator[dict[str, Any]]:
    """Yield one record per report, ordered by id: ``title``, ``year``, ``issuer``,
    ``template``, ``cells`` {key: number or null}, ``checks`` [{rule, ok, detail, verdict}],
    plus ``source_url``, ``sha256`` and ``fetched_at``.

    Reports, cells and checks are read as three ordered scans merged by report id, so the
    export streams in constant memory.
    """
    conn = connect_readonly(db_path)
    try:
        reports = conn.execute(
            "select id, title, year, issuer, template, source_url, sha256, fetched_at "
            "from reports order by id")
        cells = itertools.groupby(
            conn.execute("select reports.id as report_id, cells.key, cells.value from reports "
                         "join cells on cells.report_no = reports.fts_rowid "
                         "order by reports.id, cells.key"),
            key=lambda row: row["report_id"])
        checks = itertools.groupby(
            conn.execute("select reports.id as report_id, checks.rule, checks.ok, checks.detail, "
                         "checks.verdict from reports "
                         "join checks on checks.report_no = reports.fts_rowid "
                         "order by reports.id, checks.seq"),
            key=lambda row: row["report_id"])
        next_cells, next_checks = next(cells, None), next(checks, None)
        for report in reports:
            record_cells: dict[str, float | int | None] = {}
            while next_cells is not None and next_cells[0] <= report["id"]:
                if next_cells[0] == report["id"]:
                    record_cells = {row["key"]: _number(row["value"]) for row in next_cells[1]}
                next_cells = next(cells, None)
            record_checks: list[dict[str, Any]] = []
            while next_checks is not None and next_checks[0] <= report["id"]:
                if next_checks[0] == report["id"]:
                    record_checks = [_check(row) for row in next_checks[1]]
                next_checks = next(checks, None)
            yield _record(report, record_cells, record_checks)
    finally:
        conn.close()


def _record(report: sqlite3.Row, cells: dict, checks: list) -> dict[str, Any]:
    record: dict[str, Any] = {
        "title": report["title"],
        "year": report["year"],
        "issuer": report["issuer"],
        "template": report["template"],
        "cells": cells,
        "checks": checks,
        "sha256": report["sha256"],
    }
    for field in ("source_url", "fetched_at"):
        if report[field] is not None:
            record[field] = report[field]
    return record


def _check(row: sqlite3.Row) -> dict[str, Any]:
    check: dict[str, Any] = {"rule": row["rule"], "ok": None if row["ok"] is None else bool(row["ok"])}
    if row["detail"] is not None:
        check["detail"] = row["detail"]
    if row["verdict"] is not None:
        check["verdict"] = row["verdict"]
    return check


def _number(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
