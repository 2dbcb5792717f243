"""`gongkai bench scale`: the whole pipeline over generated portals at growing sizes.

    gongkai bench scale --sizes 1000,10000,100000 [--reports-per-portal 100] [--work DIR]

For each size M, in a fresh data directory: `gongkai sample-portal --portals M/100 --reports M`
is started in its own process, then each stage runs in its own process, one after the other,
with politeness off (no delay, no AutoThrottle — local portals only):

- crawl: the Scrapy crawl of every portal into the raw archive (`build.crawl(polite=False)`:
  bodies stored content-addressed, the fetch log);
- extract: every report page's originals read into records (`build.extract_all`, 2 workers);
- load: records, fetch log and portals into the SQLite archive with its search index
  (`build.load_archive`).

Per stage: wall seconds, reports per second, CPU seconds (the stage's processes and their
children, user and system) and peak memory (the largest resident set among them, from `wait4`),
and the machine's speed while it ran (`SpeedProbe`: the CPU time of a fixed piece of work,
repeated every few seconds; on a shared virtual machine it drifts from run to run). Per size: the
archive DB's bytes per report, the raw archive's, and a check against the generator's truth
(every report archived; the cells of a sample of them equal to what the pages print). Between
consecutive sizes, each stage's time ratio (10× the reports should cost ≤ 10.5× the time), and
the same ratio divided by the probe's (the time ratio the stage would have had had the machine
been as fast during the larger size as during the smaller).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import statistics
import tempfile
import threading
import time
from pathlib import Path

STAGES = ("crawl", "extract", "load")
#: Every SAMPLE-th report of the truth has its cells compared with the archive's.
SAMPLE = 97

_STAGE_CODE = {
    "crawl": "from gongkai import build; import json, sys; "
             "s = build.crawl(sys.argv[1], sys.argv[2], polite=False, log_file=sys.argv[3]); "
             "print(json.dumps({'reports_found': sum(v.get('reports_found', 0) for v in s.values()), "
             "'stored': sum(v.get('stored', 0) for v in s.values()), "
             "'errors': sum(v.get('errors', 0) for v in s.values())}))",
    "extract": "from gongkai import build; import json, sys; print(json.dumps(build.extract_all(sys.argv[2])))",
    "load": "from gongkai import build; import json, sys; print(json.dumps(build.load_archive(sys.argv[2])))",
}


class SpeedProbe:
    """The machine's speed while a stage runs: a thread of the benchmark process repeats a fixed
    piece of work (`work`, `REPEAT` times: JSON, a regular expression and hashing over a
    report-sized text) every `every` seconds and records the CPU time it took (`time.thread_time`, so
    waiting for a core does not count, a slower core does). The median in ms is the stage's
    `probe_ms`; its ratio between two sizes is how much slower the machine was during the larger.
    It costs about 1 % of one core."""

    #: `work` calls per sample: ≈ 20 ms of one core.
    REPEAT = 40

    def __init__(self, every: float = 2.0):
        self.every = every
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        record = {"title": "示例县人民政府2023年政府信息公开工作年度报告",
                  "text": "本机关认真贯彻落实《中华人民共和国政府信息公开条例》，主动公开政府信息1234条。" * 300,
                  "cells": {f"t3.row{i}.col{j}": i * j for i in range(20) for j in range(10)}}
        self._text = json.dumps(record, ensure_ascii=False)

    def work(self) -> None:
        import hashlib

        record = json.loads(self._text)
        text = json.dumps(record, ensure_ascii=False)
        re.findall(r"[0-9]+条", text)
        hashlib.sha256(text.encode("utf-8")).hexdigest()

    def _run(self) -> None:
        while True:   # a sample at the start, then one every `every` seconds
            t0 = time.thread_time()
            for _ in range(self.REPEAT):
                self.work()
            self.samples.append((time.thread_time() - t0) * 1000)
            if self._stop.wait(self.every):
                return

    def __enter__(self) -> "SpeedProbe":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def median_ms(self) -> float | None:
        return round(statistics.median(self.samples), 3) if self.samples else None


def _run_stage(stage: str, portals_yaml: Path, data: Path, log: Path) -> dict:
    """Run one stage in a child process; wall time, its JSON result, CPU (user, system), peak
    RSS, and the machine's speed meanwhile (`SpeedProbe`)."""
    kernel = _kernel_counters()
    t0 = time.perf_counter()
    with SpeedProbe() as probe:
        proc = subprocess.Popen([sys.executable, "-c", _STAGE_CODE[stage], str(portals_yaml), str(data), str(log)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        out, err = proc.stdout.read(), proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{stage} failed (exit {proc.returncode}):\n{err.decode(errors='replace')[-3000:]}")
    return {"seconds": round(wall, 2), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
            "user_seconds": round(usage.ru_utime, 1), "system_seconds": round(usage.ru_stime, 1),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "probe_ms": probe.median_ms,
            "probe_samples": len(probe.samples),
            "kernel": _kernel_growth(kernel, _kernel_counters()),
            "result": json.loads(out.decode().strip().splitlines()[-1])}


#: Machine-wide counters of /proc/vmstat whose growth during a stage `_run_stage` reports: pages
#: the kernel's reclaim scanned in the background (kswapd) and in the allocating processes
#: themselves (direct, charged to their system time), how often an allocation stalled for it,
#: and KiB read from and written to disk.
_VMSTAT = ("pgscan_kswapd", "pgscan_direct", "allocstall", "pgpgin", "pgpgout")


def _kernel_counters() -> dict[str, int]:
    """`_VMSTAT` now (``allocstall`` summed over memory zones) and ``available_mb``, the memory
    the kernel could give without swapping (`/proc/meminfo`); empty where /proc is absent."""
    counters: dict[str, int] = {}
    try:
        for line in Path("/proc/vmstat").read_text().splitlines():
            name, value = line.split()
            name = "allocstall" if name.startswith("allocstall") else name
            if name in _VMSTAT:
                counters[name] = counters.get(name, 0) + int(value)
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                counters["available_mb"] = int(line.split()[1]) // 1024
    except OSError:
        return {}
    return counters


def _kernel_growth(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """How much each `_VMSTAT` counter grew, and the memory available at the start."""
    growth = {k: after[k] - before[k] for k in _VMSTAT if k in before and k in after}
    if "available_mb" in before:
        growth["available_mb_at_start"] = before["available_mb"]
    return growth


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _start_portals(portals: int, reports: int, portals_yaml: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "gongkai.cli", "sample-portal", "--port", "0",
                             "--portals", str(portals), "--reports", str(reports),
                             "--portals-out", str(portals_yaml)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        m = re.search(r"at (http://[\d.]+:\d+)/", line)
        if m:
            return proc, m.group(1)
    proc.wait(5)
    raise RuntimeError(f"the sample portals did not start (exit {proc.returncode})")


def check_truth(db_path: Path, portals: int, reports: int, base_url: str, sample: int = SAMPLE) -> dict:
    """Every generated report in the archive, and the cells of every `sample`-th one exact."""
    import sqlite3

    from gongkai.sample_portal.scale import ScaleNetwork

    net = ScaleNetwork(portals, reports, base_url)
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        archived = {(issuer, year): rid for rid, issuer, year in
                    con.execute("select id, issuer, year from reports")}
        missing = cells = wrong = sampled = 0
        for n, item in enumerate(net.truth()):
            rid = archived.get((item["issuer"], item["year"]))
            if rid is None:
                missing += 1
                continue
            if n % sample:
                continue
            sampled += 1
            got = dict(con.execute("select key, value from cells_labelled where report_id = ?",
                                   [rid]))
            for key, value in item["cells"].items():
                cells += 1
                wrong += got.get(key) != value
    finally:
        con.close()
    return {"reports_expected": reports, "reports_archived": len(archived), "missing": missing,
            "sampled_reports": sampled, "sampled_cells": cells, "wrong_cells": wrong}


def _dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def bench_size(reports: int, per_portal: int, work: Path) -> dict:
    portals = max(1, reports // per_portal)
    root = work / f"size-{reports}"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    portals_yaml, data = root / "portals.yaml", root / "data"
    server, base_url = _start_portals(portals, reports, portals_yaml)
    stages: dict[str, dict] = {}
    try:
        for stage in STAGES:
            stages[stage] = _run_stage(stage, portals_yaml, data, root / "crawl.log")
            stages[stage]["reports_per_s"] = round(reports / stages[stage]["seconds"], 1)
        server_cpu = _cpu_seconds(server.pid)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
    db = data / "gongkai.db"
    total = sum(s["seconds"] for s in stages.values())
    return {
        "reports": reports, "portals": portals,
        "stages": stages,
        "total_seconds": round(total, 1),
        "sample_portal_cpu_seconds": round(server_cpu, 1),
        "db_bytes_per_report": round(db.stat().st_size / reports),
        "raw_bytes_per_report": round(_dir_bytes(data / "raw") / reports),
        "truth": check_truth(db, portals, reports, base_url),
    }


def bench_scale(sizes: list[int], per_portal: int = 100, work: Path | None = None, keep: bool = False,
                progress=None) -> dict:
    """Run `bench_size` for each size (ascending) and the time ratios between consecutive sizes."""
    sizes = sorted(set(sizes))
    own = work is None
    work = Path(tempfile.mkdtemp(prefix="gongkai-scale-")) if own else Path(work)
    runs = []
    try:
        for size in sizes:
            runs.append(bench_size(size, per_portal, work))
            if progress:
                progress(runs[-1])
            if not keep:
                shutil.rmtree(work / f"size-{size}", ignore_errors=True)
    finally:
        if own and not keep:
            shutil.rmtree(work, ignore_errors=True)
    ratios = []
    for small, big in zip(runs, runs[1:]):
        factor = big["reports"] / small["reports"]
        ratios.append({"from": small["reports"], "to": big["reports"], "size_ratio": factor,
                       **{stage: round(big["stages"][stage]["seconds"] / small["stages"][stage]["seconds"], 2)
                          for stage in STAGES},
                       "total": round(big["total_seconds"] / small["total_seconds"], 2),
                       "machine_slowdown": {stage: _slowdown(small["stages"][stage], big["stages"][stage])
                                            for stage in STAGES},
                       "speed_adjusted": {stage: _adjusted(small["stages"][stage], big["stages"][stage])
                                          for stage in STAGES}})
    return {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
            "settings": "politeness off (DOWNLOAD_DELAY 0, AutoThrottle off, 32 requests in flight), "
                        "2 extraction workers, each stage in its own process, one after the other",
            "runs": runs, "ratios": ratios}


def _slowdown(small: dict, big: dict) -> float | None:
    """How much slower the machine was during the larger size's stage (`SpeedProbe` medians)."""
    if not small.get("probe_ms") or not big.get("probe_ms"):
        return None
    return round(big["probe_ms"] / small["probe_ms"], 3)


def _adjusted(small: dict, big: dict) -> float | None:
    """The stage's time ratio divided by the machine's slowdown between the two sizes."""
    slowdown = _slowdown(small, big)
    return None if slowdown is None else round(big["seconds"] / small["seconds"] / slowdown, 2)


def table(result: dict) -> str:
    """The figures as a Markdown table (what docs/scale.md quotes)."""
    lines = ["| reports | portals | stage | seconds | reports/s | CPU s (user + system) | peak RSS MB | probe ms |",
             "|---:|---:|---|---:|---:|---:|---:|---:|"]
    for run in result["runs"]:
        for stage in STAGES:
            s = run["stages"][stage]
            cpu = f"{s['cpu_seconds']} ({s['user_seconds']} + {s['system_seconds']})" if "user_seconds" in s \
                else s["cpu_seconds"]
            lines.append(f"| {run['reports']} | {run['portals']} | {stage} | {s['seconds']} | {s['reports_per_s']} "
                         f"| {cpu} | {s['peak_rss_mb']} | {s.get('probe_ms', '')} |")
        lines.append(f"| {run['reports']} | | **total** | **{run['total_seconds']}** | "
                     f"{round(run['reports'] / run['total_seconds'], 1)} | | | |")
    lines += ["", "| size ratio | " + " | ".join(STAGES) + " | total |", "|---|" + "---:|" * (len(STAGES) + 1)]
    for r in result["ratios"]:
        lines.append(f"| {r['from']} → {r['to']} | " + " | ".join(str(r[s]) for s in STAGES) + f" | {r['total']} |")
        if r.get("speed_adjusted"):
            lines.append(f"| machine slowdown (probe) | "
                         + " | ".join(str(r["machine_slowdown"][s]) for s in STAGES) + " | |")
            lines.append(f"| {r['from']} → {r['to']}, speed-adjusted | "
                         + " | ".join(str(r["speed_adjusted"][s]) for s in STAGES) + " | |")
    lines += ["", "| reports | DB bytes/report | raw bytes/report | archived | sampled cells wrong |",
              "|---:|---:|---:|---:|---:|"]
    for run in result["runs"]:
        t = run["truth"]
        lines.append(f"| {run['reports']} | {run['db_bytes_per_report']} | {run['raw_bytes_per_report']} | "
                     f"{t['reports_archived']}/{t['reports_expected']} | {t['wrong_cells']}/{t['sampled_cells']} |")
    return "\n".join(lines)


#: Loader functions `bench_load` times (inclusive: `_replace_reports` contains the row builders
#: and the inserts, `_load_documents_and_fetches` the fetch-log inserts).
LOAD_PHASES = ("_replace_reports", "_insert_rows", "_add_documents", "_upsert_portals", "_add_cell_keys",
               "_delete_children", "_load_documents_and_fetches", "_describe_documents_from_fetches",
               "report_row", "cell_rows", "check_rows")


def load_input_copies(data: Path, copies: int) -> dict:
    """DATA's whole load input (`build.load_input`: records, `build.load_references`)
    `copies` times: copy 0 as it is, copy c with every report id, sha256, URL and portal id
    renamed (``…:c``), so copy c is another set of portals of the same size and mix. Records
    come copy by copy, each in reports.jsonl's order, parsed from their JSON lines as they are
    consumed, as the load does."""
    import hashlib

    from gongkai import build

    source = build.reports_path(data)
    count = build._count_lines(source)
    if not count:
        raise ValueError(f"{source} holds no records (run `gongkai bench scale --keep` or `gongkai build` first)")

    def renamed(value, copy):
        return value if copy == 0 or not value else hashlib.sha256(f"{value}:{copy}".encode()).hexdigest()

    def url(value, copy):
        return value if copy == 0 or not value else f"{value}{'&' if '?' in value else '?'}copy={copy}"

    def portal(value, copy):
        return value if copy == 0 or not value else f"{value}:{copy}"

    def record(text, copy):
        r = json.loads(text)
        r.update({k: renamed(r.get(k), copy) for k in ("id", "sha256") if r.get(k)},
                 **{k: url(r.get(k), copy) for k in ("source_url", "page_url") if r.get(k)},
                 portal=portal(r.get("portal"), copy))
        return r

    def fetch(entry, copy):
        return {**entry, "sha256": renamed(entry.get("sha256"), copy), "portal": portal(entry.get("portal"), copy),
                **{k: url(entry.get(k), copy) for k in ("url", "requested_url", "referer")}}

    def records():
        for copy in range(copies):
            with source.open("rb") as fh:
                for raw in fh:
                    if raw.strip():
                        yield record(raw, copy)

    base = build.load_references(data)
    return {
        **base,
        "reports": records(),
        "expected": copies * count,
        "fetches": [fetch(f, c) for c in range(copies) for f in base["fetches"]],
        "portals": [{**p, "id": portal(p["id"], c)} for c in range(copies) for p in base["portals"]],
        "failures": [{**f, "sha256": renamed(f.get("sha256"), c), "source_url": url(f.get("source_url"), c)}
                     for c in range(copies) for f in base["failures"]],
    }


def bench_load(data: Path, copies: int, db: Path) -> dict:
    """The loader alone, phase by phase: DATA's load input (`load_input_copies`) `copies` times,
    bulk-loaded into a fresh `db` (removed first) with `archive.load.load`, as `build.load_archive`
    does. Run at 1 and 10 copies and compare per-report figures: a phase whose share grows with
    the size is what is not linear. Patches the loader's functions in this process (timing only)."""
    import resource
    from unittest import mock

    from sqlite_utils import Database

    from gongkai.archive import load as loader

    seconds: dict[str, float] = {}

    def timed(name, fn):
        def wrapper(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - t
        return wrapper

    execute = Database.execute

    def timed_execute(self, sql, *a, **k):
        name = ("index builds" if sql.lower().startswith(("create index", "create unique index"))
                else "other SQL")
        return timed(name, execute)(self, sql, *a, **k)

    t0 = time.perf_counter()
    load_input = load_input_copies(data, copies)
    input_seconds = time.perf_counter() - t0
    reports = load_input["expected"]
    patches = [mock.patch.object(loader, name, timed(name, getattr(loader, name))) for name in LOAD_PHASES]
    patches += [mock.patch.object(loader.search, "index_rows", timed("search index_rows", loader.search.index_rows)),
                mock.patch.object(Database, "execute", timed_execute)]
    db.unlink(missing_ok=True)
    for patch in patches:
        patch.start()
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        stats = loader.load(db, **load_input)
        wall = time.perf_counter() - t0
        cpu = time.process_time() - c0
    finally:
        for patch in reversed(patches):
            patch.stop()
    return {
        "reports": reports, "copies": copies, "bulk": stats["bulk"],
        "fetches": stats["fetches"], "portals": stats["portals"],
        "seconds": round(wall, 1), "cpu_seconds": round(cpu, 1),
        "input_seconds": round(input_seconds, 1),   # reading DATA before the load (not in seconds)
        "ms_per_report": round(1000 * wall / reports, 2),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "db_bytes_per_report": round(db.stat().st_size / reports),
        "phases": {k: round(v, 1) for k, v in sorted(seconds.items(), key=lambda kv: -kv[1])},
    }
