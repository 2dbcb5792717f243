"""Crawl schedules per portal group (an entry's `group:` in the portals YAML, else "default"):
daily in the publication season (January–April: reports are due by 31 March) and weekly
(Mondays) otherwise, Beijing time. Each tick crawls the group's portals, one run per portal;
the sensors then extract what is new and load the archive."""
from __future__ import annotations

import os
import re
from pathlib import Path

from dagster import RunRequest, ScheduleEvaluationContext, SkipReason, schedule

from gongkai import build

from .jobs import crawl_job
from .partitions import portal_partitions
from .resources import DEFAULT_PORTALS, GongkaiConfig

TIMEZONE = "Asia/Shanghai"
SEASON_CRON = "0 6 * 1-4 *"      # every day, January–April
OFF_SEASON_CRON = "0 6 * 5-12 1"  # Mondays, May–December


def _schedule_name(group: str, kind: str) -> str:
    return f"crawl_{re.sub(r'[^A-Za-z0-9_]', '_', group)}_{kind}"


def group_run_requests(context: ScheduleEvaluationContext, portals: str, group: str):
    """One crawl run per portal of `group` (as the YAML says at tick time); missing portal
    partitions are added first."""
    members = build.portal_groups(portals).get(group, []) if Path(portals).exists() else []
    if not members:
        return SkipReason(f"no portal in group {group!r}")
    known = set(context.instance.get_dynamic_partitions(portal_partitions.name))
    missing = [p for p in members if p not in known]
    if missing:
        context.instance.add_dynamic_partitions(portal_partitions.name, missing)
    tick = context.scheduled_execution_time
    stamp = tick.strftime("%Y%m%d%H%M") if tick else "now"
    return [RunRequest(run_key=f"{p}-{stamp}", partition_key=p, tags={"gongkai/group": group})
            for p in members]


def build_schedules(groups: list[str]) -> list:
    out = []
    for group in groups:
        for kind, cron in (("daily_season", SEASON_CRON), ("weekly", OFF_SEASON_CRON)):
            def tick(context: ScheduleEvaluationContext, gongkai: GongkaiConfig, _group=group):
                return group_run_requests(context, gongkai.portals, _group)

            out.append(schedule(name=_schedule_name(group, kind), cron_schedule=cron, job=crawl_job,
                                execution_timezone=TIMEZONE,
                                description=f"Crawl the portals of group {group!r} "
                                            f"({'daily, January–April' if kind == 'daily_season' else 'weekly, May–December'}).",
                                tags={"gongkai/group": group})(tick))
    return out


def groups_at_load() -> list[str]:
    """The groups of the portals YAML (GONGKAI_PORTALS, else ./portals.yaml) when the
    definitions load; "default" when there is none."""
    path = os.environ.get("GONGKAI_PORTALS", DEFAULT_PORTALS)
    try:
        groups = list(build.portal_groups(path)) if Path(path).exists() else []
    except Exception:  # a broken YAML must not stop the definitions from loading
        groups = []
    return groups or ["default"]


SCHEDULES = build_schedules(groups_at_load())
