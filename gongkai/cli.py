"""The `gongkai` command: a thin layer over `gongkai.build` and the stage packages."""
from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import click

from gongkai import build

DATA_HELP = "Data directory (raw/, records/, gongkai.db, published/)."


def _data_option(**kw):
    kw.setdefault("required", True)
    return click.option("--data", "data", type=click.Path(file_okay=False, path_type=Path),
                        help=DATA_HELP, **kw)


def _portals_option():
    return click.option("--portals", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                        required=True, help="Portals YAML file (see README: adding a portal).")


def _echo_stats(stage: str, stats: dict) -> None:
    shown = build.flat_stats(stats)
    click.echo(f"{stage}: " + ", ".join(f"{k}={v}" for k, v in shown.items()), err=True)


def _dumps(obj, pretty: bool) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2 if pretty else None, default=str)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gongkai")
def main():
    """gongkai: crawl, extract, archive and publish China's government information-disclosure
    annual reports (政府信息公开工作年度报告).

    \b
    Example, the whole flow on a built-in sample portal:
        gongkai demo
    """


@main.command("sample-portal")
@click.option("--port", type=int, default=8765, show_default=True, help="Port to listen on (0: any free port).")
@click.option("--portals-out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a portals YAML for the served portal(s) here.")
@click.option("--portals", "n_portals", type=click.IntRange(min=1, max=27900), default=None,
              help="Serve this many generated portals (all the CMS families) instead of the one sample portal.")
@click.option("--reports", "n_reports", type=click.IntRange(min=1), default=None,
              help="With --portals: the reports they hold in total (default: 100 per portal).")
@click.option("--truth-out", type=click.Path(dir_okay=False, path_type=Path),
              help="With --portals: write every report's location and numbers here (JSON lines) first.")
def sample_portal(port: int, portals_out: Path | None, n_portals: int | None, n_reports: int | None,
                  truth_out: Path | None):
    """Serve a generated government portal with annual reports and news, for trying the crawler;
    with --portals, many generated portals (for scale runs), each page made when it is asked for.

    \b
    Example:
        gongkai sample-portal --port 8765 --portals-out sample-portals.yaml
        gongkai sample-portal --port 8766 --portals 100 --reports 10000 --portals-out scale.yaml
    """
    if n_portals is None:
        if n_reports is not None or truth_out is not None:
            raise click.UsageError("--reports and --truth-out need --portals")
        from gongkai.sample_portal import serve_forever

        serve_forever(port, str(portals_out) if portals_out else None)
        return
    from gongkai.sample_portal.scale import ScalePortals

    n_reports = n_portals * 100 if n_reports is None else n_reports
    try:
        served = ScalePortals(n_portals, n_reports, port)
    except ValueError as e:
        raise click.UsageError(str(e))
    if truth_out:
        with open(truth_out, "w", encoding="utf-8") as fh:
            for item in served.network.truth():
                fh.write(_dumps(item, pretty=False) + "\n")
        click.echo(f"Truth of {n_reports} reports written to {truth_out}")
    if portals_out:
        portals_out.write_text(served.network.portals_yaml(), encoding="utf-8")
        click.echo(f"Portals YAML written to {portals_out}")
    click.echo(f"{n_portals} sample portals with {n_reports} reports at {served.base_url}/s00000/ …")
    try:
        served.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.")
    finally:
        served.stop()


