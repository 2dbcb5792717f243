"""The pipeline as four assets, each a thin call into `gongkai.build`.

raw_archive (crawl) → report_records (extract) → archive_db (load) → published (snapshot)
"""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from gongkai import build

from .resources import GongkaiConfig

GROUP = "gongkai"


def _result(context: AssetExecutionContext, stage: str, stats: dict, output_name: str,
            output: object) -> MaterializeResult:
    """Log a stage's counts and attach them, with where its output lives, as asset metadata."""
    context.log.info(f"{stage} stats: {stats}")
    return MaterializeResult(metadata={**build.flat_stats(stats), output_name: MetadataValue.path(str(output))})


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


ALL_ASSETS = [raw_archive, report_records, archive_db, published]
