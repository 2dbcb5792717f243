"""Benchmarks, measured as ratios against a baseline run in the same process and moment.

    gongkai bench extract [--docs DIR] [--repeat N]
    gongkai bench crawl [--portals N] [--delay S] [--pages P] [--repeat R] [--site sample|network]

HTML: documents per second of gongkai's extract against trafilatura.extract alone on the same
pages (the ratio is what the project's target refers to: extract ≤ 1.5× trafilatura's cost).
PDF: pages per second of gongkai's extract.
Crawl: see the section below and docs/benchmarks.md (throughput against a bare `scrapy runspider`
of the same URLs; politeness-bound pages/s of N local portals against the ideal N / delay).
"""
from __future__ import annotations

import time
from pathlib import Path


def _time(fn, items, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for it in items:
            fn(it)
        best = min(best, time.perf_counter() - t0)
    return best


def html_documents(docs_dir: Path | None) -> list[bytes]:
    if docs_dir is not None:
        return [p.read_bytes() for p in sorted(docs_dir.rglob("*.htm*"))]
    from gongkai.sample_portal import build_site

    site = build_site("http://127.0.0.1:9")
    return [site.resources[t["document_url"].split("127.0.0.1:9", 1)[1]].body
            for t in site.truth if t["kind"] == "report" and t["format"] == "html"]


def pdf_documents(docs_dir: Path | None) -> list[bytes]:
    if docs_dir is not None:
        return [p.read_bytes() for p in sorted(docs_dir.rglob("*.pdf"))]
    from gongkai.sample_portal import build_site

    site = build_site("http://127.0.0.1:9")
    return [site.resources[t["document_url"].split("127.0.0.1:9", 1)[1]].body
            for t in site.truth if t["kind"] == "report" and t["format"] == "pdf"]


def bench_extract(docs_dir: Path | None = None, repeat: int = 3) -> dict:
    import io

    import pdfplumber
    import trafilatura

    from gongkai.pipelines.extract import extract_bytes

    out: dict = {}
    html = html_documents(docs_dir)
    if html:
        texts = [h.decode("utf-8", "replace") for h in html]
        extract_bytes(html[0])  # warm imports
        trafilatura.extract(texts[0])
        ours = _time(lambda b: extract_bytes(b), html, repeat)
        base = _time(lambda t: trafilatura.extract(t), texts, repeat)
        out["html"] = {
            "documents": len(html),
            "extract_docs_per_s": len(html) / ours,
            "trafilatura_docs_per_s": len(html) / base,
            "cost_ratio_vs_trafilatura": ours / base,
        }
    pdfs = pdf_documents(docs_dir)
    if pdfs:
        pages = sum(len(pdfplumber.open(io.BytesIO(b)).pages) for b in pdfs)
        ours = _time(lambda b: extract_bytes(b), pdfs, max(1, repeat - 1))
        out["pdf"] = {"documents": len(pdfs), "pages": pages, "pages_per_s": pages / ours}
    return out


# ------------------------------------------------------------------------------------ crawl
#
#   gongkai bench crawl [--portals N] [--delay S] [--pages P] [--repeat R]
#
# 1. Throughput: gongkai's spider (`scrapy crawl portal` with gongkai's settings module, as
#    crawler/README.md documents, politeness off: DOWNLOAD_DELAY 0, AutoThrottle off) against a
#    bare `scrapy runspider` script fetching exactly the URLs of gongkai's fetch log of the same
#    run, with the same concurrency/robots/retry/reactor settings, storing nothing; both against
#    the bundled sample portal. Pages/s = downloader responses / the spider's elapsed time, both
#    read from Scrapy's own end-of-crawl stats dump.
# 2. Politeness: N small portals, each served on its own 127.0.0.x address (a separate Scrapy
#    download slot), crawled with the default polite settings and DOWNLOAD_DELAY = S; pages/s
#    against the ideal N / S.

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from contextlib import ExitStack
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_STAT = re.compile(r"'(elapsed_time_seconds|downloader/response_count|downloader/request_count|"
                   r"item_scraped_count|finish_reason|response_received_count)': ([^,\n}]+)")
# The settings the bare spider shares with gongkai's (from gongkai.crawler.settings).
_SHARED = ("CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "ROBOTSTXT_OBEY", "DOWNLOAD_TIMEOUT",
           "DOWNLOAD_MAXSIZE", "DOWNLOAD_WARNSIZE", "RETRY_ENABLED", "RETRY_TIMES", "RETRY_HTTP_CODES",
           "COOKIES_ENABLED", "REDIRECT_MAX_TIMES", "TWISTED_REACTOR", "TELNETCONSOLE_ENABLED",
           "REMOTE_CONTROL_ENABLED", "USER_AGENT", "DEFAULT_REQUEST_HEADERS")
_UNTHROTTLED = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False}