@main.command()
@_portals_option()
@_data_option()
@click.option("--delay", type=float, default=None, help="Seconds between requests to one site (default: the crawler's).")
def crawl(portals: Path, data: Path, delay: float | None):
    """Crawl the annual-report columns of the portals into DATA/raw (originals + fetch log).

    \b
    Example:
        gongkai crawl --portals portals.yaml --data data --delay 1
    """
    stats = build.crawl(portals, data, delay=delay)
    _echo_stats("crawl", build.crawl_summary(stats))
    click.echo(_dumps(stats, pretty=True))


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "one_line", is_flag=True, help="Print the record on one line (for scripts).")
@click.option("--with-text", is_flag=True, help="Include the report's full text.")
def extract(file: Path, one_line: bool, with_text: bool):
    """Read one report (HTML, PDF, DOCX, DOC, text) and print its record as JSON.

    The format is sniffed from the content. A document that is not an annual report or cannot be
    read exits with status 2 and a one-line reason on stderr.

    \b
    Example:
        gongkai extract report.pdf --json
    """
    from gongkai.pipelines.errors import ExtractError
    from gongkai.pipelines.extract import extract_bytes

    try:
        record = extract_bytes(file.read_bytes(), filename=file.name)
    except ExtractError as e:
        click.echo(f"{file}: {type(e).__name__}: {' '.join(str(e).split())}", err=True)
        sys.exit(2)
    except (MemoryError, RecursionError) as e:
        click.echo(f"{file}: Unreadable: the document is too large or too deeply nested ({type(e).__name__})", err=True)
        sys.exit(2)
    except Exception as e:  # a parser bug on a strange file: still one line, never a traceback
        click.echo(f"{file}: Unreadable: {type(e).__name__}: {' '.join(str(e).split())[:200]}", err=True)
        sys.exit(2)
    if not with_text:
        record.pop("text", None)
    click.echo(_dumps(record, pretty=not one_line))


@main.command("build")
@_data_option()
def build_cmd(data: Path):
    """Extract every crawled report, load the archive DB and publish the snapshot.

    \b
    Example:
        gongkai build --data data
    """
    _run_build(data)


def _run_build(data: Path) -> dict:
    from tqdm import tqdm

    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc="extract", unit="doc", file=sys.stderr, disable=None)
        bar.n = done
        bar.refresh()

    click.echo("extract: reading the fetch log …", err=True)
    stats = {"extract": build.extract_all(data, progress=progress)}
    if bar is not None:
        bar.close()
    _echo_stats("extract", stats["extract"])
    for name, fn in (("load", build.load_archive), ("publish", build.publish)):
        click.echo(f"{name} …", err=True)
        stats[name] = fn(data)
        _echo_stats(name, stats[name])
    return stats


@main.command()
@_portals_option()
@_data_option()
@click.option("--delay", type=float, default=None, help="Seconds between requests to one site.")
def run(portals: Path, data: Path, delay: float | None):
    """Materialize the whole Dagster asset graph in this process (crawl → extract → load → publish).

    Runs are recorded in $DAGSTER_HOME when it is set, else in a temporary instance.

    \b
    Example:
        gongkai run --portals portals.yaml --data data
    """
    result = run_pipeline(portals, data, delay=delay)
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        meta = {k: getattr(v, "value", v) for k, v in mat.metadata.items()}
        _echo_stats(mat.asset_key.to_user_string(), {k: v for k, v in meta.items() if not isinstance(v, dict)})
    sys.exit(0 if result.success else 1)


def run_pipeline(portals: str | Path, data: str | Path, delay: float | None = None):
    """dagster.materialize over the project's assets, resources configured from the arguments."""
    import os

    from dagster import DagsterInstance, materialize

    from gongkai.dagster_project import GongkaiConfig
    from gongkai.dagster_project.assets import ALL_ASSETS

    instance = DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None
    config = GongkaiConfig(data_dir=str(data), portals=str(portals), delay=delay)
    return materialize(ALL_ASSETS, resources={"gongkai": config}, instance=instance)


@main.group()
def bench():
    """Benchmarks, quoted as ratios against a baseline measured in the same run.

    \b
    Example:
        gongkai bench extract
        gongkai bench crawl --portals 50 --delay 0.5
    """


