"""The service graph against the sample portal: partitions, sensors, incremental load, checks
and the run summary, run in-process on an ephemeral Dagster instance (127.0.0.1 only)."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from email.utils import format_datetime

import pytest
from dagster import (
    AssetCheckKey,
    AssetKey,
    DagsterInstance,
    SensorResult,
    build_sensor_context,
    materialize,
)

from gongkai import build
from gongkai.crawler.store import RawStore
from gongkai.dagster_project import GongkaiConfig
from gongkai.dagster_project.assets import SERVICE_ASSETS
from gongkai.dagster_project.partitions import document_partitions, portal_partitions
from gongkai.dagster_project.schedules import build_schedules
from gongkai.dagster_project.sensors import archive_sensor, documents_sensor, portals_sensor

TABLES = ("reports", "cells", "checks", "documents", "failures", "fetches", "runs")
NEW_PATH = "/zwgk/ndbg/202604/t20260401_99999.html"


def _counts(db) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return {t: conn.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}
    finally:
        conn.close()


def _headers(body: bytes) -> dict[str, str]:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    return {"Last-Modified": format_datetime(now, usegmt=True),
            "ETag": f'"{int(now.timestamp()):x}-{len(body):x}"'}


def add_report(site) -> str:
    """Publish one more report on the running sample portal: a copy of an HTML report page
    (made distinct) at a new URL, linked first on the column's first list page. Returns its URL."""
    from gongkai.sample_portal import Resource

    truth = next(t for t in site.reports if t["format"] == "html")
    old = site.resource_for(truth["page_url"])
    body = old.body.replace(b"</html>", b"<!-- republished -->\n</html>")
    site.resources[NEW_PATH] = Resource(body, old.content_type, _headers(body))
    list_path = site.column_path + "index.html"
    listing = site.resources[list_path]
    item = (f'<li><a href="./202604/t20260401_99999.html" target="_blank" title="{truth["title"]}">'
            f'{truth["title"]}</a><span>2026-04-01</span></li>\n  ')
    new_list = listing.body.replace(b'<ul class="list">\n  ', b'<ul class="list">\n  ' + item.encode("utf-8"), 1)
    assert new_list != listing.body
    site.resources[list_path] = Resource(new_list, listing.content_type, _headers(new_list))
    return site.base_url + NEW_PATH


class Service:
    """Runs what the daemon would: sensor ticks, then the runs they request, in-process."""

    def __init__(self, instance, config):
        self.instance, self.config = instance, config
        self.resources = {"gongkai": config}
        self.cursors: dict[str, str | None] = {}

    def tick(self, sensor) -> SensorResult | None:
        with build_sensor_context(instance=self.instance, cursor=self.cursors.get(sensor.name),
                                  resources=self.resources) as context:
            result = sensor(context)
        if not isinstance(result, SensorResult):
            return None
        for request in result.dynamic_partitions_requests or []:
            self.instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
        if result.cursor is not None:
            self.cursors[sensor.name] = result.cursor
        return result

    def materialize(self, selection, **kwargs):
        result = materialize(SERVICE_ASSETS, selection=selection, instance=self.instance,
                             resources=self.resources, **kwargs)
        assert result.success
        return result

    def run_requests(self, sensor, selection) -> list:
        result = self.tick(sensor)
        requests = list(result.run_requests or []) if result else []
        runs = [self.materialize(selection, partition_key=r.partition_key, tags=r.tags) for r in requests]
        return requests, runs

    def crawl(self, portal):
        return self.materialize(["raw_archive"], partition_key=portal)

    def archive(self):
        return self.materialize(["archive_db", "published"])


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """Three cycles on one data dir: first crawl, an unchanged re-crawl, one new report."""
    from gongkai.sample_portal import start

    root = tmp_path_factory.mktemp("service")
    data = root / "data"
    out: dict = {"data": data}
    with start(port=0) as portal:
        portals = root / "portals.yaml"
        portals.write_text(portal.site.portals_yaml(), encoding="utf-8")
        svc = Service(DagsterInstance.ephemeral(), GongkaiConfig(data_dir=str(data), portals=str(portals), delay=0))
        db = build.db_path(data)
        store = RawStore(str(data))

        # 1. a new portal: partition + crawl; new documents: partitions + one extraction run
        requests, _ = svc.run_requests(portals_sensor, ["raw_archive"])
        out["portal_requests"] = requests
        out["doc_requests_1"], out["extract_1"] = svc.run_requests(documents_sensor, ["report_records"])
        archive_requests = svc.tick(archive_sensor).run_requests
        out["archive_requests_1"] = archive_requests
        out["archive_1"] = svc.archive()
        out["counts_1"] = _counts(db)
        out["run_1"] = build.last_run(data)
        out["objects_1"] = sum(1 for _ in store.objects())
        out["doc_keys_1"] = list(svc.instance.get_dynamic_partitions(document_partitions.name))

        # 2. the unchanged portal again
        lines = len(list(store.fetches()))
        out["crawl_2"] = svc.crawl(requests[0].partition_key)
        out["fetches_2"] = list(store.fetches())[lines:]
        out["doc_requests_2"], _ = svc.run_requests(documents_sensor, ["report_records"])
        out["archive_sensor_2"] = svc.tick(archive_sensor)
        out["archive_2"] = svc.archive()
        out["counts_2"] = _counts(db)
        out["run_2"] = build.last_run(data)
        out["objects_2"] = sum(1 for _ in store.objects())

        # 3. one new report on the portal
        out["new_url"] = add_report(portal.site)
        svc.crawl(requests[0].partition_key)
        out["doc_requests_3"], out["extract_3"] = svc.run_requests(documents_sensor, ["report_records"])
        out["archive_3"] = svc.archive()
        out["counts_3"] = _counts(db)
        out["run_3"] = build.last_run(data)
        out["truth_reports"] = len(portal.site.reports)
        out["instance"] = svc.instance
        yield out


