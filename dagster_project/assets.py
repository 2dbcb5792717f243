"""The pipeline as four assets, each a thin call into `gongkai.build`.

raw_archive (crawl) → report_records (extract) → archive_db (load) → published (snapshot)

Two builds of the same graph:

- `SERVICE_ASSETS` (in `defs`, what `dagster dev` shows): `raw_archive` partitioned per portal,
  `report_records` per report page version ("document"); `archive_db` is the one unpartitioned
  writer that loads incrementally (`build.load_new`) and writes the run summary; checks beside
  the assets (`checks.py`).
- `BATCH_ASSETS` (= `ALL_ASSETS`): the same four keys unpartitioned, the whole pipeline in one
  `dagster.materialize` (what `gongkai run` does).
"""

from dagster import (
    AllPartitionMapping,
    AssetDep,
    AssetExecutionContext,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    asset,
)

from gongkai import build

from . import checks
from .partitions import document_partitions, portal_partitions
from .resources import GongkaiConfig

GROUP = "gongkai"
#: Concurrency pool of the archive's one writer (limit it to 1: `dagster instance concurrency set`).
WRITER_POOL = "gongkai_archive_writer"
#: Under dagster-celery's executor (distributed.py) the writer's steps go to this Celery queue,
#: which exactly one worker consumes: the archive keeps one writer across machines too. The tag
#: is ignored by the in-process and multiprocess executors.
WRITER_QUEUE = "gongkai_writer"
WRITER_TAGS = {"dagster-celery/queue": WRITER_QUEUE}


def _result(context: AssetExecutionContext, stage: str, stats: dict, output_name: str,
            output: object, **kwargs) -> MaterializeResult:
    """Log a stage's counts and attach them, with where its output lives, as asset metadata."""
    context.log.info(f"{stage} stats: {stats}")
    return MaterializeResult(metadata={**build.flat_stats(stats), output_name: MetadataValue.path(str(output))},
                             **kwargs)


# ── the service: partitioned, incremental, checked ───────────────────────────────────────────

@asset(name="raw_archive", group_name=GROUP, kinds={"scrapy"}, partitions_def=portal_partitions,
       check_specs=[checks.CRAWL_HEALTH])
def service_raw_archive(context: AssetExecutionContext, gongkai: GongkaiConfig) -> MaterializeResult:
    """Originals and fetch log of one portal (partition = portal id) in DATA/raw; Scrapy runs in
    a subprocess; revisits are conditional (304 for what did not change)."""
    portal = context.partition_key
    stats = build.crawl(gongkai.portals, gongkai.data_dir, delay=gongkai.delay, only=[portal])
    run = (stats or {}).get(portal)
    context.log.info(f"crawl stats of {portal}: {run}")
    return MaterializeResult(
        metadata={**build.flat_stats({k: v for k, v in (run or {}).items()
                                      if isinstance(v, (int, float))}),
                  "portal": portal, "data_dir": MetadataValue.path(str(gongkai.data_dir))},
        check_results=[checks.crawl_health(portal, run)])


@asset(name="report_records", group_name=GROUP, kinds={"python"}, partitions_def=document_partitions,
       deps=[AssetDep("raw_archive", partition_mapping=AllPartitionMapping())],
       backfill_policy=BackfillPolicy.single_run())
def service_report_records(context: AssetExecutionContext, gongkai: GongkaiConfig) -> MaterializeResult:
    """The chosen report (or the failures) of one report page version (partition = document
    key, `build.document_key`), in DATA/records/documents; originals cached by sha256 +
    extractor version. A backfill of many documents runs as one run."""
    keys = context.partition_keys
    return _result(context, "extract", build.extract_documents(gongkai.data_dir, keys),
                   "documents_dir", build.documents_dir(gongkai.data_dir))


@asset(name="archive_db", group_name=GROUP, kinds={"sqlite"}, pool=WRITER_POOL, op_tags=WRITER_TAGS,
       deps=[AssetDep("report_records", partition_mapping=AllPartitionMapping())],
       check_specs=checks.ARCHIVE_CHECKS)