@bench.command("ocr")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dpi", type=int, default=300, show_default=True, help="Render resolution of the pages.")
@click.option("--tables-only", is_flag=True, help="Read only the tables, not the prose around them.")
def bench_ocr_cmd(files: tuple[Path, ...], dpi: int, tables_only: bool):
    """OCR cost on this machine: seconds per page and cells per second, reading the given PDFs as
    if they were scans (every page rendered to an image and read by RapidOCR).

    \b
    Example:
        gongkai bench ocr ../shared/corpus/docs/huaian_2024.pdf --dpi 150
    """
    from gongkai.pipelines.read_ocr import bench

    click.echo(_dumps(bench([str(f) for f in files], dpi=dpi, text=not tables_only), pretty=True))


@bench.command("extract")
@click.option("--docs", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Folder of .html/.pdf reports (default: the sample portal's reports).")
@click.option("--repeat", type=int, default=3, show_default=True, help="Timed passes; the best is kept.")
def bench_extract_cmd(docs: Path | None, repeat: int):
    """HTML: documents/s of extract against trafilatura.extract alone on the same pages (the cost
    ratio); PDF: pages/s of extract.

    \b
    Example:
        gongkai bench extract --docs ../shared/corpus/docs
    """
    from gongkai.bench import bench_extract

    click.echo(_dumps(bench_extract(docs, repeat=repeat), pretty=True))


@bench.command("crawl")
@click.option("--portals", type=click.IntRange(1, 250), default=50, show_default=True,
              help="Local portals of the politeness benchmark, each on its own 127.0.0.x address.")
@click.option("--delay", type=click.FloatRange(min=0.01), default=0.5, show_default=True,
              help="DOWNLOAD_DELAY per portal (s) of the politeness benchmark; the ideal is PORTALS / DELAY pages/s.")
@click.option("--pages", type=click.IntRange(2, 100), default=10, show_default=True,
              help="Pages per portal of the politeness benchmark (one list page, the rest reports).")
@click.option("--repeat", type=click.IntRange(1, 10), default=3, show_default=True,
              help="Runs of each side of the throughput benchmark; the best is kept.")
@click.option("--site", type=click.Choice(["sample", "network"]), default="sample", show_default=True,
              help="Throughput site: the sample portal, or the 5-family sample network (one address each).")
def bench_crawl_cmd(portals: int, delay: float, pages: int, repeat: int, site: str):
    """Crawl throughput and politeness, on local servers only (127.0.0.0/8). Throughput: pages/s of
    gongkai's spider on the sample portal with politeness off (no delay, AutoThrottle off) against a
    bare `scrapy runspider` fetching the same URLs with the same concurrency (ratio gongkai/bare).
    Politeness: pages/s of a polite crawl of PORTALS small portals against the ideal PORTALS / DELAY.

    \b
    Example:
        gongkai bench crawl
        gongkai bench crawl --portals 60 --delay 0.5 --pages 8 --site network
    """
    from gongkai.bench import bench_crawl

    click.echo(_dumps(bench_crawl(portals=portals, delay=delay, pages=pages, repeat=repeat, site=site), pretty=True))


@bench.command("load")
@click.argument("data", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--copies", type=click.IntRange(min=1), default=1, show_default=True,
              help="How many times DATA's load input is loaded (each copy under new ids, URLs and portals).")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=Path("bench-load.db"),
              show_default=True, help="The database written (removed first).")
def bench_load_cmd(data: Path, copies: int, db: Path):
    """The loader alone, phase by phase: DATA's whole load input (records, fetch log, portals,
    failures, as `gongkai build` loads them) repeated --copies times under new report ids,
    sha256s, URLs and portal ids, loaded into a fresh database (a bulk load from 2 000 reports).
    Prints the load's seconds (reading DATA first is input_seconds), CPU, ms per report, peak
    RSS and the seconds of each phase (row building, inserts, fetch log, search
    index, index builds; a phase's time includes the phases it calls). Run with 1 and 10 copies
    to see which phase grows faster than the work.

    \b
    Example:
        gongkai bench scale --sizes 10000 --keep --work /tmp/scale
        gongkai bench load /tmp/scale/size-10000/data --copies 10
    """
    from gongkai.bench_scale import bench_load

    try:
        click.echo(_dumps(bench_load(data, copies, db), pretty=False))
    except ValueError as e:
        raise click.ClickException(str(e))


@bench.command("scale")
@click.option("--sizes", default="1000,10000,100000", show_default=True,
              help="Comma-separated report counts, run in ascending order (each 10x the last gives the ratios).")
@click.option("--reports-per-portal", type=click.IntRange(min=1), default=100, show_default=True,
              help="Reports per generated portal (portals = reports / this).")
@click.option("--work", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the runs' data (default: a temporary folder, removed).")
@click.option("--keep", is_flag=True, help="Keep each size's data directory and archive.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the full JSON result here.")
def bench_scale_cmd(sizes: str, reports_per_portal: int, work: Path | None, keep: bool, output: Path | None):
    """The whole pipeline (crawl, extract, load) over generated sample portals at each size, politeness
    off: seconds, reports/s, CPU (user + system) and peak memory per stage, archive bytes per report,
    a check against the generator's truth, and each stage's time ratio between consecutive sizes —
    as measured, and divided by how much slower the machine was during the larger size (a CPU-time
    probe of fixed work every 2 s during each stage). The JSON (-o) also has, per stage, the
    machine's memory reclaim and disk I/O meanwhile (/proc/vmstat). Prints a Markdown table; takes
    about 40 minutes for the default sizes on 2 cores.

    \b
    Example:
        gongkai bench scale --sizes 1000,10000 -o scale.json
    """
    from gongkai.bench_scale import bench_scale, table

    try:
        size_list = [int(s) for s in sizes.split(",") if s.strip()]
    except ValueError:
        raise click.BadParameter(f"not a list of numbers: {sizes!r}", param_hint="--sizes")
    if not size_list or min(size_list) < reports_per_portal:
        raise click.BadParameter("every size needs at least --reports-per-portal reports", param_hint="--sizes")

    def progress(run: dict) -> None:
        click.echo(f"{run['reports']} reports: {run['total_seconds']} s "
                   + ", ".join(f"{k} {v['seconds']} s" for k, v in run["stages"].items()), err=True)

    result = bench_scale(size_list, reports_per_portal, work=work, keep=keep, progress=progress)
    if output:
        output.write_text(_dumps(result, pretty=True), encoding="utf-8")
    click.echo(table(result))


@main.command("export-warc")
@_data_option()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="WARC file to write (gzip per record, e.g. archive.warc.gz).")
@click.option("--portal", "portal_ids", multiple=True, help="Only this portal id (repeatable).")
def export_warc_cmd(data: Path, output: Path, portal_ids: tuple[str, ...]):
    """Write the raw archive as a standard WARC file: one response record per stored original
    (original HTTP headers, target URI, fetch date, sha256 payload digest), revisit records for
    unchanged re-downloads.

    \b
    Example:
        gongkai export-warc --data data -o gongkai-raw.warc.gz
    """
    from gongkai.crawler.warc import export_warc

    counts = export_warc(data, output, portals=set(portal_ids) or None)
    click.echo(", ".join(f"{k}={v}" for k, v in counts.items()) + f" → {output}")


@main.group()
def portals():
    """Portals YAML files and the health of their crawls.

    \b
    Example:
        gongkai portals check portals.yaml
        gongkai portals health --data data
    """


@portals.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def portals_check(file: Path):
    """Validate a portals YAML file: every problem is listed with its entry and field; exit status
    1 if there is any.

    \b
    Example:
        gongkai portals check portals.yaml
    """
    from gongkai.crawler.health import check_portals

    problems = check_portals(file)
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        raise SystemExit(1)
    from gongkai.crawler import load_portals

    click.echo(f"{file}: {len(load_portals(file))} portal(s), OK")


@portals.command("health")
@_data_option()
@click.option("--all-runs", is_flag=True, help="Every run, not only each portal's latest.")
@click.option("--stale-days", type=int, default=30, show_default=True,
              help="Flag a portal with no new report for this many days in January–April.")
def portals_health(data: Path, all_runs: bool, stale_days: int):
    """Crawl health per portal per run (pages, reports found, new, changed, gone, errors, blocked)
    with flags such as zero_reports and no_new_report_days:N; exit status 1 if any flag is set.

    \b
    Example:
        gongkai portals health --data data
    """
    from gongkai.crawler.health import crawl_health

    rows = crawl_health(data, stale_days=stale_days, latest_only=not all_runs)
    click.echo(_dumps(rows, pretty=True))
    if any(r["flags"] for r in rows):
        raise SystemExit(1)


@main.command()
@_data_option()
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-",
              help="Output file (default: stdout).")