def _meta(result, key: str) -> dict:
    mats = [e.event_specific_data.materialization for e in result.get_asset_materialization_events()
            if e.event_specific_data.materialization.asset_key == AssetKey(key)]
    return {k: getattr(v, "value", v) for k, v in mats[-1].metadata.items()}


def _checks(result) -> dict[str, bool]:
    return {e.asset_check_key.name: e.passed for e in result.get_asset_check_evaluations()}


def test_the_graph_materializes_against_the_sample_portal(service):
    assert [r.partition_key for r in service["portal_requests"]] == ["sample-jianxi"]
    assert len(service["doc_keys_1"]) == service["truth_reports"]
    # the first extraction is one single-run backfill of every document
    assert len(service["doc_requests_1"]) == 1
    extract = _meta(service["extract_1"][0], "report_records")
    assert extract["documents"] == service["truth_reports"] and extract["unknown"] == 0
    assert len(service["archive_requests_1"]) == 1
    counts, run = service["counts_1"], service["run_1"]
    assert counts["reports"] == service["truth_reports"] and counts["runs"] == 1
    assert run["reports_new"] == service["truth_reports"] and run["reports_changed"] == 0
    assert run["portals"] == ["sample-jianxi"] and run["blocked_portals"] == []
    assert run["documents_pending"] == 0 and run["trigger"] == "manual"
    checks = _checks(service["archive_1"])
    assert checks["metadata_complete"] is True and checks["coverage"] is True
    assert "report_arithmetic" in checks
    assert {c["check"] for c in run["failed_checks"]} == {k for k, ok in checks.items() if not ok}
    assert _meta(service["archive_1"], "archive_db")["reports_new"] == service["truth_reports"]
    assert (service["data"] / "published").is_dir()


def test_unchanged_portal_fetches_only_list_pages_and_writes_nothing_new(service):
    fetches = service["fetches_2"]
    assert fetches
    # only list pages may come back with a body; every detail page and attachment is a 304
    assert {f["outcome"] for f in fetches if f["role"] != "list"} == {"not_modified"}
    assert all(f["outcome"] in ("stored", "not_modified") for f in fetches if f["role"] == "list")
    assert service["objects_2"] == service["objects_1"]  # no new original in the raw archive
    assert not service["doc_requests_2"]
    assert service["archive_sensor_2"] is None or not service["archive_sensor_2"].run_requests
    before, after = service["counts_1"], service["counts_2"]
    for table in ("reports", "cells", "checks", "documents", "failures"):
        assert after[table] == before[table], table
    assert after["fetches"] == before["fetches"] + len(fetches)
    run = service["run_2"]
    assert (run["reports_new"], run["reports_changed"], run["reports_gone"]) == (0, 0, 0)
    assert run["summary"]["load"]["reports"] == 0 and run["summary"]["load"]["cells"] == 0
    assert run["fetches_loaded"] == len(fetches)
    assert _checks(service["archive_2"])["coverage"] is True


def test_one_new_report_runs_only_its_partitions(service):
    requests = service["doc_requests_3"]
    assert len(requests) == 1 and requests[0].partition_key is not None
    key = requests[0].partition_key
    assert key not in service["doc_keys_1"]
    extract = _meta(service["extract_3"][0], "report_records")
    assert (extract["documents"], extract["reports"]) == (1, 1)
    assert extract["extracted"] == extract["originals"] == 1  # its own page, nothing else
    assert service["extract_3"][0].dagster_run.tags.get("dagster/partition") == key
    run = service["run_3"]
    assert (run["reports_new"], run["reports_changed"]) == (1, 0)
    assert service["counts_3"]["reports"] == service["counts_2"]["reports"] + 1
    assert run["summary"]["load"]["reports"] == 1  # one report written, the rest skipped


def test_crawl_health_check_beside_the_crawl(service):
    evaluations = service["crawl_2"].get_asset_check_evaluations()
    assert [(e.asset_check_key, e.passed) for e in evaluations] == [
        (AssetCheckKey(AssetKey("raw_archive"), "crawl_health"), True)]


def test_group_schedules_request_one_crawl_per_portal(tmp_path):
    portals = tmp_path / "portals.yaml"
    portals.write_text("portals:\n"
                       "  - {id: a, name: A, url: 'http://127.0.0.1:9/a/', group: henan}\n"
                       "  - {id: b, name: B, url: 'http://127.0.0.1:9/b/', group: henan}\n"
                       "  - {id: c, name: C, url: 'http://127.0.0.1:9/c/'}\n", encoding="utf-8")
    assert build.portal_groups(portals) == {"henan": ["a", "b"], "default": ["c"]}
    schedules = {s.name: s for s in build_schedules(["henan", "default"])}
    assert set(schedules) == {"crawl_henan_daily_season", "crawl_henan_weekly",
                              "crawl_default_daily_season", "crawl_default_weekly"}
    # what a tick does, on the ephemeral instance (a real schedule context needs a persistent one)
    from types import SimpleNamespace

    from gongkai.dagster_project.schedules import group_run_requests

    instance = DagsterInstance.ephemeral()
    context = SimpleNamespace(instance=instance,
                              scheduled_execution_time=datetime(2026, 2, 2, 6, 0, tzinfo=timezone.utc))
    requests = group_run_requests(context, str(portals), "henan")
    assert sorted(r.partition_key for r in requests) == ["a", "b"]
    assert set(instance.get_dynamic_partitions(portal_partitions.name)) == {"a", "b"}
