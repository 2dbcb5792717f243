"""Every report of the bundled sample portal reads back exactly, and its arithmetic holds."""
import pytest

from gongkai.pipelines.extract import extract_bytes


@pytest.fixture(scope="module")
def reports():
    from gongkai.sample_portal import build_site

    site = build_site("http://127.0.0.1:9")
    return [(item, site.resources[item["document_url"].split("127.0.0.1:9", 1)[1]].body)
            for item in site.truth if item["kind"] == "report"]


def test_every_sample_report_is_read_exactly_with_every_check_passing(reports):
    assert len(reports) >= 20
    for item, body in reports:
        rec = extract_bytes(body, item["document_url"].rsplit("/", 1)[-1])
        assert rec["cells"] == item["cells"], item["title"]
        assert (rec["year"], rec["template"], rec["issuer"]) == (item["year"], item["template"], item["issuer"])
        assert all(c["ok"] for c in rec["checks"]), [c for c in rec["checks"] if not c["ok"]]
        assert any(c["rule"] == "text.applications" for c in rec["checks"]), item["title"]