def export(data: Path, output):
    """Write every archived report as one JSON line: the extract record plus source_url, sha256,
    fetched_at.

    \b
    Example:
        gongkai export --data data -o reports.jsonl
    """
    for record in build.export_records(data):
        output.write(_dumps(record, pretty=False) + "\n")


@main.command()
@_data_option()
@click.option("--port", type=int, default=8001, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
def serve(data: Path, port: int, host: str):
    """Serve the archive with Datasette (immutable, with the project's metadata and search).

    \b
    Example:
        gongkai serve --data data --port 8001
    """
    from gongkai.archive.serve import serve as archive_serve

    db = build.db_path(data)
    if not db.exists():
        raise click.ClickException(f"{db} not found: run `gongkai build --data {data}` first")
    click.echo(f"Serving {db} at http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    archive_serve(str(db), host, port, raw_dir=Path(data) / "raw")


@main.command()
@click.option("--port", type=int, default=8001, show_default=True, help="Port for Datasette.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Host for Datasette.")
@_data_option(required=False, default=Path("demo-data"), show_default=True)
@click.option("--portal-port", type=int, default=8765, show_default=True,
              help="Port for the sample portal (a free one is used when it is taken).")
@click.option("--no-serve", is_flag=True, help="Stop after building (do not start Datasette).")
def demo(port: int, host: str, data: Path, portal_port: int, no_serve: bool):
    """Start the sample portal, crawl it, build the archive and serve it with Datasette.

    \b
    Example:
        gongkai demo --port 8001 --data demo-data
    """
    from gongkai.sample_portal import start

    data.mkdir(parents=True, exist_ok=True)
    try:  # a fixed port keeps the portal's URLs, so a second demo run is incremental
        portal = start(port=portal_port)
    except OSError:
        portal = start(port=0)
    with portal:
        click.echo(f"[1/4] sample portal at {portal.base_url}", err=True)
        portals = data / "portals.sample.yaml"
        portals.write_text(portal.site.portals_yaml(), encoding="utf-8")
        click.echo(f"[2/4] crawling it (Scrapy subprocess) into {data}/raw …", err=True)
        crawl_stats = _with_spinner("crawl", lambda: build.crawl(portals, data, delay=0))
        _echo_stats("      crawl", build.crawl_summary(crawl_stats))
        click.echo("[3/4] extracting, loading and publishing …", err=True)
        _run_build(data)
        db = build.db_path(data)
        if no_serve:
            click.echo(f"[4/4] built {db}", err=True)
            return
        from gongkai.archive.serve import serve as archive_serve

        url = f"http://{host}:{port}/"
        click.echo(f"[4/4] serving the archive: open {url}  (Ctrl-C to stop)")
        archive_serve(str(db), host, port, raw_dir=data / "raw")


def _with_spinner(label: str, fn):
    """Run fn() while printing a dot every few seconds (for stages without a progress count)."""
    stop = threading.Event()

    def tick():
        while not stop.wait(3):
            click.echo(".", nl=False, err=True)

    t = threading.Thread(target=tick, daemon=True)
    t.start()
    try:
        return fn()
    finally:
        stop.set()
        t.join()
        click.echo("", err=True)


if __name__ == "__main__":
    main()
