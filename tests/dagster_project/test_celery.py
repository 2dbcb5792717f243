"""The service's definitions on dagster-celery's executor: Redis (Debian's redis-server) on
127.0.0.1 as broker and result backend, two celery worker processes, the sample portal network
(five portals, one per CMS family, 219 reports). One service cycle — a crawl run per portal,
the extraction runs, the archive run — goes through the workers and gives the same export as
the same cycle run in-process on the same definitions.

The workers: `writer` consumes the queues `dagster` and `gongkai_writer`, `crawler` only
`dagster`; each is one process (`-P solo`). Crawls and extractions go to `dagster` and spread
over both; `archive_db` and `published` go to `gongkai_writer`, so only `writer` writes the
archive."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from dagster import DagsterEventType, DagsterInstance, Definitions, RunRequest

from gongkai import build
from gongkai.dagster_project import GongkaiConfig
from gongkai.dagster_project.assets import WRITER_QUEUE
from processes import stop

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

REDIS_SERVER = shutil.which("redis-server")
CELERY = Path(sys.executable).with_name("celery")
WRITER, CRAWLER = "writer", "crawler"
#: Export fields that differ between two runs by nature: when the original was fetched.
RUN_SPECIFIC = ("fetched_at",)
NO_DELAY = {"resources": {"gongkai": {"config": {"delay": 0.0}}}}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(what: str, ready, timeout: float, proc: subprocess.Popen | None = None, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}: {_tail(log)}")
        try:
            if ready():
                return
        except Exception:  # not up yet
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} not ready after {timeout:g} s: {_tail(log)}")


def _tail(log: Path | None, n: int = 4000) -> str:
    return log.read_text(errors="replace")[-n:] if log and log.exists() else ""


@contextmanager
def redis_server(workdir: Path):
    """Debian's redis-server on a free 127.0.0.1 port, no persistence; its URL while it runs."""
    import redis

    log = workdir / "redis.log"
    for attempt in range(3):  # the free port may be taken before redis binds it: another one
        port = _free_port()
        with log.open("wb") as out:
            proc = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1",
                                     "--save", "", "--appendonly", "no", "--daemonize", "no",
                                     "--dir", str(workdir)], stdout=out, stderr=subprocess.STDOUT)
        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1)
        try:
            _wait("redis-server", client.ping, 20, proc, log)
            break
        except RuntimeError:
            stop(proc, timeout=15)  # celery: warm shutdown; redis: without saving (--save '')
            if attempt == 2:
                raise
        finally:
            client.close()
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(proc, timeout=15)  # celery: warm shutdown; redis: without saving (--save '')


@contextmanager
def celery_workers(broker: str, env: dict[str, str], workdir: Path):
    """The two workers (one process each), running until the block ends; their node names."""
    from celery import Celery

    queues = {WRITER: f"dagster,{WRITER_QUEUE}", CRAWLER: "dagster"}
    host = socket.gethostname()
    procs, logs = {}, {}
    try:
        for name, q in queues.items():
            logs[name] = workdir / f"worker-{name}.log"
            with logs[name].open("wb") as out:
                procs[name] = subprocess.Popen(
                    [str(CELERY), "-A", "gongkai.dagster_project.distributed:celery_app", "worker",
                     "-P", "solo", "-c", "1", "-Q", q, "-n", f"{name}@{host}", "-l", "INFO",
                     "--without-gossip", "--without-mingle"],
                    stdout=out, stderr=subprocess.STDOUT, env=env, cwd=workdir)
        nodes = {name: f"{name}@{host}" for name in queues}
        control = Celery(broker=broker)
        try:
            for name, node in nodes.items():
                _wait(f"celery worker {node}",
                      lambda node=node: control.control.ping(destination=[node], timeout=1.0),
                      90, procs[name], logs[name])
        finally:
            control.close()
        yield nodes, logs
    finally:
        for proc in procs.values():
            stop(proc, timeout=30)


