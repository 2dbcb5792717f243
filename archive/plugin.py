"""The Datasette plugin of the archive (registered as the ``gongkai`` entry point).

- The table page's search box runs ``… match escape_fts(:search)`` (datasette/filters.py,
  0.65). For a database holding the bigram index this plugin replaces ``escape_fts`` with
  ``search.bigram_query``, so 征迁 or 行政复议 typed in the box is expanded into the bigram
  phrases the index holds. ``trylast=True``: it runs after Datasette's own
  ``prepare_connection`` and so overrides its ``escape_fts``. Other databases keep the default.
- SQL functions for canned and hand-written queries: ``bigrams(text)``, ``bigram_query(q)``,
  ``search_snippet(text, q[, width])``.
- Cell values stored as REAL print as integers when whole (``16`` rather than ``16.0``);
  report titles and report ids in query results link to the report page.
- Templates of ``archive/templates`` (the front page's search form, the report page, charts)
  come before Datasette's own.
- Routes: ``/-/report/<id>`` (a report laid out like the official form, ``report_page.py``),
  ``/-/report-no/<n>`` (a redirect to it from the report's number, ``report_no`` of ``cells`` and ``checks``),
  ``/-/original/<sha256>`` (the archived original from ``DATA/raw/objects``, configured as
  plugin setting ``raw_dir``; PDFs inline, everything else as a download, sandboxed),
  ``/-/charts`` (figures by year, server-side SVG: no script needed).
- Every response gets a Content-Security-Policy without inline scripts, so scraped text that
  slipped past escaping still could not run; ``X-Content-Type-Options: nosniff``.
"""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response, asgi_send_file
from jinja2 import ChoiceLoader, FileSystemLoader
from markupsafe import Markup, escape

from . import report_page, search

TEMPLATES = Path(__file__).parent / "templates"
PLUGIN_NAME = "gongkai"

#: Scripts only from the server's own files (Datasette's table.js, CodeMirror); no inline
#: script, no eval, no plugins, no framing, forms only to this site.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
#: Archived originals: rendered (PDF) or downloaded, in a sandbox without script.
ORIGINAL_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"

_SHA256 = re.compile(r"[0-9a-f]{64}")


@hookimpl(trylast=True)
def prepare_connection(conn: sqlite3.Connection) -> None:
    search.register_functions(conn)
    if search.has_search_index(conn):
        conn.create_function("escape_fts", 1, search.bigram_query, deterministic=True)


@hookimpl
def prepare_jinja2_environment(env, datasette):
    env.loader = ChoiceLoader([FileSystemLoader(str(TEMPLATES)), env.loader])


def report_url(datasette, report_id: str) -> str:
    return datasette.urls.path(f"/-/report/{report_id}")


def report_no_url(datasette, report_no: int) -> str:
    return datasette.urls.path(f"/-/report-no/{report_no}")


#: Tables and views whose ``report_no`` names a report by its number (``reports.fts_rowid``).
_BY_REPORT_NO = ("cells", "cells_labelled", "checks", "report_checks")


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if (table in ("cells", "cells_labelled") and column == "value" and isinstance(value, float)
            and value.is_integer()):
        return str(int(value))
    if column == "report_no" and table in _BY_REPORT_NO:
        # report_no references reports.fts_rowid, not the reports' primary key that
        # Datasette's own link to the row would use: link to the report's page instead
        number, label = (value["value"], value["label"]) if isinstance(value, dict) else (value, value)
        if isinstance(number, int):
            return Markup('<a href="{}">{}</a>').format(report_no_url(datasette, number), label)
    keys = row.keys() if hasattr(row, "keys") else []
    if column == "title" and isinstance(value, str) and table in (None, "reports"):
        report_id = row["report_id"] if "report_id" in keys else (
            row["id"] if "id" in keys else None)
        if isinstance(report_id, str) and report_id:
            return Markup('<a href="{}">{}</a>').format(report_url(datasette, report_id), value)
    if table is None and column in ("id", "report_id") and isinstance(value, str) \
            and _SHA256.fullmatch(value):
        return Markup('<a href="{}">{}</a>').format(report_url(datasette, value), value[:12] + "…")
    return None


