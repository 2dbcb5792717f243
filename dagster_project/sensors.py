"""Sensors of the service.

- `portals_sensor`: a portal added to the YAML gets a "portal" partition and a crawl of that
  portal only.
- `documents_sensor`: new report page versions in the fetch log (new raw originals) get a
  "document" partition each and an extraction run of just those (one run per batch).
- `archive_sensor`: after documents were extracted, one load of the archive (its one writer)
  with the run summary, then publication; never while another archive run is queued or running.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from dagster import (
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from gongkai import build

from .jobs import archive_job, crawl_job, extract_job
from .partitions import document_partitions, portal_partitions
from .resources import GongkaiConfig

#: Most document partitions one extraction run takes. A run costs a few seconds before it extracts
#: anything (a process, Dagster's imports, the worker pool): at 50 a run, a season of 100 000 new
#: reports would spend hours starting 2 000 runs; at 500, 200 runs (docs/scale.md).
BATCH = int(os.environ.get("GONGKAI_DOCUMENT_BATCH", "500"))
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def document_run_requests(keys: list[str], batch: int = BATCH) -> list[RunRequest]:
    """Runs for new document keys (in the order they were added as partitions): one key → a
    partition run; several → single-run backfills of up to `batch` consecutive keys."""
    out = []
    for i in range(0, len(keys), batch):
        chunk = keys[i:i + batch]
        if len(chunk) == 1:
            out.append(RunRequest(run_key=f"document-{chunk[0]}", partition_key=chunk[0]))
        else:
            out.append(RunRequest(run_key=f"documents-{chunk[0]}-{chunk[-1]}",
                                  tags={RANGE_START: chunk[0], RANGE_END: chunk[-1]}))
    return out


@sensor(job=extract_job, minimum_interval_seconds=60, default_status=DefaultSensorStatus.RUNNING)
def documents_sensor(context: SensorEvaluationContext, gongkai: GongkaiConfig):
    """New report page versions in DATA/raw/fetches.jsonl → document partitions + extraction."""
    log = Path(gongkai.data_dir) / "raw" / "fetches.jsonl"
    size = log.stat().st_size if log.exists() else 0
    if context.cursor is not None and int(context.cursor) == size:
        return SkipReason("the fetch log has not grown")
    docs = build.report_documents(gongkai.data_dir)
    known = set(context.instance.get_dynamic_partitions(document_partitions.name))
    new = [k for k in docs if k not in known]
    if not new:
        return SensorResult(skip_reason="no new report documents", cursor=str(size))
    return SensorResult(run_requests=document_run_requests(new),
                        dynamic_partitions_requests=[document_partitions.build_add_request(new)],
                        cursor=str(size))


@sensor(job=crawl_job, minimum_interval_seconds=300)
def portals_sensor(context: SensorEvaluationContext, gongkai: GongkaiConfig):
    """Portals new in the YAML → portal partitions + a crawl of each (only those portals)."""
    groups = build.portal_groups(gongkai.portals) if Path(gongkai.portals).exists() else {}
    ids = [p for members in groups.values() for p in members]
    known = set(context.instance.get_dynamic_partitions(portal_partitions.name))
    new = [p for p in ids if p not in known]
    if not new:
        return SkipReason("no new portal in the YAML")
    return SensorResult(run_requests=[RunRequest(run_key=f"portal-{p}", partition_key=p) for p in new],
                        dynamic_partitions_requests=[portal_partitions.build_add_request(new)])


_ACTIVE = [DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING,
           DagsterRunStatus.STARTED]


@sensor(job=archive_job, minimum_interval_seconds=60, default_status=DefaultSensorStatus.RUNNING)
def archive_sensor(context: SensorEvaluationContext):
    """report_records materialized since the last archive run → one archive run."""
    from dagster import AssetKey

    records = context.instance.fetch_materializations(AssetKey("report_records"), limit=1).records
    if not records:
        return SkipReason("no document extracted yet")
    newest = records[0].storage_id
    seen = json.loads(context.cursor) if context.cursor else 0
    if newest <= seen:
        return SkipReason("nothing extracted since the last archive run")
    if context.instance.get_runs(RunsFilter(job_name=archive_job.name, statuses=_ACTIVE), limit=1):
        return SkipReason("an archive run is in progress (one writer)")
    return SensorResult(run_requests=[RunRequest(run_key=f"archive-{newest}")], cursor=json.dumps(newest))


SENSORS = [portals_sensor, documents_sensor, archive_sensor]
