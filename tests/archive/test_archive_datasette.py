"""The archive served by Datasette 0.65 with the plugin: search box, canned queries, pages."""
from __future__ import annotations

import asyncio
import json
import sqlite3
from urllib.parse import quote

import pytest
from archive_records import REPORT_JIANXI, REPORT_MINZHENG, SHA_JIANXI
from datasette.app import Datasette
from datasette.utils import tilde_encode

from gongkai.archive.metadata import DATASETTE_SETTINGS, QUERIES, metadata_dict
from gongkai.archive.serve import datasette_args, write_metadata


def get(db_path, *paths):
    """GET each path from a Datasette serving the database immutable; the responses."""
    async def run():
        ds = Datasette(immutables=[str(db_path)], metadata=metadata_dict(db_path),
                       settings=DATASETTE_SETTINGS)
        await ds.invoke_startup()
        return [await ds.client.get(path) for path in paths]
    return asyncio.run(run())


def report_no(db_path, report_id: str) -> int:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("select fts_rowid from reports where id = ?", [report_id]).fetchone()[0]
    finally:
        conn.close()


def titles(response) -> set[str]:
    assert response.status_code == 200, response.text
    return {row["title"] for row in response.json()}


@pytest.mark.parametrize("query, expected", [
    ("征迁", {REPORT_JIANXI["title"]}),
    ("复议", {REPORT_JIANXI["title"]}),
    ("行政复议", {REPORT_JIANXI["title"]}),
    ("低保", {REPORT_MINZHENG["title"]}),
    ("信息公开时间", set()),
])
def test_search_box_finds_chinese_words(archive_db, plugin_registered, query, expected):
    [response] = get(archive_db, f"/gongkai/reports.json?_shape=array&_search={quote(query)}")
    assert titles(response) == expected


def test_search_box_on_the_html_table_page(archive_db, plugin_registered):
    [page] = get(archive_db, f"/gongkai/reports?_search={quote('征迁')}")
    assert page.status_code == 200
    assert 'name="_search"' in page.text
    assert REPORT_JIANXI["title"] in page.text and REPORT_MINZHENG["title"] not in page.text


def test_column_search_lines_up_with_the_index(archive_db, plugin_registered):
    # Datasette's _search_<column> joins on rowid rather than fts_pk: rowid mirrors fts_rowid
    [response] = get(archive_db, f"/gongkai/reports.json?_shape=array&_search_title={quote('洛阳')}")
    assert titles(response) == {REPORT_MINZHENG["title"]}
    [response] = get(archive_db, f"/gongkai/reports.json?_shape=array&_search_text={quote('洛阳')}")
    assert titles(response) == set()


def test_without_the_plugin_the_search_box_finds_no_longer_word(archive_db, plugin_unregistered):
    # stock escape_fts makes 城乡征迁 one token, which the bigram index does not hold
    [response] = get(archive_db, f"/gongkai/reports.json?_shape=array&_search={quote('城乡征迁')}")
    assert titles(response) == set()


def test_plugin_leaves_other_databases_default(tmp_path, plugin_registered):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("create virtual table docs using fts5(body)")
    conn.execute("insert into docs (body) values ('hello world')")
    conn.commit()
    conn.close()

    async def run():
        ds = Datasette(immutables=[str(other)])
        db = ds.get_database("other")
        return (await db.execute("select escape_fts('hello wor')")).first()[0]
    assert asyncio.run(run()) == '"hello" "wor"'


def test_canned_search_is_ranked_with_a_snippet(archive_db, plugin_registered):
    [response] = get(archive_db, f"/gongkai/search.json?_shape=array&q={quote('征迁')}")
    assert response.status_code == 200, response.text
    [row] = response.json()
    assert row["id"] == SHA_JIANXI
    assert "【征迁】" in row["snippet"]
    assert row["rank"] <= 0   # bm25: more negative = more relevant


def test_canned_search_ranks_the_more_relevant_report_first(tmp_path, plugin_registered):
    import copy

    from archive_records import sha

    from gongkai.archive.load import load

    def report(name, text):
        record = copy.deepcopy(REPORT_MINZHENG)
        record.update(sha256=sha(name), title=name, text=text)
        return record

    reports = [report("passing", "本年度工作涉及征迁一项。" + "其他工作照常开展。" * 20),
               report("focused", "征迁征迁，征迁安置，征迁补偿。"),
               *(report(f"unrelated-{i}", "低保审核，政务公开。") for i in range(6))]
    db_path = tmp_path / "gongkai.db"
    load(db_path, reports=reports, fetches=[])
    [response] = get(db_path, f"/gongkai/search.json?_shape=array&q={quote('征迁')}")
    rows = response.json()
    assert [row["title"] for row in rows] == ["focused", "passing"]
    assert rows[0]["rank"] < rows[1]["rank"] < 0


def test_canned_queries_run(archive_db, plugin_registered):
    findings, mismatches, empty_search = get(
        archive_db, "/gongkai/arithmetic_findings.json?_shape=array",
        "/gongkai/carry_over_mismatch.json?_shape=array", "/gongkai/search.json?_shape=array&q=")
    assert [(r["id"], r["rule"]) for r in findings.json()] == [(SHA_JIANXI, "t3.results.total")]
    assert mismatches.status_code == 200 and mismatches.json() == []
    assert empty_search.status_code == 200 and empty_search.json() == []