@hookimpl
def extra_template_vars(datasette):
    return {"gongkai_db": archive_database_name(datasette)}


def archive_database_name(datasette) -> str | None:
    """The first database served that holds the archive's ``reports`` table."""
    for name, db in datasette.databases.items():
        if name.startswith("_"):
            continue
        if getattr(db, "_gongkai_archive", None) is None:
            try:
                conn = sqlite3.connect(f"file:{db.path}?mode=ro", uri=True) if db.path else None
                db._gongkai_archive = bool(conn and conn.execute(
                    "select 1 from sqlite_master where name = 'reports'").fetchone())
                if conn:
                    conn.close()
            except sqlite3.Error:
                db._gongkai_archive = False
        if db._gongkai_archive:
            return name
    return None


def _archive_db(datasette):
    name = archive_database_name(datasette)
    if name is None:
        raise NotFound("no archive database is served")
    return name, datasette.get_database(name)


async def _rows(db, sql: str, params=()) -> list[dict]:
    result = await db.execute(sql, params)
    return [dict(row) for row in result.rows]


async def report_view(datasette, request):
    report_id = request.url_vars["report_id"]
    name, db = _archive_db(datasette)
    found = await _rows(db, "select * from reports where id = ?", [report_id])
    if not found:
        raise NotFound("report not found")
    report = found[0]
    # c.*: the OCR columns (migration 0004) where the database has them; the labels are the
    # key's, in cell_keys (migration 0005); cells name their report by number (0006)
    cells = await _rows(db, """
        select c.*, k.table_zh, k.row_zh, k.col_zh, k.unit, k.position, k.row_en, k.col_en
        from cells c left join cell_keys k on k.key = c.key
        where c.report_no = ?""", [report["fts_rowid"]])
    checks = await _rows(db, "select * from checks where report_no = ? order by seq",
                         [report["fts_rowid"]])
    others = await _rows(db, """
        select id, title, year from reports
        where issuer = ? and id != ? order by year, title""", [report["issuer"], report_id])
    document = await _rows(db, "select * from documents where sha256 = ?", [report["sha256"]])
    portal = await _rows(db, "select * from portals where id = ?", [report["portal"]])
    raw_dir = _raw_dir(datasette)
    has_original = bool(raw_dir and _object_path(raw_dir, report["sha256"]))
    return Response.html(await datasette.render_template(
        "gongkai_report.html",
        {
            "database": name,
            "report": report,
            "tables": report_page.table_layouts(cells),
            "n_values": sum(1 for cell in cells if cell["value"] is not None),
            "n_ocr": sum(1 for cell in cells if cell.get("ocr_confidence") is not None),
            "n_uncertain": sum(1 for cell in cells if cell.get("uncertain")),
            "checks": checks,
            "failed_checks": [check for check in checks if check["ok"] == 0],
            "other_years": others,
            "document": document[0] if document else None,
            "portal": portal[0] if portal else None,
            "original_url": datasette.urls.path(f"/-/original/{report['sha256']}")
            if has_original else None,
            "safe_url": _safe_url,
        },
        request=request,
    ))


def _safe_url(url: str | None) -> str | None:
    """Only http(s) URLs become links (never ``javascript:``)."""
    if url and re.match(r"https?://", url, re.I):
        return url
    return None


def _raw_dir(datasette) -> Path | None:
    config = datasette.plugin_config(PLUGIN_NAME) or {}
    return Path(config["raw_dir"]) if config.get("raw_dir") else None


def _object_path(raw_dir: Path, sha256: str) -> Path | None:
    if not _SHA256.fullmatch(sha256 or ""):
        return None
    path = raw_dir / "objects" / sha256[:2] / sha256
    return path if path.is_file() else None


async def report_no_view(datasette, request):
    """``/-/report-no/<n>``: redirect to the page of the report numbered n (``fts_rowid``)."""
    name, db = _archive_db(datasette)
    found = await _rows(db, "select id from reports where fts_rowid = ?",
                        [int(request.url_vars["report_no"])])
    if not found:
        raise NotFound("report not found")
    return Response.redirect(report_url(datasette, found[0]["id"]))