_BARE_SPIDER = '''"""Bare Scrapy spider for `gongkai bench crawl`: fetch a fixed URL list, store nothing."""
import json

import scrapy

URLS = json.load(open({urls!r}, encoding="utf-8"))


class BareSpider(scrapy.Spider):
    name = "bare"
    custom_settings = {settings!r}

    async def start(self):
        for url in URLS:
            yield scrapy.Request(url, callback=self.parse, dont_filter=True,
                                 meta={{"handle_httpstatus_all": True}})

    def parse(self, response):
        pass
'''


def _scrapy_stats(log_path: Path) -> dict:
    """The end-of-crawl stats Scrapy dumps into its log (the last dump)."""
    text = log_path.read_text(encoding="utf-8", errors="replace")
    dump = text.rsplit("Dumping Scrapy stats", 1)[-1]
    out: dict = {}
    for key, value in _STAT.findall(dump):
        value = value.strip().strip("'\"")
        try:
            out[key] = float(value) if "." in value else int(value)
        except ValueError:
            out[key] = value
    if "elapsed_time_seconds" not in out:
        raise RuntimeError(f"no Scrapy stats in {log_path}:\n" + "\n".join(text.splitlines()[-20:]))
    return out


def _run_scrapy(args: list[str], cwd: Path, log: Path, env: dict[str, str], timeout: float) -> dict:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "scrapy", *args, "-s", f"LOG_FILE={log}", "-s", "LOG_LEVEL=INFO"],
                   cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=timeout, check=False)
    stats = _scrapy_stats(log)
    stats["wall_seconds"] = time.perf_counter() - t0
    stats["pages"] = int(stats.get("downloader/response_count", 0))
    stats["pages_per_s"] = stats["pages"] / stats["elapsed_time_seconds"] if stats["elapsed_time_seconds"] else 0.0
    return stats


