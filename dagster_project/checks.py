"""Asset checks of the service, evaluated inside the asset they check (`check_specs`), so the
run summary written by `archive_db` lists the same results Dagster shows.

- ``raw_archive`` / ``crawl_health``: the portal was blocked (ERROR) or gave no report (WARN).
- ``archive_db`` / ``report_arithmetic``: reports whose arithmetic fails — the source's own
  inconsistency (finding) or a misreading — WARN, never blocking: publication goes on.
- ``archive_db`` / ``coverage``: a portal has fewer reports than at the last run (WARN).
- ``archive_db`` / ``metadata_complete``: every table and column of the archive is described
  (ERROR, blocking: ``published`` does not run when it fails).
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, MetadataValue

CRAWL_HEALTH = AssetCheckSpec(
    "crawl_health", asset="raw_archive",
    description="The portal was crawled without being blocked (ERROR) and listed at least one "
                "report (WARN).")
REPORT_ARITHMETIC = AssetCheckSpec(
    "report_arithmetic", asset="archive_db",
    description="Reports whose table arithmetic fails: findings (the source's own numbers "
                "disagree) and misreads. Shown, not blocking publication.")
COVERAGE = AssetCheckSpec(
    "coverage", asset="archive_db",
    description="No portal has fewer reports in the archive than at the last run.")
METADATA_COMPLETE = AssetCheckSpec(
    "metadata_complete", asset="archive_db", blocking=True,
    description="Every table and column of the archive has a Chinese and English description "
                "(blocks publication).")

ARCHIVE_CHECKS = [REPORT_ARITHMETIC, COVERAGE, METADATA_COMPLETE]


def crawl_health(portal: str, run: dict | None) -> AssetCheckResult:
    """From the portal's crawl-run line: blocked → ERROR, zero reports found → WARN."""
    run = run or {}
    meta = {k: run.get(k) for k in ("reports_found", "pages_fetched", "stored", "not_modified",
                                     "gone", "errors", "blocked") if run.get(k) is not None}
    meta["portal"] = portal
    if not run:
        return AssetCheckResult(check_name="crawl_health", passed=False,
                                severity=AssetCheckSeverity.ERROR,
                                metadata={**meta, "reason": "no crawl-run record for the portal"})
    if run.get("blocked"):
        return AssetCheckResult(check_name="crawl_health", passed=False,
                                severity=AssetCheckSeverity.ERROR,
                                metadata={**meta, "reason": "the portal blocked the crawler"})
    if not run.get("reports_found"):
        return AssetCheckResult(check_name="crawl_health", passed=False,
                                severity=AssetCheckSeverity.WARN,
                                metadata={**meta, "reason": "no report found on the portal"})
    return AssetCheckResult(check_name="crawl_health", passed=True, metadata=meta)


def _query(db: Path, sql: str, params=()) -> list[tuple]:
    if not db.exists():
        return []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def report_arithmetic(db: Path) -> AssetCheckResult:
    rows = _query(db, """select r.id, r.title, c.verdict from reports r
        join checks c on c.report_no = r.fts_rowid where c.ok = 0 group by r.id, c.verdict""")
    findings = sorted({(i, t) for i, t, v in rows if v == "source"})
    misreads = sorted({(i, t) for i, t, v in rows if v != "source"} - set(findings))
    return AssetCheckResult(
        check_name="report_arithmetic", passed=not rows, severity=AssetCheckSeverity.WARN,
        metadata={"findings": len(findings), "misreads": len(misreads),
                  "finding_reports": MetadataValue.json([t for _, t in findings[:50]]),
                  "misread_reports": MetadataValue.json([t for _, t in misreads[:50]])})


def coverage(summary: dict, previous: dict | None) -> AssetCheckResult:
    before = (previous or {}).get("per_portal") or {}
    now = summary.get("per_portal") or {}
    drops = {p: {"last_run": n, "now": now.get(p, 0)} for p, n in before.items() if now.get(p, 0) < n}
    return AssetCheckResult(
        check_name="coverage", passed=not drops, severity=AssetCheckSeverity.WARN,
        metadata={"portals": len(now), "portals_with_fewer_reports": len(drops),
                  "drops": MetadataValue.json(drops), "per_portal": MetadataValue.json(now)})


def metadata_complete(db: Path) -> AssetCheckResult:
    from gongkai.archive.metadata import missing_descriptions

    missing = missing_descriptions(db) if db.exists() else ["(no database)"]
    return AssetCheckResult(
        check_name="metadata_complete", passed=not missing, severity=AssetCheckSeverity.ERROR,
        metadata={"missing": len(missing), "undescribed": MetadataValue.json(missing[:100])})


def failed(results: list[AssetCheckResult]) -> list[dict]:
    """The failed results as plain rows for the run summary."""
    return [{"check": r.check_name, "severity": r.severity.value} for r in results if not r.passed]