async def original_view(datasette, request, send):
    sha256 = request.url_vars["sha256"]
    raw_dir = _raw_dir(datasette)
    path = _object_path(raw_dir, sha256) if raw_dir else None
    if path is None:
        response = Response.text("original not archived here", status=404)
        await response.asgi_send(send)
        return
    name, db = _archive_db(datasette)
    document = await _rows(db, "select content_type, filename from documents where sha256 = ?",
                           [sha256])
    content_type, disposition = report_page.original_response_type(
        document[0]["content_type"] if document else None, sha256,
        document[0]["filename"] if document else None)
    await asgi_send_file(send, path, content_type=content_type, headers={
        "content-disposition": disposition,
        "content-security-policy": ORIGINAL_POLICY,
        "x-content-type-options": "nosniff",
    })


CHART_SQL = """select year, count(*) as reports, sum(applications_new) as applications,
  sum(denied) as denied, sum(total_handled) as handled
from reports where year is not null group by year order by year"""


async def charts_view(datasette, request):
    name, db = _archive_db(datasette)
    rows = await _rows(db, CHART_SQL)
    return Response.html(await datasette.render_template(
        "gongkai_charts.html",
        {"database": name, "charts": [
            bar_chart("本年新收申请数（按年度）/ new applications by year",
                      [(row["year"], row["applications"] or 0) for row in rows]),
            bar_chart("不予公开占办理总数的比例 % / share withheld, % of handled",
                      [(row["year"], round(100 * (row["denied"] or 0) / row["handled"], 1)
                        if row["handled"] else 0) for row in rows]),
            bar_chart("报告数（按年度）/ reports by year",
                      [(row["year"], row["reports"]) for row in rows]),
        ]},
        request=request,
    ))


def bar_chart(title: str, points: list[tuple[object, float]], width: int = 640,
              height: int = 240) -> dict:
    """A bar chart as SVG markup (escaped labels), with its data as a table."""
    top = max((value for _, value in points), default=0) or 1
    band = (width - 40) / max(len(points), 1)
    bars = []
    for i, (label, value) in enumerate(points):
        bar_height = (height - 50) * value / top
        x = 30 + i * band
        y = height - 30 - bar_height
        bars.append(
            f'<rect x="{x + band * 0.15:.1f}" y="{y:.1f}" width="{band * 0.7:.1f}" '
            f'height="{bar_height:.1f}" fill="#3b6ea5"><title>{escape(label)}: {escape(value)}</title></rect>'
            f'<text x="{x + band / 2:.1f}" y="{height - 12}" text-anchor="middle" '
            f'font-size="12">{escape(label)}</text>'
            f'<text x="{x + band / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" '
            f'font-size="11">{escape(value)}</text>')
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
           f'height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>'
           + "".join(bars) + "</svg>")
    return {"title": title, "svg": Markup(svg), "points": points}


@hookimpl
def register_routes():
    return [
        (r"^/-/report/(?P<report_id>[^/]+)$", report_view),
        (r"^/-/report-no/(?P<report_no>[0-9]{1,18})$", report_no_view),
        (r"^/-/original/(?P<sha256>[0-9a-f]{64})$", original_view),
        (r"^/-/charts$", charts_view),
    ]


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def with_headers(scope, receive, send):
            if scope["type"] != "http":
                await app(scope, receive, send)
                return

            async def send_with_headers(event):
                if event["type"] == "http.response.start":
                    headers = list(event.get("headers") or [])
                    present = {name.lower() for name, _ in headers}
                    for name, value in (
                        (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
                        (b"x-content-type-options", b"nosniff"),
                        (b"referrer-policy", b"no-referrer"),
                        (b"x-frame-options", b"DENY"),
                    ):
                        if name not in present:
                            headers.append((name, value))
                    event = {**event, "headers": headers}
                await send(event)

            await app(scope, receive, send_with_headers)
        return with_headers
    return wrap