def service_archive_db(context: AssetExecutionContext, gongkai: GongkaiConfig) -> MaterializeResult:
    """The archive DATA/gongkai.db, loaded incrementally by its one writer: new fetch-log lines
    and the reports of new or changed documents only. Writes the run summary (new, changed and
    gone reports, failed checks, blocked portals) to the `runs` table and as metadata."""
    data = gongkai.data_dir
    previous = build.last_run(data)
    summary = build.load_new(data)
    db = build.db_path(data)
    results = [checks.report_arithmetic(db), checks.coverage(summary, previous),
               checks.metadata_complete(db)]  # the runs table exists already (migrated by the load)
    tags = context.run.tags if context.run else {}
    trigger = ("schedule" if tags.get("dagster/schedule_name") else
               "sensor" if tags.get("dagster/sensor_name") else "manual")
    failed = checks.failed(results)
    build.record_run(data, context.run.run_id, summary, trigger=trigger, failed_checks=failed)
    context.log.info(f"run summary: {summary} failed checks: {failed}")
    counts = {k: v for k, v in summary.items() if isinstance(v, int)}
    return MaterializeResult(
        metadata={**counts,
                  "blocked_portals": MetadataValue.json(summary["blocked_portals"]),
                  "failed_checks": MetadataValue.json(failed),
                  "per_portal": MetadataValue.json(summary["per_portal"]),
                  "load": MetadataValue.json(summary["load"]),
                  "db": MetadataValue.path(str(db))},
        check_results=results)


@asset(name="published", group_name=GROUP, deps=["archive_db"], kinds={"datasette"}, op_tags=WRITER_TAGS)
def service_published(context: AssetExecutionContext, gongkai: GongkaiConfig) -> MaterializeResult:
    """The dated snapshot with checksums, CSV exports and Datasette metadata (DATA/published)."""
    return _result(context, "publish", build.publish(gongkai.data_dir), "dir", build.published_dir(gongkai.data_dir))


SERVICE_ASSETS = [service_raw_archive, service_report_records, service_archive_db, service_published]


# ── the batch pipeline: one run over everything (gongkai run) ─────────────────────────────────

@asset(group_name=GROUP, kinds={"scrapy"})
def raw_archive(context: AssetExecutionContext, gongkai: GongkaiConfig) -> MaterializeResult:
    """Originals and fetch log of every portal in the portals YAML (DATA/raw); Scrapy runs in a
    subprocess."""
    stats = build.crawl(gongkai.portals, gongkai.data_dir, delay=gongkai.delay)
    context.log.info(f"crawl stats: {stats}")
    return MaterializeResult(metadata={
        **build.crawl_summary(stats),
        "per_portal": MetadataValue.json(stats or {}),
        "data_dir": MetadataValue.path(str(gongkai.data_dir)),
    })


@asset(group_name=GROUP, deps=[raw_archive], kinds={"python"})
def report_records(context: AssetExecutionContext, gongkai: GongkaiConfig) -> MaterializeResult:
    """One extract record per original (cached by sha256 + extractor version) and the chosen
    report of every report page (DATA/records)."""
    return _result(context, "extract", build.extract_all(gongkai.data_dir),
                   "reports_jsonl", build.reports_path(gongkai.data_dir))


@asset(group_name=GROUP, deps=[report_records], kinds={"sqlite"})
def archive_db(context: AssetExecutionContext, gongkai: GongkaiConfig) -> MaterializeResult:
    """The archive database DATA/gongkai.db, loaded by its one writer."""
    return _result(context, "load", build.load_archive(gongkai.data_dir), "db", build.db_path(gongkai.data_dir))


@asset(group_name=GROUP, deps=[archive_db], kinds={"datasette"})
def published(context: AssetExecutionContext, gongkai: GongkaiConfig) -> MaterializeResult:
    """The dated snapshot with checksums, CSV exports and Datasette metadata (DATA/published)."""
    return _result(context, "publish", build.publish(gongkai.data_dir), "dir", build.published_dir(gongkai.data_dir))


BATCH_ASSETS = [raw_archive, report_records, archive_db, published]
ALL_ASSETS = BATCH_ASSETS  # what `gongkai run` (gongkai.cli.run_pipeline) materializes
