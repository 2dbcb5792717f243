"""Export of the canonical record, validated against ../shared/spec/record.schema.json."""
from __future__ import annotations

import json

import pytest
from archive_records import REPORT_JIANXI, SHA_JIANXI, SHA_MINZHENG, SPEC_SCHEMA

from gongkai.archive.export import export_records


def test_export_gives_the_canonical_record(archive_db):
    records = list(export_records(archive_db))
    assert [r["sha256"] for r in records] == sorted([SHA_JIANXI, SHA_MINZHENG])
    jianxi = next(r for r in records if r["sha256"] == SHA_JIANXI)
    assert {k: jianxi[k] for k in ("title", "year", "issuer", "template")} == {
        k: REPORT_JIANXI[k] for k in ("title", "year", "issuer", "template")}
    assert jianxi["cells"] == REPORT_JIANXI["cells"]
    assert isinstance(jianxi["cells"]["t3.new.total"], int)
    assert jianxi["checks"] == [
        {"rule": "t3.balance.total", "ok": True, "detail": "16+0 = 16+0"},
        {"rule": "t3.results.total", "ok": False, "detail": "9+2+1+1+3+0 = 16 ≠ 17",
         "verdict": "source"},
    ]
    assert (jianxi["source_url"], jianxi["fetched_at"]) == (
        REPORT_JIANXI["source_url"], REPORT_JIANXI["fetched_at"])


def test_report_without_cells_or_checks(tmp_path):
    from archive_records import REPORT_MINZHENG

    from gongkai.archive.load import load

    record = dict(REPORT_MINZHENG, cells={}, checks=[], template=None, year=None)
    load(tmp_path / "g.db", reports=[record], fetches=[])
    [exported] = export_records(tmp_path / "g.db")
    assert (exported["cells"], exported["checks"], exported["year"]) == ({}, [], None)


@pytest.mark.skipif(not SPEC_SCHEMA.exists(), reason="../shared/spec/record.schema.json absent")
def test_export_validates_against_the_spec_schema(archive_db):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SPEC_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    records = list(export_records(archive_db))
    assert records
    for record in records:
        errors = [error.message for error in validator.iter_errors(record)]
        assert errors == [], record["title"]