def _env(project: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRAPY_")}
    if project:
        env["SCRAPY_SETTINGS_MODULE"] = "gongkai.crawler.settings"
    return env


def _settings_args(settings: dict) -> list[str]:
    args: list[str] = []
    for k, v in settings.items():
        args += ["-s", f"{k}={json.dumps(v) if isinstance(v, (list, dict)) else v}"]
    return args


def gongkai_scrapy_crawl(portals_yaml: Path, data_dir: Path, settings: dict, work: Path,
                         timeout: float = 600) -> dict:
    """gongkai's spider via `scrapy crawl portal` (gongkai.crawler.settings plus `settings`);
    Scrapy's end-of-crawl stats plus `wall_seconds`, `pages`, `pages_per_s`, `fetches`."""
    log = work / f"gongkai-{datetime.now():%H%M%S%f}.log"
    stats = _run_scrapy(["crawl", "portal", "-a", f"portals={portals_yaml}", "-a", f"data={data_dir}",
                         *_settings_args(settings)], work, log, _env(project=True), timeout)
    from gongkai.crawler.store import RawStore

    stats["fetches"] = sum(1 for _ in RawStore(data_dir).fetches())
    return stats


def bare_scrapy_crawl(urls: list[str], settings: dict, work: Path, timeout: float = 600) -> dict:
    """A minimal spider written to a temporary file and run with `scrapy runspider`: fetches
    `urls` (duplicates kept), parses nothing, stores nothing."""
    tag = f"{datetime.now():%H%M%S%f}"
    urls_file = work / f"bare-urls-{tag}.json"
    urls_file.write_text(json.dumps(urls), encoding="utf-8")
    script = work / f"bare_spider_{tag}.py"
    script.write_text(_BARE_SPIDER.format(urls=str(urls_file), settings=settings), encoding="utf-8")
    return _run_scrapy(["runspider", str(script)], work, work / f"bare-{tag}.log", _env(project=False), timeout)


def _gongkai_setting_values(names) -> dict:
    from scrapy.settings import Settings

    s = Settings()
    s.setmodule("gongkai.crawler.settings", priority="project")
    return {k: (s.getlist(k) if k == "RETRY_HTTP_CODES" else
                dict(s.getdict(k)) if k == "DEFAULT_REQUEST_HEADERS" else s.get(k)) for k in names}


def bench_crawl_throughput(repeat: int = 3, work: Path | None = None, site: str = "sample") -> dict:
    """gongkai's unthrottled crawl of a local site against a bare `scrapy runspider` of the same
    URLs; the best of `repeat` runs of each (alternated, each gongkai run on a fresh archive).
    `site`: "sample" (the bundled sample portal, one host) or "network" (the five-family network,
    one loopback address per family)."""
    from gongkai.sample_portal import start
    from gongkai.sample_portal.network import start_network

    if site not in ("sample", "network"):
        raise ValueError(f"site must be 'sample' or 'network', not {site!r}")

    with ExitStack() as stack:
        if work is None:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gongkai-bench-")))
        work.mkdir(parents=True, exist_ok=True)
        if site == "sample":
            portal = stack.enter_context(start())
            yaml_text, where = portal.site.portals_yaml(), f"sample portal ({portal.base_url})"
        else:
            net = stack.enter_context(start_network())
            yaml_text, where = net.portals_yaml(), f"sample network, 5 portals on {', '.join(net.hosts)}"
        portals_yaml = work / "portals.yaml"
        portals_yaml.write_text(yaml_text, encoding="utf-8")
        bare_settings = {**_gongkai_setting_values(_SHARED), **_UNTHROTTLED}
        ours, bare = [], []
        for k in range(max(1, repeat)):
            data = work / f"data-{k}"
            ours.append(gongkai_scrapy_crawl(portals_yaml, data, _UNTHROTTLED, work))
            from gongkai.crawler.store import RawStore

            urls = [f.get("requested_url") or f["url"] for f in RawStore(data).fetches()]
            bare.append(bare_scrapy_crawl(urls, bare_settings, work))
    o = max(ours, key=lambda s: s["pages_per_s"])
    b = max(bare, key=lambda s: s["pages_per_s"])
    keep = ("pages", "fetches", "elapsed_time_seconds", "wall_seconds", "pages_per_s")
    return {
        "site": f"{where}, {len(urls)} URLs",
        "settings": "DOWNLOAD_DELAY 0, AutoThrottle off, CONCURRENT_REQUESTS "
                    f"{bare_settings['CONCURRENT_REQUESTS']}, per domain {bare_settings['CONCURRENT_REQUESTS_PER_DOMAIN']}",
        "runs": len(ours),
        "gongkai": {k: round(v, 3) if isinstance(v, float) else v for k, v in o.items() if k in keep},
        "bare_scrapy": {k: round(v, 3) if isinstance(v, float) else v for k, v in b.items() if k in keep},
        "ratio_gongkai_vs_bare": round(o["pages_per_s"] / b["pages_per_s"], 3),
        "ratio_gongkai_vs_bare_wall": round(b["wall_seconds"] / o["wall_seconds"], 3),
    }


# ---- politeness: many small portals, one loopback address each

_TITLE_PLACES = "东西南北中"


class _TinySite:
    """A small TRS-style column: index.html (one list page, `pages - 1` report links) and its
    report pages, for one portal at `base`."""

    def __init__(self, n: int, pages: int):
        from gongkai.sample_portal import render_html

        place = f"示例{n}区"
        self.pages: dict[str, bytes] = {"/robots.txt": b"User-agent: *\nAllow: /\n"}
        entries = []
        for k in range(max(1, pages - 1)):
            year = 2015 + k
            title = f"{place}人民政府{year}年政府信息公开工作年度报告"
            href = f"./{year + 1}01/t{year + 1}0115_{100000 + k}.html"
            entries.append(render_html.ListEntry(title, href, datetime(year + 1, 1, 15)))
            body = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="ArticleTitle" content="{title}">'
                    f"<title>{title}</title></head><body><h1>{title}</h1><div class=\"TRS_Editor\">"
                    + "".join(f"<p>本报告由{place}人民政府办公室编制，第{i}段，介绍{year}年政府信息公开工作情况。</p>"
                              for i in range(20)) + "</div></body></html>")
            self.pages[f"/zwgk/ndbg/{href[2:]}"] = body.encode("utf-8")
        self.pages["/zwgk/ndbg/index.html"] = render_html.list_page(entries, 0, 1).encode("utf-8")


