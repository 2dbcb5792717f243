"""Schema and migrations."""
from __future__ import annotations

import sqlite_utils

from gongkai.archive.schema import MIGRATIONS_TABLE, migrate, schema_version

TABLES = {"portals", "documents", "fetches", "cell_keys", "reports", "cells", "checks",
          "failures", "reports_fts", MIGRATIONS_TABLE}


def test_migrate_creates_the_schema_and_is_idempotent(tmp_path):
    db = sqlite_utils.Database(tmp_path / "a.db")
    assert schema_version(db) == 0
    assert migrate(db) == ["0001_initial"]
    schema = list(db.query("select type, name, sql from sqlite_master order by name"))
    assert migrate(db) == []
    assert migrate(db) == []
    assert list(db.query("select type, name, sql from sqlite_master order by name")) == schema
    assert schema_version(db) == 1
    assert TABLES <= set(db.table_names())
    assert db[MIGRATIONS_TABLE].count == 1


def test_foreign_keys_and_indexes_for_joins(tmp_path):
    db = sqlite_utils.Database(tmp_path / "a.db")
    migrate(db)
    fks = {(fk.table, fk.column, fk.other_table, fk.other_column)
           for table in ("fetches", "reports", "cells", "checks", "failures")
           for fk in db[table].foreign_keys}
    assert fks == {
        ("fetches", "sha256", "documents", "sha256"),
        ("fetches", "portal", "portals", "id"),
        ("reports", "sha256", "documents", "sha256"),
        ("reports", "portal", "portals", "id"),
        ("cells", "report_id", "reports", "id"),
        ("cells", "key", "cell_keys", "key"),
        ("checks", "report_id", "reports", "id"),
        ("failures", "sha256", "documents", "sha256"),
    }
    assert db["cells"].pks == ["report_id", "key"]
    assert db["checks"].pks == ["report_id", "seq"]
    indexed = {(table, tuple(index.columns))
               for table in ("fetches", "reports", "cells", "checks")
               for index in db[table].indexes}
    for expected in [("reports", ("fts_rowid",)), ("reports", ("issuer", "year")),
                     ("reports", ("portal", "year")), ("cells", ("key", "value")),
                     ("checks", ("rule", "ok")), ("fetches", ("sha256",)), ("fetches", ("url",))]:
        assert expected in indexed
    assert any(i.unique and i.columns == ["fts_rowid"] for i in db["reports"].indexes)
