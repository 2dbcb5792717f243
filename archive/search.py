"""Chinese full-text search over the reports: one module for indexing (the loader) and
querying (the Datasette plugin, canned queries).

SQLite's stock tokenizers do not segment Chinese: ``unicode61`` makes a whole run of Han
characters one token, ``trigram`` cannot find the two-character words people search for
most (复议, 征迁, 低保). So the text is expanded into overlapping Han bigrams before it is
indexed with the stock ``unicode61`` tokenizer, and queries are expanded the same way:

    城乡征迁。    → 城乡 乡征 征迁 迁
    信息公开2019  → 信息 息公 公开 开 2019

Every Han run also emits its last character on its own, so that every character starts
some token: a one-character query becomes a prefix query (``"复" *`` finds 复议) and still
finds a character that ends a run. Non-Han text (numbers, Latin words) is kept as words.

The index, ``reports_fts``, is a *contentless* FTS5 table (``content=''``): it stores only
the bigram index, never the expanded text, and its rowid is ``reports.fts_rowid``. The
database stays plain SQLite: any sqlite3, DB Browser or stock Datasette opens it (the
search box simply needs the plugin to expand queries; ``bigram_query`` in SQL likewise).

Matching is by substring, as ``LIKE '%…%'`` would be, with no word segmentation: 民政 also
finds 人民政府 (人民·民政·政府). Terms are ANDed; there is no OR/NOT in the search box
(``_searchmode=raw`` passes FTS5 syntax through, unexpanded). Non-Han words match whole
words only (19 does not find 2019).

Changing how ``bigrams`` splits text changes what the index holds: a migration must then
call ``rebuild_search_index`` (contentless rows are deleted by re-supplying the indexed
tokens, which must be the ones the current code produces).
"""
from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator

FTS_TABLE = "reports_fts"
#: The column of ``reports`` the index's rowid mirrors.
FTS_ROWID_COLUMN = "fts_rowid"
#: Columns of ``reports`` that are indexed, in index column order.
FTS_COLUMNS = ("title", "text")

# Han ideographs: 〇, Extension A, the URO, compatibility ideographs, Extensions B–G.
_HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_SEGMENT = re.compile(f"(?P<han>[{_HAN}]+)|(?P<word>[^\\W_{_HAN}]+)")
# Line breaks (with any surrounding blanks) between two Han characters: PDF text breaks
# 信息公\n开 mid-word.
_BREAK_IN_HAN = re.compile(f"(?<=[{_HAN}])[^\\S\\r\\n\\u2028\\u2029]*[\\r\\n\\u2028\\u2029]\\s*(?=[{_HAN}])")
# Query terms: whitespace-separated words or "quoted phrases", as Datasette's escape_fts.
_QUERY_TERM = re.compile(r'\s+|(".*?")')
_CURLY_QUOTES = str.maketrans({"“": '"', "”": '"', "「": '"', "」": '"', "『": '"', "』": '"'})


def normalize(text: str) -> str:
    """NFKC (full-width digits and letters → ASCII) and line breaks inside Han text removed."""
    return _BREAK_IN_HAN.sub("", unicodedata.normalize("NFKC", text))


def _segments(text: str) -> Iterator[tuple[str, str]]:
    for match in _SEGMENT.finditer(text):
        kind = match.lastgroup
        assert kind is not None
        yield kind, match.group(kind)


def _han_tokens(run: str) -> list[str]:
    return [run[i:i + 2] for i in range(len(run) - 1)] + [run[-1]]


def bigrams(text: str | None) -> str:
    """The text as index tokens: overlapping Han bigrams (plus each run's last character),
    other words as they are, separated by spaces.

    >>> bigrams("城乡征迁。2019年")
    '城乡 乡征 征迁 迁 2019 年'
    """
    if not text:
        return ""
    tokens: list[str] = []
    for kind, segment in _segments(normalize(text)):
        if kind == "word":
            tokens.append(segment)
        else:
            tokens.extend(_han_tokens(segment))
    return " ".join(tokens)


def query_terms(query: str | None) -> list[str]:
    """The terms of a search box query: whitespace-separated words and "quoted phrases"
    (“curly” and 「corner」 quotes count), unbalanced quotes closed, quotes removed."""
    if not query:
        return []
    query = query.translate(_CURLY_QUOTES)
    if query.count('"') % 2:
        query += '"'
    terms = (bit.strip('"').strip() for bit in _QUERY_TERM.split(query) if bit)
    return [term for term in terms if term]


