"""Smoke test of the crawl benchmarks on a tiny setup: they run and return their ratio fields.
No timing is asserted (the figures are in docs/benchmarks.md)."""
from __future__ import annotations

import pytest

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
