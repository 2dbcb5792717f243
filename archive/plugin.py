"""The Datasette plugin of the archive (registered as the ``gongkai`` entry point).

- The table page's search box runs ``… match escape_fts(:search)`` (datasette/filters.py,
  0.65). For a database holding the bigram index this plugin replaces ``escape_fts`` with
  ``search.bigram_query``, so 征迁 or 行政复议 typed in the box is expanded into the bigram
  phrases the index holds. ``trylast=True``: it runs after Datasette's own
  ``prepare_connection`` and so overrides its ``escape_fts``. Other databases keep the default.
- SQL functions for canned and hand-written queries: ``bigrams(text)``, ``bigram_query(q)``,
  ``search_snippet(text, q[, width])``.
- Cell values stored as REAL print as integers when whole (``16`` rather than ``16.0``).
"""
from __future__ import annotations

import sqlite3

from datasette import hookimpl

from . import search


@hookimpl(trylast=True)
def prepare_connection(conn: sqlite3.Connection) -> None:
    search.register_functions(conn)
    if search.has_search_index(conn):
        conn.create_function("escape_fts", 1, search.bigram_query, deterministic=True)


@hookimpl
def render_cell(value, column, table):
    if table == "cells" and column == "value" and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None