class _TinyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # noqa: A002
        pass

    def do_GET(self):  # noqa: N802
        body = self.server.site.pages.get(self.path.split("?", 1)[0])  # type: ignore[attr-defined]
        status = 200 if body is not None else 404
        body = body if body is not None else b"<html><body><h1>404 Not Found</h1></body></html>"
        self.send_response(status)
        self.send_header("Content-Type", "text/plain" if self.path == "/robots.txt" else "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _TinyServer(ThreadingHTTPServer):
    daemon_threads = True


def bench_crawl_polite(portals: int = 50, delay: float = 0.5, pages: int = 10,
                       work: Path | None = None, timeout: float = 300, settings: dict | None = None) -> dict:
    """`portals` tiny portals, each on its own loopback address, crawled with gongkai's polite
    defaults (AutoThrottle target 1, 2 per domain) and DOWNLOAD_DELAY `delay`: pages/s against the
    ideal `portals / delay`. `settings`: further Scrapy settings (to see what bounds it)."""
    from gongkai.sample_portal.network import loopback_hosts

    hosts = loopback_hosts(portals)
    servers: list[_TinyServer] = []
    with ExitStack() as stack:
        if work is None:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gongkai-bench-")))
        work.mkdir(parents=True, exist_ok=True)
        entries = []
        try:
            for n, host in enumerate(hosts):
                server = _TinyServer((host, 0), _TinyHandler)
                server.site = _TinySite(n, pages)  # type: ignore[attr-defined]
                servers.append(server)
                threading.Thread(target=server.serve_forever, daemon=True).start()
                entries.append({"id": f"bench-{n:03d}", "name": f"示例{n}区人民政府",
                                "url": f"http://{host}:{server.server_address[1]}/zwgk/ndbg/index.html",
                                "level": "county"})
            import yaml

            portals_yaml = work / "portals.yaml"
            portals_yaml.write_text(yaml.safe_dump({"portals": entries}, allow_unicode=True), encoding="utf-8")
            polite = {"DOWNLOAD_DELAY": delay, "AUTOTHROTTLE_START_DELAY": delay,  # = crawl(delay=…)
                      **(settings or {})}
            stats = gongkai_scrapy_crawl(portals_yaml, work / "data", polite, work, timeout=timeout)
        finally:
            for server in servers:
                server.shutdown()
                server.server_close()
    ideal = portals / delay
    return {
        "portals": portals,
        "distinct_hosts": len(set(hosts)),
        "pages_per_portal": pages + 1,   # + robots.txt
        "download_delay": delay,
        "settings": "gongkai defaults: AutoThrottle target 1, 2 per domain, 16 in all, randomized delay"
                    + "".join(f", {k}={v}" for k, v in (settings or {}).items()),
        "pages": stats["pages"],
        "fetches_logged": stats["fetches"],
        "elapsed_time_seconds": round(stats["elapsed_time_seconds"], 3),
        "pages_per_s": round(stats["pages_per_s"], 3),
        "ideal_pages_per_s": round(ideal, 3),
        "ratio_vs_ideal": round(stats["pages_per_s"] / ideal, 3),
    }


def bench_crawl(portals: int = 50, delay: float = 0.5, pages: int = 10, repeat: int = 3,
                site: str = "sample") -> dict:
    """Both crawl benchmarks: {"throughput": …, "politeness": …}."""
    return {"throughput": bench_crawl_throughput(repeat=repeat, site=site),
            "politeness": bench_crawl_polite(portals=portals, delay=delay, pages=pages)}
