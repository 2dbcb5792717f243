"""Run a crawl. `crawl()` is what the CLI and Dagster call: it starts Scrapy in a subprocess
(a Twisted reactor starts once per process, so never in-process) and returns the per-portal
stats of that run from DATA/raw/crawl-runs.jsonl.

    python -m gongkai.crawler.run --portals portals.yaml --data DATA [--delay 0.1] [--only id,…] [--full]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path

from .portals import load_portals
from .store import RawStore


class CrawlError(RuntimeError):
    """The crawl subprocess failed (the message ends with the tail of its log)."""


def crawl(portals_path: str | os.PathLike, data_dir: str | os.PathLike, *, delay: float | None = None,
          log_file: str | os.PathLike | None = None, only: Sequence[str] | None = None,
          conditional: bool = True, timeout: float | None = None, polite: bool = True) -> dict[str, dict]:
    """Crawl every portal of `portals_path` (or the ids in `only`) into `data_dir`.

    `delay` overrides the polite default delay between requests to one site (seconds; use a
    small one for a local portal); `polite=False` applies `UNTHROTTLED` (for local benchmarks
    only: never against a real portal). With `conditional` (the default), URLs already archived are
    asked for with their ETag/Last-Modified and a 304 is logged `not_modified`; without it,
    everything is downloaded again. The subprocess's output goes to `log_file` (appended) or to a
    temporary file that is kept only when the crawl fails. Returns portal id → that portal's
    crawl-run line (counts, start/end time, warnings). Raises `PortalConfigError` for a bad
    portals file and `CrawlError` if the subprocess fails or times out.
    """
    load_portals(portals_path)  # fail here, with the config error, not in a subprocess log
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    run_id = uuid.uuid4().hex
    cmd = [sys.executable, "-m", "gongkai.crawler.run", "--portals", str(portals_path),
           "--data", str(data_dir), "--run-id", run_id]
    if delay is not None:
        cmd += ["--delay", repr(float(delay))]
    if only:
        cmd += ["--only", ",".join(only)]
    if not conditional:
        cmd += ["--full"]
    if not polite:
        cmd += ["--no-politeness"]

    if log_file is not None:
        log_path, keep_log = Path(log_file), True
        log_path.parent.mkdir(parents=True, exist_ok=True)
    else:
        fd, name = tempfile.mkstemp(prefix="gongkai-crawl-", suffix=".log")
        os.close(fd)
        log_path, keep_log = Path(name), False
    failed = True
    try:
        with open(log_path, "ab") as log:
            try:
                proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                      timeout=timeout, check=False)
            except subprocess.TimeoutExpired as e:
                raise CrawlError(f"crawl timed out after {timeout} s; log: {log_path}\n{_tail(log_path)}") from e
        if proc.returncode != 0:
            raise CrawlError(f"crawl subprocess exited with status {proc.returncode}; "
                             f"log: {log_path}\n{_tail(log_path)}")
        runs = {r["portal"]: r for r in RawStore(data_dir).runs() if r.get("run_id") == run_id}
        if not runs:
            raise CrawlError(f"crawl wrote no crawl-run record; log: {log_path}\n{_tail(log_path)}")
        failed = False
        return runs
    finally:
        if not keep_log and not failed:
            log_path.unlink(missing_ok=True)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


# Politeness off, for crawling our own local sample portals as fast as they answer (benchmarks):
# no delay, no AutoThrottle, many requests in flight to the one local host.
UNTHROTTLED = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS": 32,
               "CONCURRENT_REQUESTS_PER_DOMAIN": 32}


def crawler_settings(delay: float | None = None, conditional: bool = True, polite: bool = True):
    """The crawler's Scrapy settings, with `delay` (seconds) as the download delay if given and
    `UNTHROTTLED` applied when not `polite`."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("gongkai.crawler.settings", priority="project")
    settings.set("GONGKAI_CONDITIONAL_REQUESTS", conditional, priority="cmdline")
    if delay is not None:
        settings.set("DOWNLOAD_DELAY", delay, priority="cmdline")
        settings.set("AUTOTHROTTLE_START_DELAY", delay, priority="cmdline")
    if not polite:
        settings.setdict(UNTHROTTLED, priority="cmdline")
    return settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gongkai.crawler.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--portals", required=True, help="portals YAML file")
    parser.add_argument("--data", required=True, help="data directory (DATA/raw is written)")
    parser.add_argument("--run-id", help="id written on this run's crawl-run lines (default: random)")
    parser.add_argument("--delay", type=float, help="seconds between requests to one site")
    parser.add_argument("--only", help="comma-separated portal ids to crawl (default: all)")
    parser.add_argument("--full", action="store_true",
                        help="download everything again (no If-None-Match / If-Modified-Since)")
    parser.add_argument("--no-politeness", action="store_true",
                        help="no delay, no AutoThrottle, 32 requests in flight per site: local benchmarks only")
    args = parser.parse_args(argv)

    from scrapy.crawler import CrawlerProcess

    from .spiders.portal import PortalSpider

    process = CrawlerProcess(crawler_settings(args.delay, conditional=not args.full, polite=not args.no_politeness))
    crawler = process.create_crawler(PortalSpider)
    process.crawl(crawler, portals=args.portals, data=args.data, run_id=args.run_id, only=args.only)
    process.start()
    if process.bootstrap_failed:
        return 1
    reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
    return 0 if reason == "finished" else 2


if __name__ == "__main__":
    sys.exit(main())
