"""The service's definitions with dagster-celery's executor: steps run on Celery workers, Redis
is the broker (and the result backend).

    GONGKAI_CELERY_BROKER=redis://127.0.0.1:6379/0   # the broker (and results); every process
    celery -A gongkai.dagster_project.distributed:celery_app worker -P solo -c 1 -Q dagster,gongkai_writer -n writer@%h
    celery -A gongkai.dagster_project.distributed:celery_app worker -P solo -c 1 -Q dagster -n crawl1@%h
    dagster dev -m gongkai.dagster_project.distributed      # or: python -m gongkai.dagster_project.distributed

`defs` holds the same assets, jobs, schedules, sensors and checks as `definitions.defs`; only
the executor differs (`celery_executor`, configured from GONGKAI_CELERY_BROKER). A run's
orchestration stays where it was launched; each of its steps is a Celery task that any worker
listening on the step's queue executes:

- `crawl` (one run per portal), `extract` (one run per batch of documents): queue `dagster`,
  which every worker consumes, so per-portal crawls and extraction batches spread over them.
- `archive_db` and `published` carry the op tag `dagster-celery/queue: gongkai_writer`
  (`assets.WRITER_TAGS`); exactly one worker consumes that queue, with one process
  (`-P solo` / `-c 1`): every write to DATA/gongkai.db goes through it, one at a time.

Workers and the processes that launch runs share the Dagster instance (DAGSTER_HOME: run and
event storage; the default filesystem IO manager and its storage under it) and the data dir
(GONGKAI_DATA, GONGKAI_PORTALS): same machine, or a shared disk. The assets return no values,
so nothing but the archive's files passes between steps.

`run_cycle` runs one service cycle at once, as the schedules and sensors would over time:
a crawl run per portal, then extraction runs for the new documents, then the archive run,
each stage's runs in parallel (`python -m gongkai.dagster_project.distributed`).
"""
from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone

from dagster import (
    DagsterEventType,
    DagsterInstance,
    Definitions,
    RunRequest,
    SkipReason,
    build_schedule_context,
    build_sensor_context,
    execute_job,
)
from dagster._core.definitions.reconstruct import ReconstructableJob, ReconstructableRepository
from dagster_celery import celery_executor
from dagster_celery.executor import CeleryExecutor
from dagster_celery.make_app import make_app
from dagster_celery.tasks import create_task

from gongkai import build

from .assets import SERVICE_ASSETS
from .jobs import JOBS, archive_job, crawl_job, extract_job
from .resources import GongkaiConfig, config_from_env
from .schedules import SCHEDULES, group_run_requests
from .sensors import SENSORS, documents_sensor

MODULE = "gongkai.dagster_project.distributed"  # where the workers load `defs` from
#: The broker's URL (Redis), read by the run launchers' executor and by the workers' app.
BROKER_ENV = "GONGKAI_CELERY_BROKER"
DEFAULT_BROKER = "redis://127.0.0.1:6379/0"
#: The queue every worker consumes (dagster-celery's default); the writer's own: assets.WRITER_QUEUE.
DEFAULT_QUEUE = "dagster"
#: Celery settings of both sides: a worker takes a new task only when it is idle.
CELERY_SETTINGS = {"worker_prefetch_multiplier": 1, "broker_connection_retry_on_startup": True}

#: dagster-celery's executor, broker and result backend from GONGKAI_CELERY_BROKER (read when a
#: run starts, in the process that orchestrates it).
gongkai_celery_executor = celery_executor.configured(
    {"broker": {"env": BROKER_ENV}, "backend": {"env": BROKER_ENV},
     "config_source": CELERY_SETTINGS},
    name="gongkai_celery")

defs = Definitions(assets=SERVICE_ASSETS, jobs=JOBS, schedules=SCHEDULES, sensors=SENSORS,
                   resources={"gongkai": config_from_env()}, executor=gongkai_celery_executor)


def broker_url() -> str:
    return os.environ.get(BROKER_ENV) or DEFAULT_BROKER


#: The workers' Celery app (`celery -A gongkai.dagster_project.distributed:celery_app worker`):
#: dagster-celery's step task, with the executor's broker, backend and settings.
celery_app = make_app(CeleryExecutor.for_cli(broker=broker_url(), backend=broker_url(),
                                             config_source=CELERY_SETTINGS).app_args())
execute_plan = create_task(celery_app)


def recon_job(name: str) -> ReconstructableJob:
    """The job `name` of `defs`, as the workers load it (module + attribute)."""
    return ReconstructableRepository.for_module(MODULE, "defs").get_reconstructable_job(name)


def request_tags(request: RunRequest) -> dict[str, str]:
    """The run tags of a run request, its partition key included."""
    tags = dict(request.tags or {})
    if request.partition_key:
        tags["dagster/partition"] = request.partition_key
    return tags


