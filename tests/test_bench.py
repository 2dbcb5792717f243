"""Smoke test of the crawl benchmarks on a tiny setup: they run and return their ratio fields.
No timing is asserted (the figures are in docs/benchmarks.md)."""
from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from gongkai.bench import bench_crawl_polite, bench_crawl_throughput

pytestmark = pytest.mark.e2e


def test_bench_crawl_throughput_returns_the_ratio(tmp_path):
    r = bench_crawl_throughput(repeat=1, work=tmp_path)
    assert r["gongkai"]["pages"] > 0 and r["gongkai"]["fetches"] > 0
    assert r["bare_scrapy"]["pages"] == r["gongkai"]["pages"]     # the same URLs (+ robots.txt)
    assert r["ratio_gongkai_vs_bare"] > 0 and r["gongkai"]["pages_per_s"] > 0


def test_bench_crawl_polite_returns_the_ratio(tmp_path):
    r = bench_crawl_polite(portals=3, delay=0.05, pages=3, work=tmp_path)
    assert r["portals"] == 3 and r["fetches_logged"] == 3 * 3
    assert r["ideal_pages_per_s"] == pytest.approx(3 / 0.05)
    assert r["ratio_vs_ideal"] > 0


def test_speed_probe_samples_the_cpu_time_of_its_fixed_work_while_it_runs():
    import time

    from gongkai.bench_scale import SpeedProbe

    with SpeedProbe(every=0.05) as probe:
        time.sleep(0.5)
    assert len(probe.samples) >= 3 and all(ms > 0 for ms in probe.samples)
    assert min(probe.samples) <= probe.median_ms <= max(probe.samples)
    with SpeedProbe(every=60) as once:   # one sample at the start, however short the stage
        pass
    assert len(once.samples) == 1


def test_bench_scale_runs_every_stage_and_archives_the_truth(tmp_path):
    """`gongkai bench scale` on two tiny sizes: every stage timed, every generated report archived
    with its sampled cells exact, and a ratio per stage (its value is not asserted)."""
    from gongkai.bench_scale import STAGES, bench_scale, table

    r = bench_scale([30, 60], per_portal=10, work=tmp_path)
    assert [run["reports"] for run in r["runs"]] == [30, 60]
    for run in r["runs"]:
        assert set(run["stages"]) == set(STAGES)
        assert run["stages"]["crawl"]["result"]["reports_found"] == run["reports"]
        assert run["stages"]["load"]["result"]["reports"] == run["reports"]
        assert all(s["seconds"] > 0 and s["peak_rss_mb"] > 0 for s in run["stages"].values())
        truth = run["truth"]
        assert truth["missing"] == 0 and truth["reports_archived"] == run["reports"]
        assert truth["sampled_cells"] > 0 and truth["wrong_cells"] == 0
    assert set(r["ratios"][0]) >= {"crawl", "extract", "load", "total", "machine_slowdown", "speed_adjusted"}
    for stage in STAGES:   # the machine's speed was probed during every stage
        assert all(run["stages"][stage]["probe_ms"] > 0 for run in r["runs"])
        kernel = r["runs"][0]["stages"][stage]["kernel"]   # reclaim and disk I/O during the stage
        assert kernel["available_mb_at_start"] > 0 and all(kernel[k] >= 0 for k in ("pgscan_direct", "allocstall"))
        slowdown = r["ratios"][0]["machine_slowdown"][stage]
        assert r["ratios"][0]["speed_adjusted"][stage] == pytest.approx(r["ratios"][0][stage] / slowdown, rel=0.02)
    assert "| 60 | 6 | load |" in table(r) and "speed-adjusted" in table(r)
    assert not list(tmp_path.iterdir())     # each size's data removed unless --keep


def test_bench_load_copies_the_whole_load_input(tmp_path):
    """`gongkai bench load --copies K` loads DATA's records, fetch log and portals K times, each copy
    under its own report ids, URLs and portal ids, so K copies are K times the archive."""
    from gongkai import build
    from gongkai.bench_scale import bench_size
    from gongkai.cli import main as cli
    from gongkai.crawler.store import RawStore

    bench_size(30, 10, tmp_path)
    data = tmp_path / "size-30" / "data"
    ids = [record["sha256"] for record in build.iter_jsonl(build.reports_path(data))]
    assert len(ids) == 30
    db = tmp_path / "bench-load.db"
    result = CliRunner().invoke(cli, ["bench", "load", str(data), "--copies", "3", "--db", str(db)])
    assert result.exit_code == 0, result.output
    result = json.loads(result.output.splitlines()[-1])
    assert result["reports"] == 90 and result["phases"]["_insert_rows"] > 0
    conn = sqlite3.connect(db)
    try:
        counts = {table: conn.execute(f"select count(*) from {table}").fetchone()[0]
                  for table in ("reports", "fetches", "portals", "documents")}
        assert counts["reports"] == 90 and counts["portals"] == 9
        fetches = list(RawStore(str(data)).fetches())
        assert counts["fetches"] == 3 * len(fetches)
        assert counts["documents"] == 3 * len({f["sha256"] for f in fetches if f.get("sha256")})
        ids_in_db = [row[0] for row in conn.execute("select id from reports order by rowid")]
        assert ids_in_db[:30] == ids and len(set(ids_in_db)) == 90   # copy by copy, as written
        assert conn.execute("select count(*) from reports where sha256 not in (select sha256 from fetches)"
                            ).fetchone() == (0,)
    finally:
        conn.close()
