"""The portal's truth: complete, consistent with the official arithmetic, deterministic."""
from __future__ import annotations

import re
from collections import Counter
from datetime import date

from gongkai.pipelines.cells import keys_for
from gongkai.pipelines.classify import is_report_title
from gongkai.sample_portal import build_site

APPLICANTS = ("natural_person", "commercial", "research", "social", "legal", "other_org")
COLUMNS = APPLICANTS + ("total",)
OUTCOMES_COMMON = (
    "granted", "partial",
    "denied_state_secret", "denied_prohibited", "denied_safety_stability", "denied_third_party",
    "denied_internal", "denied_process", "denied_enforcement", "denied_inquiry",
    "unable_not_held", "unable_needs_creation", "unable_unclear",
    "rejected_petition", "rejected_duplicate", "rejected_publication", "rejected_excessive",
    "rejected_confirmation",
)
OUTCOMES = {
    "2019": OUTCOMES_COMMON + ("other",),
    "2021": OUTCOMES_COMMON + ("other_no_correction", "other_unpaid_fee", "other_misc"),
}
FIELDS = {"kind", "title", "page_url", "document_url", "format", "encoding", "year", "issuer", "template",
          "cells", "published"}


def test_every_item_has_the_truth_fields(site):
    for item in site.truth:
        assert FIELDS <= set(item), item["title"]
        assert item["kind"] in ("report", "news")
        assert item["format"] in ("html", "pdf", "docx")
        assert item["encoding"] in ("utf-8", "gbk")
        assert item["page_url"].startswith(site.base_url + "/zwgk/ndbg/")
        assert site.resource_for(item["page_url"]) is not None
        assert site.resource_for(item["document_url"]) is not None
        date.fromisoformat(item["published"])


def test_the_mix_of_reports_news_forms_and_formats(site, reports):
    news = [i for i in site.truth if i["kind"] == "news"]
    assert len(reports) >= 25 and len(news) >= 10
    forms = Counter(r["format"] for r in reports)
    assert forms["pdf"] >= 4 and forms["docx"] >= 4 and forms["html"] >= 10
    assert {r["template"] for r in reports} == {"2019", "2021"}
    for form in ("html", "pdf", "docx"):
        assert {r["template"] for r in reports if r["format"] == form} == {"2019", "2021"}, form
    assert {r["year"] for r in reports} == set(range(2019, 2025))
    assert len({r["issuer"] for r in reports}) >= 6
    assert {r["year"] for r in reports if r["issuer"] == "涧西区人民政府"} == set(range(2019, 2025))
    assert any("年度政府信息公开工作年度报告" in r["title"] for r in reports)


def test_reports_are_titled_dated_and_templated_like_real_ones(reports):
    for r in reports:
        assert re.fullmatch(rf"{re.escape(r['issuer'])}{r['year']}年(度)?政府信息公开工作年度报告", r["title"])
        assert is_report_title(r["title"])
        published = date.fromisoformat(r["published"])
        assert published.year == r["year"] + 1 and published.month <= 3, r["title"]
        assert r["template"] == ("2019" if r["year"] <= 2020 else "2021")
        assert list(r["cells"]) == keys_for(r["template"]), r["title"]


def test_news_is_not_a_report(site):
    for item in site.truth:
        if item["kind"] == "news":
            assert not is_report_title(item["title"]), item["title"]
            assert item["cells"] == {} and item["template"] is None
    titles = [i["title"] for i in site.truth if i["kind"] == "news"]
    assert "关于做好2023年政府信息公开工作年度报告编制工作的通知" in titles


def test_values_include_negatives_decimals_and_blanks(reports):
    values = [(k, v) for r in reports for k, v in r["cells"].items()]
    assert any(k.endswith(".change") and isinstance(v, int) and v < 0 for k, v in values)
    decimals = [v for k, v in values if isinstance(v, float)]
    assert any(len(repr(v).split(".")[1]) == 6 for v in decimals)
    assert all(k.endswith((".amount",)) for k, v in values if isinstance(v, float))
    blanks = {k for k, v in values if v is None}
    assert blanks and all(k.startswith("t2.") for k in blanks)
    assert all(v is None or isinstance(v, (int, float)) and not isinstance(v, bool) for _, v in values)


