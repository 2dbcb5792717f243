"""Crawl health, per portal per run, and a checker for portals YAML files.

    from gongkai.crawler.health import crawl_health, check_portals
    for row in crawl_health("DATA"): row["portal"], row["flags"]
    problems = check_portals("portals.yaml")        # [] when the file is fine

`crawl_health` reads `raw/crawl-runs.jsonl` and the fetch log. Each row: `run_id`, `portal`,
`finished_at`, `finish_reason`, `pages_fetched`, `reports_found`, `new` (URLs stored for the
first time), `new_reports`, `changed`, `gone` (stored URLs now 404/410), `errors`, `blocked`,
`last_new_report` (when a report page of this portal was last stored for the first time) and
`flags`:

- `zero_reports`: the run found no report page at all (a redesigned site, a wrong URL, a block);
- `all_blocked`: every answer was a block (WAF) and nothing was received;
- `errors`: more errors than pages received;
- `no_new_report_days:N`: the run fell in publication season (January–April, when reports for the
  previous year come out; the deadline is 31 January, later for some bodies) and no new report
  page has appeared for N days or more, counted from 1 January at the earliest.
"""
from __future__ import annotations

import os
from datetime import date, datetime
from typing import Any

import yaml

from .portals import PortalConfigError, parse_portals
from .store import RawStore

SEASON_MONTHS = (1, 2, 3, 4)
DEFAULT_STALE_DAYS = 30


def _day(stamp: str | None) -> date | None:
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def first_report_dates(store: RawStore) -> dict[str, list[tuple[str, str]]]:
    """Portal id → [(fetched_at, url)] of each report page's first stored fetch, oldest first."""
    seen: set[str] = set()
    out: dict[str, list[tuple[str, str]]] = {}
    for f in store.fetches():
        url = f.get("url")
        if (f.get("role") == "detail" and f.get("is_report") and f.get("outcome") == "stored"
                and url and url not in seen):
            seen.add(url)
            out.setdefault(f.get("portal") or "", []).append((f.get("fetched_at") or "", url))
    return out


def health_flags(run: dict, last_new_report: str | None, *, stale_days: int = DEFAULT_STALE_DAYS) -> list[str]:
    """The flags of one crawl-run line (see the module docstring)."""
    flags = []
    received = run.get("pages_fetched", 0) + run.get("attachments", 0)
    if not run.get("reports_found"):
        flags.append("zero_reports")
    if run.get("blocked") and not received:
        flags.append("all_blocked")
    if run.get("errors", 0) > max(received, 0):
        flags.append("errors")
    day = _day(run.get("finished_at"))
    if day is not None and day.month in SEASON_MONTHS:
        since = max(filter(None, [_day(last_new_report), date(day.year, 1, 1)]))
        idle = (day - since).days
        if idle >= stale_days:
            flags.append(f"no_new_report_days:{idle}")
    return flags


def crawl_health(data_dir: str | os.PathLike, *, stale_days: int = DEFAULT_STALE_DAYS,
                 latest_only: bool = False) -> list[dict[str, Any]]:
    """One health row per portal per crawl run, oldest first (`latest_only`: each portal's last)."""
    store = RawStore(data_dir)
    reports = first_report_dates(store)
    rows = []
    for run in store.runs():
        portal = run.get("portal")
        finished = run.get("finished_at") or ""
        earlier = [at for at, _ in reports.get(portal, []) if at <= finished]
        last_new = max(earlier) if earlier else None
        rows.append({
            "run_id": run.get("run_id"),
            "portal": portal,
            "finished_at": run.get("finished_at"),
            "finish_reason": run.get("finish_reason"),
            "pages_fetched": run.get("pages_fetched", 0),
            "reports_found": run.get("reports_found", 0),
            "new": run.get("new", 0),
            "new_reports": run.get("new_reports", 0),
            "changed": run.get("changed", 0),
            "gone": run.get("removed", 0),
            "errors": run.get("errors", 0),
            "blocked": run.get("blocked", 0),
            "last_new_report": last_new,
            "flags": health_flags(run, last_new, stale_days=stale_days),
        })
    if latest_only:
        rows = list({r["portal"]: r for r in rows}.values())
    return rows


def check_portals(path: str | os.PathLike) -> list[str]:
    """Every problem of a portals YAML file, one message per problem (entry and field named);
    an empty list when the file is valid. Unlike `load_portals`, it does not stop at the first."""
    from pathlib import Path

    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        return [f"{path}: cannot read portals file: {e.strerror or e}"]
    except UnicodeDecodeError as e:
        return [f"{path}: portals file is not UTF-8: {e}"]
    except yaml.YAMLError as e:
        return [f"{path}: not valid YAML: {e}"]
    if not isinstance(doc, dict) or not isinstance(doc.get("portals"), list) or not doc["portals"]:
        try:
            parse_portals(doc, source=str(path))
        except PortalConfigError as e:
            return [str(e)]
    problems: list[str] = []
    ids: dict[str, int] = {}
    urls: dict[str, int] = {}
    for index, entry in enumerate(doc["portals"], start=1):
        try:
            [portal] = parse_portals({"portals": [entry]}, source=str(path))
        except PortalConfigError as e:
            problems.append(str(e).replace("portal #1", f"portal #{index}", 1))
            continue
        if portal.id in ids:
            problems.append(f"{path}: portal #{index} ({portal.id}): field 'id': duplicate of portal #{ids[portal.id]}")
        ids.setdefault(portal.id, index)
        for url in portal.urls:
            if url in urls:
                problems.append(f"{path}: portal #{index} ({portal.id}): field 'url': {url} is also "
                                f"the column of portal #{urls[url]}")
            urls.setdefault(url, index)
    return problems
