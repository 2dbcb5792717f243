"""Jobs the schedules and sensors start: crawl one portal, extract documents, load + publish."""
from dagster import AssetSelection, define_asset_job


crawl_job = define_asset_job("crawl", selection=AssetSelection.assets("raw_archive"),
                             description="Crawl one portal (partition = portal id).")
extract_job = define_asset_job("extract", selection=AssetSelection.assets("report_records"),
                               description="Extract new report page versions (partitions = document keys).")
archive_job = define_asset_job("archive", selection=AssetSelection.assets("archive_db", "published"),
                               description="Load what is new into the archive (one writer), check it, "
                                           "write the run summary, publish.")

JOBS = [crawl_job, extract_job, archive_job]