def _in_process(instance, config: GongkaiConfig):
    """The `execute` of `run_cycle` for the reference: the same jobs, executed in-process."""
    from gongkai.dagster_project.distributed import defs, request_tags

    def execute(job_name, requests):
        job = defs.resolve_job_def(job_name)
        out = []
        for request in requests:
            result = job.execute_in_process(instance=instance, tags=request_tags(request),
                                            resources={"gongkai": config})
            out.append((result.run_id, result.success))
        return out

    return execute


def _step_times(instance, run_id: str, step: str) -> tuple[float, float]:
    """(start, end) timestamps of a step of a run, from its event log."""
    times = {r.dagster_event.event_type: r.timestamp
             for r in instance.all_logs(run_id, of_type={DagsterEventType.STEP_START,
                                                         DagsterEventType.STEP_SUCCESS,
                                                         DagsterEventType.STEP_FAILURE})
             if r.dagster_event.step_key == step}
    end = times.get(DagsterEventType.STEP_SUCCESS, times.get(DagsterEventType.STEP_FAILURE))
    return times[DagsterEventType.STEP_START], end


def _run_times(instance, run_id: str) -> tuple[float, float]:
    record = instance.get_run_record_by_id(run_id)
    return record.start_time, record.end_time


def _export(data: Path) -> list[dict]:
    return [{k: v for k, v in record.items() if k not in RUN_SPECIFIC}
            for record in build.export_records(data)]


