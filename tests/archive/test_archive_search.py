"""The bigram search: tokenising, query expansion, and FTS5 matching on a loaded database."""
from __future__ import annotations

import sqlite3

import pytest
from archive_records import REPORT_JIANXI, REPORT_MINZHENG

from gongkai.archive.search import bigram_query, bigrams, normalize, query_terms, snippet


def test_bigrams_split_han_runs_and_keep_words():
    assert bigrams("城乡征迁") == "城乡 乡征 征迁 迁"
    assert bigrams("城乡征迁。2019年度") == "城乡 乡征 征迁 迁 2019 年度 度"
    assert bigrams("复") == "复"
    assert bigrams("") == "" and bigrams(None) == ""


def test_bigrams_normalise_full_width_and_line_breaks_inside_han_text():
    assert bigrams("信息公\n开") == bigrams("信息公开")
    assert bigrams("信息公 \r\n 开") == bigrams("信息公开")
    assert bigrams("２０２１年") == bigrams("2021年")
    # a line break between Han and a number is a separator, not glue
    assert normalize("公开\n2021") == "公开\n2021"


def test_bigram_query_phrases():
    assert bigram_query("征迁") == '"征迁"'
    assert bigram_query("城乡征迁") == '"城乡 乡征 征迁"'
    assert bigram_query("复") == '"复" *'
    assert bigram_query("2021年") == '"2021 年" *'
    assert bigram_query("征迁 复议") == '"征迁" "复议"'
    assert bigram_query("“信息公开”") == '"信息 息公 公开"'
    assert bigram_query('"城乡 征迁"') == '"城乡 乡 征迁"'


@pytest.mark.parametrize("query", ["", "   ", "，。", None, '"'])
def test_bigram_query_with_nothing_searchable_matches_nothing(query):
    assert bigram_query(query) == '""'


def test_query_terms_close_unbalanced_quotes():
    assert query_terms('征迁 "行政 复议') == ["征迁", "行政 复议"]


def test_snippet_marks_the_first_term():
    text = "本机关围绕城乡征迁、安置补偿等事项开展工作。"
    assert snippet(text, "征迁", width=3) == "…绕城乡【征迁】、安置…"
    assert snippet(text, "没有", width=3) == "本机关围绕城…"
    assert snippet(None, "征迁") is None


def _search(db_path, query):
    conn = sqlite3.connect(db_path)
    try:
        return {row[0] for row in conn.execute(
            "select r.title from reports_fts join reports r on r.fts_rowid = reports_fts.rowid "
            "where reports_fts match ?", [bigram_query(query)])}
    finally:
        conn.close()


JIANXI = {REPORT_JIANXI["title"]}
MINZHENG = {REPORT_MINZHENG["title"]}


@pytest.mark.parametrize("query, expected", [
    ("征迁", JIANXI),            # 2 characters, inside 城乡征迁
    ("复议", JIANXI),            # 2 characters, inside 行政复议
    ("信息公开", JIANXI | MINZHENG),  # in both titles
    ("公开时间", MINZHENG),
    ("信息公开时间", set()),          # the text has 信息，公开时间: punctuation in between
    ("城乡征迁", JIANXI),
    ("行政复议", JIANXI),
    ("低保", MINZHENG),
    ("征收", MINZHENG),
    ("民政局", MINZHENG),          # from the title
    ("2021年", JIANXI),
    ("信息 公开", JIANXI | MINZHENG),  # two terms: both must occur, anywhere
    ("复", JIANXI | MINZHENG),        # one character: 复议 and 复印
    ("迁", JIANXI | MINZHENG),        # one character ending a run: 征迁、 and 迁移
    ("征迁 低保", set()),
    ("乡征迁安", set()),             # 征迁、安置: punctuation in between
    ("议复", set()),
])
def test_fts_finds_substrings_and_no_false_hits(archive_db, query, expected):
    assert _search(archive_db, query) == expected


def test_index_is_plain_sqlite(archive_db):
    """No custom tokenizer: the stdlib sqlite3 reads the index with a literal MATCH."""
    conn = sqlite3.connect(archive_db)
    try:
        sql = conn.execute("select sql from sqlite_master where name = 'reports_fts'").fetchone()[0]
        assert "content=''" in sql and "unicode61" in sql
        rows = conn.execute("select rowid from reports_fts where reports_fts match '\"征迁\"'").fetchall()
        assert len(rows) == 1
    finally:
        conn.close()