def test_every_page_renders(archive_db, plugin_registered):
    tables = ["portals", "documents", "fetches", "cell_keys", "reports", "cells", "cells_labelled",
              "checks", "report_checks", "failures", "schema_migrations"]
    paths = ["/", "/gongkai", *(f"/gongkai/{t}" for t in tables), *(f"/gongkai/{q}" for q in QUERIES),
             f"/gongkai/reports/{SHA_JIANXI}", f"/gongkai/cells_labelled?report_id={SHA_JIANXI}",
             f"/gongkai/cells?report_no={report_no(archive_db, SHA_JIANXI)}",
             f"/gongkai/cells/{report_no(archive_db, SHA_JIANXI)},{tilde_encode('t3.new.total')}",
             f"/gongkai/report_checks?report_id={SHA_JIANXI}",
             f"/gongkai/checks/{report_no(archive_db, SHA_JIANXI)},1"]
    for path, response in zip(paths, get(archive_db, *paths)):
        assert response.status_code == 200, (path, response.text[:500])


def test_table_page_shows_bilingual_column_descriptions(archive_db, plugin_registered):
    [page] = get(archive_db, "/gongkai/reports")
    assert "本年新收申请数 / new applications" in page.text
    assert "万元" in page.text


def test_labelled_cells_show_each_value_beside_its_labels(archive_db, plugin_registered):
    [rows] = get(archive_db, "/gongkai/cells_labelled.json?_shape=array&key=t3.new.total"
                             f"&report_id={SHA_JIANXI}")
    assert [(r["value"], r["row_zh"], r["col_zh"], r["unit"]) for r in rows.json()] == [
        (16, "一、本年新收政府信息公开申请数量", "总计", "件")]


def test_download_link_of_the_immutable_database(archive_db, plugin_registered):
    database_page, download = get(archive_db, "/gongkai", "/gongkai.db")
    assert 'href="/gongkai.db"' in database_page.text
    assert download.status_code == 200
    assert download.content == archive_db.read_bytes()


def test_a_cells_or_checks_report_number_links_to_the_reports_page(archive_db, plugin_registered):
    """cells.report_no and checks.report_no reference reports.fts_rowid, not the reports'
    primary key: Datasette's own link would go to a report that does not exist; it goes to the
    report's page."""
    number = report_no(archive_db, SHA_JIANXI)
    cells, labelled, checks, report_checks, redirect, missing = get(
        archive_db, f"/gongkai/cells?report_no={number}&key=t3.new.total",
        f"/gongkai/cells_labelled?report_id={SHA_JIANXI}&key=t3.new.total",
        f"/gongkai/checks?report_no={number}", f"/gongkai/report_checks?report_id={SHA_JIANXI}",
        f"/-/report-no/{number}", "/-/report-no/999999")
    assert "t3.results.total" in checks.text and "t3.results.total" in report_checks.text
    for page in cells, labelled, checks, report_checks:
        assert f'href="/-/report-no/{number}"' in page.text
        assert f'href="/gongkai/reports/{number}"' not in page.text
    assert redirect.status_code == 302 and redirect.headers["location"] == f"/-/report/{SHA_JIANXI}"
    assert missing.status_code == 404


def test_cell_values_print_as_integers_when_whole(archive_db, plugin_registered):
    for page in get(archive_db, f"/gongkai/cells?report_no={report_no(archive_db, SHA_JIANXI)}"
                                "&key=t3.new.total",
                    f"/gongkai/cells_labelled?report_id={SHA_JIANXI}&key=t3.new.total"):
        assert ">16<" in page.text and "16.0" not in page.text


def test_datasette_cli_with_the_serve_arguments(archive_db, plugin_registered, tmp_path):
    from click.testing import CliRunner
    from datasette.cli import cli

    metadata = write_metadata(archive_db, tmp_path / "metadata.json")
    args = datasette_args(archive_db, host="127.0.0.1", port=8001, metadata_path=metadata)
    assert args[:3] == ["serve", "-i", str(archive_db)]
    assert ["--setting", "suggest_facets", "off"] == args[args.index("suggest_facets") - 1:][:3]
    result = CliRunner().invoke(cli, [*args, "--get", f"/gongkai/reports.json?_shape=array&_search={quote('复议')}"])
    assert result.exit_code == 0, result.output
    assert {row["title"] for row in json.loads(result.output)} == {REPORT_JIANXI["title"]}
    result = CliRunner().invoke(cli, [*args, "--get", "/-/settings.json"])
    settings = json.loads(result.output)
    assert (settings["suggest_facets"], settings["allow_download"], settings["sql_time_limit_ms"]) == (
        False, True, 3000)


def test_serve_registers_the_plugin_itself(archive_db, plugin_unregistered, capsys):
    from gongkai.archive.serve import serve

    with pytest.raises(SystemExit) as exit_:
        serve(archive_db, extra_args=[
            "--get", f"/gongkai/reports.json?_shape=array&_search={quote('城乡征迁')}"])
    assert exit_.value.code == 0
    assert {row["title"] for row in json.loads(capsys.readouterr().out)} == {REPORT_JIANXI["title"]}


def test_serve_refuses_a_missing_database(tmp_path):
    from gongkai.archive.serve import serve

    with pytest.raises(FileNotFoundError):
        serve(tmp_path / "absent.db")
