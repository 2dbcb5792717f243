"""Where a bulk load's time goes, at a size you choose, without crawling or extracting again.

    .venv/bin/gongkai bench scale --sizes 10000 --keep --work /tmp/scale
    .venv/bin/python scripts/bench_load.py /tmp/scale/size-10000/data --reports 100000 --order id

It takes the records of a data directory (DATA/records/reports.jsonl), repeats them under new
report ids (the sha256 of their number) until there are --reports of them, and bulk-loads them
into a fresh database (--db, removed first) with `archive.load.load`, as `gongkai build` does.
It prints one JSON line: wall and CPU seconds, ms per report, peak RSS, and the seconds spent in
each phase of the loader (row building, the `executemany` inserts, the search index, the index
builds, the FTS `optimize`). --order id feeds the records in report-id order, as reports.jsonl
is written; --order log in the order they were generated (random ids).

Run it at two sizes one after the other on a quiet machine and compare per-report figures: a
phase whose share grows with the size is what is not linear. docs/scale.md quotes it.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import resource
import sys
import time
from pathlib import Path

from sqlite_utils import Database

from gongkai import build
from gongkai.archive import load as loader

#: Loader functions timed (inclusive: `_replace_reports` contains the row builders and inserts).
TIMED = ("_replace_reports", "_insert_rows", "_add_documents", "_upsert_portals", "_cell_labels_for",
         "_delete_children", "report_row", "cell_rows", "check_rows")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="a data directory with records/reports.jsonl")
    parser.add_argument("--reports", type=int, required=True, help="how many reports to load")
    parser.add_argument("--order", choices=("id", "log"), default="id")
    parser.add_argument("--db", type=Path, default=Path("bench-load.db"), help="the database written")
    args = parser.parse_args(argv)

    source = build.reports_path(args.data)
    if not source.exists():
        parser.error(f"{source} does not exist (run `gongkai bench scale --keep` or `gongkai build` first)")
    base = list(build.iter_jsonl(source))
    if not base:
        parser.error(f"{source} holds no records")
    order = [(hashlib.sha256(str(i).encode()).hexdigest(), i) for i in range(args.reports)]
    if args.order == "id":
        order.sort()

    def records():
        for sha, i in order:
            record = dict(base[i % len(base)])
            record.update(sha256=sha, id=sha, title=f"{record.get('title')} {i}")
            yield record

    seconds: dict[str, float] = {}

    def timed(name, fn):
        def wrapper(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - t
        return wrapper

    for name in TIMED:
        setattr(loader, name, timed(name, getattr(loader, name)))
    loader.search.index_rows = timed("search index_rows", loader.search.index_rows)
    execute = Database.execute

    def timed_execute(self, sql, *a, **k):
        name = ("index builds" if sql.lower().startswith(("create index", "create unique index"))
                else "search optimize" if "'optimize'" in sql else "other SQL")
        return timed(name, execute)(self, sql, *a, **k)

    Database.execute = timed_execute
    args.db.unlink(missing_ok=True)
    t0, c0 = time.perf_counter(), time.process_time()
    stats = loader.load(args.db, reports=records(), fetches=[], portals=[], failures=[],
                        cell_labels=build.cell_labels(), expected=args.reports)
    wall = time.perf_counter() - t0
    print(json.dumps({
        "reports": args.reports, "order": args.order, "bulk": stats["bulk"],
        "seconds": round(wall, 1), "cpu_seconds": round(time.process_time() - c0, 1),
        "ms_per_report": round(1000 * wall / args.reports, 2),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "db_bytes_per_report": round(args.db.stat().st_size / args.reports),
        "phases": {k: round(v, 1) for k, v in sorted(seconds.items(), key=lambda kv: -kv[1])},
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
