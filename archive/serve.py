"""Serve the archive with Datasette, and publish dated snapshots of it.

Datasette gets the database immutable (``-i``: the download link needs it), the generated
metadata and the settings of ``metadata.DATASETTE_SETTINGS``; the plugin is registered
in-process, so serving works with or without the ``gongkai`` entry point installed.
"""
from __future__ import annotations

import csv
import datetime
import hashlib
import json
import sqlite3
import tempfile
from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import Any

from .export import connect_readonly
from .metadata import DATASETTE_SETTINGS, metadata_dict

#: CSV exports of ``publish``: file stem -> query. ``reports`` leaves out the full text
#: (longer than a spreadsheet cell holds; it is in the database).
CSV_EXPORTS: dict[str, str] = {
    "reports": """
        select id, sha256, source_url, page_url, fetched_at, portal, title, year, issuer,
               template, format, n_cells, checks_total, checks_failed, finding,
               applications_new, carried_over, granted, partial, denied, unable, rejected,
               other_handled, total_handled, carried_forward, review_total, suits_total,
               fees_amount
        from reports order by id""",
    "cells": """
        select reports.id as report_id, reports.issuer, reports.year, cells.key, cells.value,
               cells.raw, cell_keys.unit, cell_keys.table_zh, cell_keys.row_zh, cell_keys.col_zh
        from reports join cells on cells.report_no = reports.fts_rowid
        left join cell_keys on cell_keys.key = cells.key
        order by reports.id, cells.key""",
    "checks": """
        select reports.id as report_id, reports.issuer, reports.year, checks.seq, checks.rule,
               checks.ok, checks.expected, checks.found, checks.detail, checks.verdict
        from reports join checks on checks.report_no = reports.fts_rowid
        order by reports.id, checks.seq""",
}


def _setting_value(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def datasette_args(
    db_path: str | PathLike[str],
    *,
    host: str = "127.0.0.1",
    port: int = 8001,
    metadata_path: str | PathLike[str],
) -> list[str]:
    """Arguments of ``datasette`` (after the program name) that serve the archive."""
    args = ["serve", "-i", str(db_path), "--metadata", str(metadata_path),
            "--host", host, "--port", str(port)]
    for name, value in DATASETTE_SETTINGS.items():
        args += ["--setting", name, _setting_value(value)]
    return args


def register_plugin() -> None:
    """Register the archive's Datasette plugin in this process, unless already registered."""
    from datasette.plugins import pm

    from . import plugin

    if not pm.is_registered(plugin):
        pm.register(plugin, name="gongkai")


def write_metadata(db_path: str | PathLike[str], metadata_path: str | PathLike[str],
                   *, raw_dir: str | PathLike[str] | None = None) -> Path:
    """Write the Datasette metadata of the database to ``metadata_path`` (JSON)."""
    path = Path(metadata_path)
    path.write_text(json.dumps(metadata_dict(db_path, raw_dir=raw_dir), ensure_ascii=False,
                               indent=2), encoding="utf-8")
    return path


def serve(
    db_path: str | PathLike[str],
    host: str = "127.0.0.1",
    port: int = 8001,
    *,
    extra_args: Sequence[str] = (),
    raw_dir: str | PathLike[str] | None = None,
) -> None:
    """Run Datasette on the archive until interrupted. ``extra_args`` go to ``datasette serve``
    as they are (``--reload``, ``--cors``, ``--get PATH`` …). ``raw_dir``: the raw archive
    whose originals the report pages serve; by default ``raw/`` beside the database, when
    there is one (``DATA/gongkai.db`` → ``DATA/raw``)."""
    from datasette.cli import cli

    if not Path(db_path).exists():
        raise FileNotFoundError(db_path)
    register_plugin()
    with tempfile.TemporaryDirectory(prefix="gongkai-datasette-") as tmp:
        if raw_dir is None and (Path(db_path).parent / "raw").is_dir():
            raw_dir = Path(db_path).parent / "raw"
        metadata_path = write_metadata(db_path, Path(tmp) / "metadata.json", raw_dir=raw_dir)
        args = datasette_args(db_path, host=host, port=port, metadata_path=metadata_path)
        cli.main(args=[*args, *extra_args], prog_name="datasette", standalone_mode=False)


def sha256_file(path: str | PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def publish(
    db_path: str | PathLike[str],
    out_dir: str | PathLike[str],
    *,
    date: datetime.date | None = None,
) -> dict[str, Any]:
    """Write a dated snapshot of the archive to ``out_dir``:

    - ``gongkai-YYYY-MM-DD.db``: a consistent copy (SQLite backup API, rowids kept, so the
      search index still lines up), analysed for the query planner;
    - ``gongkai-YYYY-MM-DD.db.sha256``: its digest, in ``sha256sum`` format;
    - ``gongkai-YYYY-MM-DD.metadata.json``: Datasette metadata for serving the snapshot;
    - ``gongkai-YYYY-MM-DD-{reports,cells,checks}.csv``: UTF-8 with BOM (Excel reads it).

    An existing snapshot of the same date is replaced. Returns the paths, digest and row counts.
    """
    date = date or datetime.datetime.now(datetime.timezone.utc).date()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"gongkai-{date.isoformat()}"
    snapshot = out / f"{stem}.db"
    partial = out / f".{stem}.db.partial"
    partial.unlink(missing_ok=True)

    source = connect_readonly(db_path)
    target = sqlite3.connect(partial)
    try:
        source.backup(target)
        target.execute("pragma journal_mode = delete")
        target.execute("analyze")
        target.commit()
    finally:
        target.close()
        source.close()
    partial.replace(snapshot)

    digest = sha256_file(snapshot)
    digest_path = out / f"{snapshot.name}.sha256"
    digest_path.write_text(f"{digest}  {snapshot.name}\n", encoding="ascii")
    metadata_path = write_metadata(snapshot, out / f"{stem}.metadata.json")

    csv_paths, rows = {}, {}
    conn = connect_readonly(snapshot)
    try:
        for name, sql in CSV_EXPORTS.items():
            csv_paths[name] = out / f"{stem}-{name}.csv"
            rows[name] = _write_csv(conn, sql, csv_paths[name])
    finally:
        conn.close()
    return {
        "snapshot": snapshot,
        "sha256": digest,
        "sha256_path": digest_path,
        "metadata_path": metadata_path,
        "csv": csv_paths,
        "rows": rows,
    }


def _write_csv(conn: sqlite3.Connection, sql: str, path: Path) -> int:
    cursor = conn.execute(sql)
    count = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([column[0] for column in cursor.description])
        for row in cursor:
            writer.writerow(_csv_value(value) for value in row)
            count += 1
    return count


def _csv_value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
