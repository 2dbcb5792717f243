"""The Dagster definitions load, and the asset graph is the pipeline in order."""
from dagster import AssetKey, Definitions

from gongkai.dagster_project import GongkaiConfig, defs

PIPELINE = ["raw_archive", "report_records", "archive_db", "published"]


def test_defs_load():
    assert isinstance(defs, Definitions)
    Definitions.validate_loadable(defs)
    defs.resolve_implicit_global_asset_job_def()


def test_dagster_cli_loads_the_module(tmp_path):
    """What `dagster dev -m gongkai.dagster_project` does first: load and validate the module."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    dagster = Path(sys.executable).with_name("dagster")
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    proc = subprocess.run([str(dagster), "definitions", "validate", "-m", "gongkai.dagster_project"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_asset_graph_is_the_pipeline_in_order():
    graph = defs.resolve_asset_graph()
    keys = [k.to_user_string() for k in graph.toposorted_asset_keys]
    assert keys == PIPELINE
    for upstream, downstream in zip(PIPELINE, PIPELINE[1:]):
        assert graph.get(AssetKey(downstream)).parent_keys == {AssetKey(upstream)}


def test_every_asset_uses_the_config_resource():
    assert isinstance(defs.resources["gongkai"], GongkaiConfig)
    for name in PIPELINE:
        assert "gongkai" in defs.resolve_assets_def(name).required_resource_keys


def test_config_defaults_from_environment(monkeypatch, tmp_path):
    from dagster import EnvVar

    from gongkai.dagster_project import resources

    monkeypatch.setenv("GONGKAI_DATA", str(tmp_path / "d"))
    monkeypatch.delenv("GONGKAI_PORTALS", raising=False)
    cfg = resources.config_from_env()
    # set: an EnvVar (resolved at run launch); unset: the plain default
    assert isinstance(cfg.data_dir, EnvVar) and cfg.data_dir.env_var_name == "GONGKAI_DATA"
    assert cfg.portals == resources.DEFAULT_PORTALS


def test_service_definitions_have_schedules_sensors_jobs_and_checks():
    """What `dagster dev` shows beside the graph: per-group schedules (daily January–April,
    weekly otherwise, Beijing time), the sensors, the jobs they start and the asset checks."""
    from dagster import AssetCheckKey, AssetKey

    from gongkai.dagster_project import schedules

    Definitions.validate_loadable(defs)
    repo = defs.get_repository_def()
    crons = {s.name: (s.cron_schedule, s.execution_timezone) for s in repo.schedule_defs}
    assert crons["crawl_default_daily_season"] == (schedules.SEASON_CRON, "Asia/Shanghai")
    assert crons["crawl_default_weekly"] == (schedules.OFF_SEASON_CRON, "Asia/Shanghai")
    assert {s.name for s in repo.sensor_defs} == {"portals_sensor", "documents_sensor", "archive_sensor"}
    assert {"crawl", "extract", "archive"} <= {j.name for j in repo.get_all_jobs()}
    graph = defs.resolve_asset_graph()
    checks = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    assert checks == {("raw_archive", "crawl_health"), ("archive_db", "report_arithmetic"),
                      ("archive_db", "coverage"), ("archive_db", "metadata_complete")}
    blocking = {k.name for k in graph.asset_check_keys
                if graph.get_check_spec(k).blocking}
    assert blocking == {"metadata_complete"}
    assert graph.get(AssetKey("raw_archive")).partitions_def.name == "portal"
    assert graph.get(AssetKey("report_records")).partitions_def.name == "document"
    assert graph.get(AssetKey("archive_db")).partitions_def is None
    assert AssetCheckKey(AssetKey("archive_db"), "metadata_complete") in graph.asset_check_keys