def _term_phrase(term: str) -> str | None:
    segments = list(_segments(normalize(term)))
    tokens: list[str] = []
    prefix = False
    for position, (kind, segment) in enumerate(segments):
        last = position == len(segments) - 1
        if kind == "word":
            tokens.append(segment)
        elif not last:
            # a Han run followed by more of the term ends there in the text too
            tokens.extend(_han_tokens(segment))
        elif len(segment) == 1:
            # one trailing character: any token that starts with it
            tokens.append(segment)
            prefix = True
        else:
            # the text may go on after the term: leave out the run-final single character
            tokens.extend(_han_tokens(segment)[:-1])
    if not tokens:
        return None
    return '"' + " ".join(tokens) + '"' + (" *" if prefix else "")


def bigram_query(query: str | None) -> str:
    """An FTS5 MATCH expression for a search box query, against the bigram index.

    Each term becomes a phrase of consecutive bigrams, so it matches as a substring of the
    text (2-character words exactly); terms are ANDed. A term ending in a single Han
    character is a prefix phrase. A query with nothing searchable gives ``'""'``, which
    matches nothing (an empty MATCH would be a syntax error).

    >>> bigram_query("征迁")
    '"征迁"'
    >>> bigram_query("城乡征迁 复")
    '"城乡 乡征 征迁" "复" *'
    """
    phrases = [phrase for phrase in map(_term_phrase, query_terms(query)) if phrase]
    return " ".join(phrases) if phrases else '""'


def snippet(text: str | None, query: str | None, width: int = 40) -> str | None:
    """The text around the first place any query term occurs, the term in 【】.

    A contentless index cannot give FTS5's own ``snippet()``; this works on the stored text.
    Falls back to the start of the text when no term occurs literally.
    """
    if text is None:
        return None
    best: tuple[int, str] | None = None
    for term in query_terms(query):
        for candidate in dict.fromkeys((term, normalize(term))):
            position = text.find(candidate)
            if position >= 0 and (best is None or position < best[0]):
                best = (position, candidate)
    if best is None:
        return text[: 2 * width] + ("…" if len(text) > 2 * width else "")
    position, term = best
    start = max(0, position - width)
    end = min(len(text), position + len(term) + width)
    return ("…" if start > 0 else "") + text[start:position] + "【" + term + "】" \
        + text[position + len(term):end] + ("…" if end < len(text) else "")


def has_search_index(conn: sqlite3.Connection) -> bool:
    """Whether the connection's main database holds the bigram index."""
    row = conn.execute(
        "select 1 from sqlite_master where type = 'table' and name = ?", [FTS_TABLE]
    ).fetchone()
    return row is not None


def index_rows(conn: sqlite3.Connection, rows: Iterable[tuple[int, str | None, str | None]]) -> int:
    """Add ``(fts_rowid, title, text)`` rows to the index. Returns how many."""
    batch = [(rowid, bigrams(title), bigrams(text)) for rowid, title, text in rows]
    conn.executemany(
        f"insert into {FTS_TABLE} (rowid, title, text) values (?, ?, ?)", batch
    )
    return len(batch)


def unindex_rows(conn: sqlite3.Connection, rows: Iterable[tuple[int, str | None, str | None]]) -> int:
    """Remove ``(fts_rowid, title, text)`` rows from the index, given the values they were
    indexed with (a contentless table's 'delete' command needs them). Returns how many."""
    batch = [(rowid, bigrams(title), bigrams(text)) for rowid, title, text in rows]
    conn.executemany(
        f"insert into {FTS_TABLE} ({FTS_TABLE}, rowid, title, text) values ('delete', ?, ?, ?)",
        batch,
    )
    return len(batch)


def rebuild_search_index(conn: sqlite3.Connection) -> int:
    """Empty the index and index every report again. Returns the number of reports."""
    conn.execute(f"insert into {FTS_TABLE} ({FTS_TABLE}) values ('delete-all')")
    rows = conn.execute(f"select {FTS_ROWID_COLUMN}, title, text from reports")
    return index_rows(conn, rows)


def register_functions(conn: sqlite3.Connection) -> None:
    """SQL functions for queries: ``bigrams(text)``, ``bigram_query(q)``,
    ``search_snippet(text, q[, width])``."""
    conn.create_function("bigrams", 1, bigrams, deterministic=True)
    conn.create_function("bigram_query", 1, bigram_query, deterministic=True)
    conn.create_function("search_snippet", 2, snippet, deterministic=True)
    conn.create_function("search_snippet", 3, snippet, deterministic=True)