@pytest.fixture(scope="module")
def cycles(tmp_path_factory):
    """The sample network through one cycle in-process (reference), then through the workers."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (Debian package redis-server; scripts/setup.sh installs it)")
    from gongkai.sample_portal.network import start_network

    root = tmp_path_factory.mktemp("celery")
    out: dict = {"root": root}
    with ExitStack() as stack:
        net = stack.enter_context(start_network())
        portals = root / "portals.yaml"
        portals.write_text(net.portals_yaml(), encoding="utf-8")
        out["portal_ids"] = sorted(build.portal_groups(portals)["default"])
        data, home = root / "data", root / "dagster-home"
        home.mkdir()
        (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
        broker = stack.enter_context(redis_server(root))
        # the workers' environment; this process (where the runs are orchestrated) gets it too
        env = {**os.environ, "DAGSTER_HOME": str(home), "GONGKAI_DATA": str(data),
               "GONGKAI_PORTALS": str(portals), "GONGKAI_CELERY_BROKER": broker}
        patch = stack.enter_context(pytest.MonkeyPatch.context())
        for key in ("DAGSTER_HOME", "GONGKAI_DATA", "GONGKAI_PORTALS", "GONGKAI_CELERY_BROKER"):
            patch.setenv(key, env[key])

        from gongkai.dagster_project.distributed import celery_runs, run_cycle, step_workers

        # 1. the reference: the same definitions, in-process
        started = time.monotonic()
        ref_data, ref_home = root / "ref-data", root / "ref-home"
        ref_home.mkdir()
        with DagsterInstance.from_config(str(ref_home)) as instance:
            config = GongkaiConfig(data_dir=str(ref_data), portals=str(portals), delay=0)
            out["ref_runs"] = run_cycle(instance, str(ref_data), str(portals), _in_process(instance, config))
        out["ref_seconds"] = time.monotonic() - started

        # 2. two celery workers on Redis, the same cycle through them
        started = time.monotonic()
        nodes, logs = stack.enter_context(celery_workers(broker, env, root))
        out["nodes"], out["logs"] = nodes, logs
        instance = stack.enter_context(DagsterInstance.from_config(str(home)))
        execute = stack.enter_context(celery_runs(instance, run_config=NO_DELAY, parallel=3, timeout=240))
        out["runs"] = run_cycle(instance, str(data), str(portals), execute)
        out["workers"] = {stage: [step_workers(instance, run_id) for run_id, _ in runs]
                          for stage, runs in out["runs"].items()}
        out["seconds"] = time.monotonic() - started
        # two more archive runs at once (say a sensor's and a manual one): one writer, in turn
        out["two_archives"] = execute("archive", [RunRequest(), RunRequest()])
        out["two_archive_steps"] = [(step_workers(instance, run_id), _step_times(instance, run_id, "archive_db"),
                                     _run_times(instance, run_id)) for run_id, _ in out["two_archives"]]
        out["export"], out["ref_export"] = _export(data), _export(ref_data)
        out["truth_reports"] = len(net.network.reports)
    yield out  # workers, Redis and the portals are stopped by now


def _logs(cycles) -> str:
    return "\n".join(f"--- {name}\n{_tail(log, 3000)}" for name, log in cycles["logs"].items())


def test_every_run_succeeds_on_the_workers(cycles):
    runs = cycles["runs"]
    assert len(runs["crawl"]) == len(cycles["portal_ids"]) == 5
    assert runs["extract"] and len(runs["archive"]) == 1
    failed = [(stage, run_id) for stage, results in runs.items() for run_id, ok in results if not ok]
    assert not failed, _logs(cycles)
    assert all(ok for results in cycles["ref_runs"].values() for _, ok in results)
    print(f"\nreference in-process cycle {cycles['ref_seconds']:.1f} s, celery cycle (workers' start "
          f"included) {cycles['seconds']:.1f} s; steps on workers: {cycles['workers']}")


def test_per_portal_crawls_are_spread_over_both_workers(cycles):
    crawls = cycles["workers"]["crawl"]
    assert all(set(steps) == {"raw_archive"} for steps in crawls), crawls
    used = {steps["raw_archive"] for steps in crawls}
    assert used == set(cycles["nodes"].values()), crawls


def test_the_archive_is_written_by_the_writer_worker_only(cycles):
    (archive,) = cycles["workers"]["archive"]
    assert archive == {"archive_db": cycles["nodes"][WRITER], "published": cycles["nodes"][WRITER]}
    # and no writer step ran anywhere else: crawl and extract runs have no archive step
    for stage in ("crawl", "extract"):
        assert all(set(steps) <= {"raw_archive", "report_records"} for steps in cycles["workers"][stage])


def test_concurrent_archive_runs_write_one_after_the_other(cycles):
    assert all(ok for _, ok in cycles["two_archives"]), _logs(cycles)
    (workers_a, step_a, run_a), (workers_b, step_b, run_b) = cycles["two_archive_steps"]
    assert workers_a["archive_db"] == workers_b["archive_db"] == cycles["nodes"][WRITER]
    assert run_a[0] < run_b[1] and run_b[0] < run_a[1], "the two runs were not at the same time"
    assert step_a[1] <= step_b[0] or step_b[1] <= step_a[0], "their loads overlapped"


def test_export_equals_the_in_process_export(cycles):
    export, reference = cycles["export"], cycles["ref_export"]
    assert len(reference) >= cycles["truth_reports"] - 1 > 100  # the blocked report page may be missing
    assert [r["sha256"] for r in export] == [r["sha256"] for r in reference]
    assert export == reference


def test_the_distributed_definitions_are_the_service_with_the_celery_executor():
    from gongkai.dagster_project import defs as service
    from gongkai.dagster_project.distributed import defs

    Definitions.validate_loadable(defs)
    for name in ("crawl", "extract", "archive"):
        job = defs.resolve_job_def(name)
        assert job.executor_def.name == "gongkai_celery"
        assert ({n.name for n in job.graph.node_defs}
                == {n.name for n in service.resolve_job_def(name).graph.node_defs})
    archive = defs.resolve_job_def("archive")
    assert {n.name: n.tags.get("dagster-celery/queue") for n in archive.graph.node_defs} == {
        "archive_db": WRITER_QUEUE, "published": WRITER_QUEUE}
    assert {s.name for s in defs.schedules} == {s.name for s in service.schedules}
    assert {s.name for s in defs.sensors} == {s.name for s in service.sensors}