#: execute(job name, run requests) → one (run id, success) per request
Execute = Callable[[str, Sequence[RunRequest]], list[tuple[str, bool]]]


def _execute_run(job_name: str, tags: dict[str, str], run_config: dict | None,
                 instance_ref) -> tuple[str, bool]:
    """One run of `defs`' job, orchestrated in this process (its steps go to the workers)."""
    import warnings

    from celery.exceptions import DuplicateTaskNameWarning

    # dagster-celery registers its step task again for every step it submits; harmless
    warnings.filterwarnings("ignore", category=DuplicateTaskNameWarning)
    with DagsterInstance.from_ref(instance_ref) as instance:
        result = execute_job(recon_job(job_name), instance, run_config=run_config, tags=tags)
        return result.run_id, result.success


@contextmanager
def celery_runs(instance: DagsterInstance, run_config: dict | None = None, parallel: int = 3,
                timeout: float | None = None) -> Iterator[Execute]:
    """An `Execute` that runs requests with `defs`' jobs (celery executor), up to `parallel` runs
    at once, each orchestrated in a process of a pool (a run's orchestration is not thread-safe)
    while its steps run on the workers. A run not done after `timeout` seconds raises
    `multiprocessing.TimeoutError`; the pool is terminated when the block is left by an error."""
    pool = multiprocessing.get_context("spawn").Pool(processes=max(1, parallel))
    ref = instance.get_ref()

    def execute(job_name: str, requests: Sequence[RunRequest]) -> list[tuple[str, bool]]:
        pending = [pool.apply_async(_execute_run, (job_name, request_tags(r), run_config, ref))
                   for r in requests]
        return [p.get(timeout) for p in pending]

    try:
        yield execute
    except BaseException:
        pool.terminate()
        raise
    else:
        pool.close()
    finally:
        pool.join()


def run_cycle(instance: DagsterInstance, data_dir: str, portals: str,
              execute: Execute) -> dict[str, list[tuple[str, bool]]]:
    """One cycle of the service: the schedules' crawl of every portal (one run per portal), the
    documents sensor's extraction runs, then one archive run. The runs of a stage go to
    `execute` together; a stage starts when the previous one has finished. Returns stage →
    [(run id, success)]."""
    config = GongkaiConfig(data_dir=data_dir, portals=portals)
    out: dict[str, list[tuple[str, bool]]] = {}

    tick = build_schedule_context(instance=instance, scheduled_execution_time=datetime.now(timezone.utc))
    crawls = []
    for group in build.portal_groups(portals):
        requests = group_run_requests(tick, portals, group)
        crawls += [] if isinstance(requests, SkipReason) else requests
    out[crawl_job.name] = execute(crawl_job.name, crawls)

    with build_sensor_context(instance=instance, resources={"gongkai": config}) as context:
        result = documents_sensor(context)
    documents = []
    if not isinstance(result, SkipReason) and result.run_requests:
        for request in result.dynamic_partitions_requests or []:
            instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
        documents = list(result.run_requests)
    out[extract_job.name] = execute(extract_job.name, documents)

    out[archive_job.name] = execute(archive_job.name, [RunRequest()])
    return out


def step_workers(instance: DagsterInstance, run_id: str) -> dict[str, str]:
    """Step key → the Celery worker (node name) that executed it, from the run's event log."""
    out = {}
    for record in instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT):
        event = record.dagster_event
        metadata = getattr(event.event_specific_data, "metadata", None) or {}
        worker = metadata.get("Celery worker")
        if worker is not None and event.step_key:
            out[event.step_key] = getattr(worker, "value", worker)
    return out


def main() -> int:
    """`python -m gongkai.dagster_project.distributed`: one cycle on the workers, with
    DAGSTER_HOME, GONGKAI_DATA, GONGKAI_PORTALS and GONGKAI_CELERY_BROKER from the environment."""
    from .resources import DEFAULT_DATA, DEFAULT_PORTALS

    os.environ.setdefault(BROKER_ENV, DEFAULT_BROKER)
    data = os.environ.get("GONGKAI_DATA", DEFAULT_DATA)
    portals = os.environ.get("GONGKAI_PORTALS", DEFAULT_PORTALS)
    with DagsterInstance.get() as instance, celery_runs(instance) as execute:
        runs = run_cycle(instance, data, portals, execute)
    failed = 0
    for stage, results in runs.items():
        failed += sum(not ok for _, ok in results)
        print(f"{stage}: {len(results)} runs, {sum(ok for _, ok in results)} succeeded")
    return 1 if failed else 0


if __name__ == "__main__":  # run from the module itself, so the pool's processes find _execute_run
    from gongkai.dagster_project.distributed import main as _main

    raise SystemExit(_main())
