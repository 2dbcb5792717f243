"""The seed report is republished from what gongkai.pipelines.extract reads, never typed in."""
from __future__ import annotations

import sys

import pytest

from gongkai.sample_portal import build_site
from gongkai.sample_portal.seed import SeedUnavailable, paragraphs, seed_bytes


def test_seed_report_is_on_the_portal_as_an_html_page(site):
    from gongkai.pipelines.extract import extract_bytes

    record = extract_bytes(seed_bytes(), "seed_jianxi_2019.txt")
    seeds = [i for i in site.truth if i.get("origin") == "seed"]
    assert len(seeds) == 1
    seed = seeds[0]
    assert (seed["title"], seed["issuer"], seed["year"], seed["template"]) == \
        (record["title"], record["issuer"], record["year"], record["template"])
    assert seed["format"] == "html" and seed["encoding"] == "utf-8"
    assert seed["cells"] == {k: record["cells"].get(k) for k in seed["cells"]}
    assert seed["published"].startswith("2020-")


def test_the_government_2020_report_continues_the_seed(site):
    seed = next(i for i in site.truth if i.get("origin") == "seed")
    following = next(i for i in site.reports if i["issuer"] == seed["issuer"] and i["year"] == 2020)
    for col in ("natural_person", "total"):
        assert following["cells"][f"t3.carried_over.{col}"] == seed["cells"][f"t3.carried_forward.{col}"]
    for item in ("licensing", "fees"):
        assert following["cells"][f"t2.{item}.previous"] == \
            seed["cells"][f"t2.{item}.previous"] + seed["cells"][f"t2.{item}.change"]


def test_without_the_extractor_the_build_says_why(monkeypatch):
    monkeypatch.setitem(sys.modules, "gongkai.pipelines.extract", None)  # import now raises ImportError
    with pytest.raises(SeedUnavailable, match="extract_bytes"):
        build_site("http://127.0.0.1:8765")


def test_paragraphs_rejoin_hard_wrapped_lines():
    text = "（一）加强组织领导\n推进政府信息公开是\n重要举措。\n二是健全组织。\n无"
    assert paragraphs(text) == ["（一）加强组织领导", "推进政府信息公开是重要举措。", "二是健全组织。", "无"]
