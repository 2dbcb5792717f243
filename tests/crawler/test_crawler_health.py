"""Crawl health per portal per run, the portals-file checker and their commands."""
from __future__ import annotations

import json
import os

from click.testing import CliRunner

from gongkai.cli import main
from gongkai.crawler.health import check_portals, crawl_health, health_flags
from gongkai.crawler.store import RawStore

RUN = {"pages_fetched": 10, "attachments": 3, "reports_found": 4, "errors": 0, "blocked": 0}


def test_flags():
    assert health_flags({**RUN, "finished_at": "2024-06-01T00:00:00Z"}, None) == []
    assert health_flags({**RUN, "reports_found": 0, "finished_at": "2024-06-01T00:00:00Z"}, None) == ["zero_reports"]
    blocked = {**RUN, "pages_fetched": 0, "attachments": 0, "reports_found": 0, "blocked": 1,
               "finished_at": "2024-06-01T00:00:00Z"}
    assert health_flags(blocked, None) == ["zero_reports", "all_blocked"]
    # publication season: counted from the last new report, or from 1 January at the earliest
    assert health_flags({**RUN, "finished_at": "2024-02-15T00:00:00Z"}, "2023-02-01T00:00:00Z") == \
        ["no_new_report_days:45"]
    assert health_flags({**RUN, "finished_at": "2024-02-15T00:00:00Z"}, "2024-02-01T00:00:00Z") == []
    assert health_flags({**RUN, "finished_at": "2024-01-20T00:00:00Z"}, None) == []
    assert health_flags({**RUN, "finished_at": "2024-02-15T00:00:00Z"}, "2024-02-01T00:00:00Z",
                        stale_days=10) == ["no_new_report_days:14"]


def _fixture_data(tmp_path):
    store = RawStore(tmp_path)
    sha = store.put(b"<html>report</html>")
    store.log_fetch({"url": "http://a/r1", "portal": "a", "role": "detail", "is_report": True,
                     "outcome": "stored", "sha256": sha, "fetched_at": "2024-01-05T00:00:00.000Z"})
    base = {"pages_fetched": 3, "attachments": 0, "errors": 0, "blocked": 0, "new": 1, "changed": 0,
            "removed": 0, "new_reports": 1, "finish_reason": "finished"}
    store.log_run({**base, "run_id": "r1", "portal": "a", "reports_found": 1, "finished_at": "2024-01-05T00:10:00Z"})
    store.log_run({**base, "run_id": "r1", "portal": "b", "reports_found": 0, "finished_at": "2024-01-05T00:10:00Z"})
    store.log_run({**base, "run_id": "r2", "portal": "a", "reports_found": 1, "new": 0, "new_reports": 0,
                   "removed": 1, "finished_at": "2024-03-01T00:00:00Z"})
    return store


def test_crawl_health_rows(tmp_path):
    _fixture_data(tmp_path)
    rows = crawl_health(tmp_path)
    assert [(r["run_id"], r["portal"]) for r in rows] == [("r1", "a"), ("r1", "b"), ("r2", "a")]
    assert rows[0]["flags"] == [] and rows[0]["last_new_report"] == "2024-01-05T00:00:00.000Z"
    assert rows[1]["flags"] == ["zero_reports"]
    assert rows[2]["gone"] == 1 and rows[2]["flags"] == ["no_new_report_days:56"]
    latest = crawl_health(tmp_path, latest_only=True)
    assert {r["portal"]: r["run_id"] for r in latest} == {"a": "r2", "b": "r1"}


def test_portals_health_command(tmp_path):
    _fixture_data(tmp_path)
    result = CliRunner().invoke(main, ["portals", "health", "--data", str(tmp_path)])
    assert result.exit_code == 1      # flags set
    rows = json.loads(result.output)
    assert {r["portal"] for r in rows} == {"a", "b"}


def test_check_portals_lists_every_problem(tmp_path):
    path = tmp_path / "portals.yaml"
    path.write_text("""portals:
  - id: good
    name: 好
    url: http://a.gov.cn/ndbg/
  - id: Bad_Id
    name: 坏
    url: http://b.gov.cn/ndbg/
  - id: nourl
    name: 无网址
  - id: good
    name: 重复
    url: http://a.gov.cn/ndbg/
  - id: level
    name: 级别
    url: ftp://c.gov.cn/
    level: village
""", encoding="utf-8")
    problems = check_portals(path)
    assert len(problems) == 5, problems
    assert "portal #2 (Bad_Id): field 'id'" in problems[0]
    assert "portal #3 (nourl): field 'url'" in problems[1]
    assert "portal #4 (good): field 'id': duplicate of portal #1" in problems[2]
    assert "portal #4 (good): field 'url'" in problems[3] and "portal #1" in problems[3]
    assert "portal #5 (level): field 'url'" in problems[4]

    result = CliRunner().invoke(main, ["portals", "check", str(path)])
    assert result.exit_code == 1 and "Bad_Id" in result.output and "nourl" in result.output


def test_check_portals_file_errors_and_ok(tmp_path):
    assert "cannot read" in check_portals(tmp_path / "missing.yaml")[0]
    bad = tmp_path / "bad.yaml"
    bad.write_text("portals: [", encoding="utf-8")
    assert "not valid YAML" in check_portals(bad)[0]
    bad.write_text("sites: []\n", encoding="utf-8")
    assert "'portals:'" in check_portals(bad)[0]
    ok = tmp_path / "ok.yaml"
    ok.write_text("portals:\n  - id: a\n    name: A\n    url: http://a.gov.cn/\n", encoding="utf-8")
    assert check_portals(ok) == []
    result = CliRunner().invoke(main, ["portals", "check", str(ok)])
    assert result.exit_code == 0 and "1 portal(s), OK" in result.output


def test_partial_objects_of_dead_writers_are_cleaned(tmp_path):
    store = RawStore(tmp_path)
    sha = store.put(b"x")
    folder = store.path(sha).parent
    dead = folder / f".{sha[:16]}.999999999.abcd.tmp"
    alive = folder / f".{sha[:16]}.{os.getpid()}.efgh.tmp"
    dead.write_bytes(b"partial")
    alive.write_bytes(b"in progress")
    assert store.clean_partial() == 1
    assert not dead.exists() and alive.exists()
    assert list(store.objects()) == [sha]