def _sum(values):
    return sum(values)


def test_table_three_and_four_arithmetic_holds_in_every_report(reports):
    for r in reports:
        c, outcomes = r["cells"], OUTCOMES[r["template"]]
        for row in ("new", "carried_over", "total", "carried_forward") + outcomes:
            assert _sum(c[f"t3.{row}.{a}"] for a in APPLICANTS) == c[f"t3.{row}.total"], (r["title"], row)
        for col in COLUMNS:
            assert _sum(c[f"t3.{row}.{col}"] for row in outcomes) == c[f"t3.total.{col}"], (r["title"], col)
            assert c[f"t3.new.{col}"] + c[f"t3.carried_over.{col}"] == \
                c[f"t3.total.{col}"] + c[f"t3.carried_forward.{col}"], (r["title"], col)
        for group in ("review", "suit_direct", "suit_after_review"):
            parts = [c[f"t4.{group}.{k}"] for k in ("upheld", "corrected", "other", "pending")]
            assert _sum(parts) == c[f"t4.{group}.total"], (r["title"], group)


def test_consecutive_years_of_a_body_chain(reports):
    by_body = {(r["issuer"], r["year"]): r["cells"] for r in reports}
    chained = 0
    for (issuer, year), cells in by_body.items():
        before = by_body.get((issuer, year - 1))
        if before is None:
            continue
        chained += 1
        for col in COLUMNS:
            assert cells[f"t3.carried_over.{col}"] == before[f"t3.carried_forward.{col}"], (issuer, year, col)
        if year == 2020:
            for item in ("licensing", "other_services", "penalty", "coercion", "fees"):
                prev, change = before[f"t2.{item}.previous"], before[f"t2.{item}.change"]
                if prev is not None and change is not None:
                    assert cells[f"t2.{item}.previous"] == prev + change, (issuer, item)
    assert chained >= 15


def test_narrative_states_the_tables_counts(reports):
    for r in reports:
        sections = r["sections"]
        assert set(sections) == {"一、总体情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"}
        if r.get("origin") == "seed":
            continue
        overview = sections["一、总体情况"]
        assert f"全年共收到政府信息公开申请{r['cells']['t3.new.total']}件" in overview, r["title"]
        assert "行政复议" in overview and "信息公开" in overview


def test_a_second_build_is_byte_identical_up_to_the_address(site):
    """Same inputs, same bytes: a build for another port differs only where the URL is printed
    (attachments, which print no URL, are identical)."""
    here, there = site.base_url.encode(), b"http://127.0.0.1:9999"
    assert len(here) == len(there)  # so Content-Length-based ETags agree too
    other = build_site(there.decode())
    assert other.resources.keys() == site.resources.keys()
    for path, resource in site.resources.items():
        again = other.resources[path]
        assert again.body.replace(there, here) == resource.body, path
        assert (again.content_type, again.headers) == (resource.content_type, resource.headers), path
        if resource.content_type in ("application/pdf",) or path.endswith(".docx"):
            assert again.body == resource.body, path
    def comparable(item: dict, base: str) -> dict:
        out = {k: v.replace(base, "BASE") if isinstance(v, str) else v for k, v in item.items()}
        if item["format"] == "html":
            del out["sha256"]  # the page prints its own URL
        return out

    assert [comparable(i, there.decode()) for i in other.truth] == [comparable(i, site.base_url) for i in site.truth]


def test_portals_yaml_describes_the_column(site):
    import yaml

    portals = yaml.safe_load(site.portals_yaml())["portals"]
    assert len(portals) == 1
    entry = portals[0]
    assert entry["id"] == "sample-jianxi"
    assert entry["url"] == site.column_url == f"{site.base_url}/zwgk/ndbg/index.html"
    assert entry["level"] == "county" and entry["region"]["county"] == "涧西区"
