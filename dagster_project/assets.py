"""The pipeline as four assets, each a thin call into `gongkai.build`.

raw_archive (crawl) → report_records (extract) → archive_db (load) → published (snapshot)
"""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from gongkai import build

from .resources import GongkaiConfig

GROUP = "gongkai"


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
    stats = build.extract_all(gongkai.data_dir)
    context.log.info(f"extract stats: {stats}")
    return MaterializeResult(metadata={**build.flat_stats(stats),
                                       "reports_jsonl": MetadataValue.path(str(build.reports_path(gongkai.data_dir)))})


@asset(group_name=GROUP, deps=[report_records], kinds={"sqlite"})
def archive_db(context: AssetExecutionContext, gongkai: GongkaiConfig) -> MaterializeResult:
    """The archive database DATA/gongkai.db, loaded by its one writer."""
    stats = build.load_archive(gongkai.data_dir)
    context.log.info(f"load stats: {stats}")
    return MaterializeResult(metadata={**build.flat_stats(stats),
                                       "db": MetadataValue.path(str(build.db_path(gongkai.data_dir)))})


@asset(group_name=GROUP, deps=[archive_db], kinds={"datasette"})
def published(context: AssetExecutionContext, gongkai: GongkaiConfig) -> MaterializeResult:
    """The dated snapshot with checksums, CSV exports and Datasette metadata (DATA/published)."""
    stats = build.publish(gongkai.data_dir)
    context.log.info(f"publish stats: {stats}")
    return MaterializeResult(metadata={**build.flat_stats(stats),
                                       "dir": MetadataValue.path(str(build.published_dir(gongkai.data_dir)))})


ALL_ASSETS = [raw_archive, report_records, archive_db, published]
