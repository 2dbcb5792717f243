"""The seed report (涧西区人民政府 2019, flattened text) is bundled with the project."""
import json
from importlib import resources

import pytest

from gongkai.pipelines.cells import keys_for
from gongkai.pipelines.extract import extract_bytes

SEED = resources.files("gongkai.sample_portal").joinpath("data/seed_jianxi_2019.txt").read_bytes()


def test_seed_text_yields_every_2019_cell_with_title_year_issuer_and_template():
    rec = extract_bytes(SEED, "seed.txt")
    assert rec["title"] == "涧西区人民政府2019年政府信息公开工作年度报告"
    assert (rec["year"], rec["issuer"], rec["template"]) == (2019, "涧西区人民政府", "2019")
    assert sorted(rec["cells"]) == sorted(keys_for("2019"))
    assert rec["cells"]["t2.licensing.change"] == -81
    assert rec["cells"]["t2.procurement.amount"] == pytest.approx(236773.9469)
    assert rec["cells"]["t3.unable_not_held.natural_person"] == 10
    assert rec["cells"]["t4.suit_direct.total"] == 78


def test_seed_arithmetic_checks_all_pass_and_name_expected_and_found():
    rec = extract_bytes(SEED, "seed.txt")
    assert len(rec["checks"]) >= 40
    assert all(c["ok"] for c in rec["checks"]), [c for c in rec["checks"] if not c["ok"]]
    bal = next(c for c in rec["checks"] if c["rule"] == "t3.balance.total")
    assert bal["detail"] == "16+0 = 16+0" and bal["expected"] == bal["found"] == 16


def test_seed_matches_hand_checked_labels(corpus_dir):
    label = json.loads((corpus_dir / "labels" / "jianxi_2019.json").read_text(encoding="utf-8"))
    rec = extract_bytes((corpus_dir / "docs" / label["file"]).read_bytes(), label["file"])
    assert rec["cells"] == label["cells"]


def test_html_report_text_is_the_article_without_portal_chrome():
    from gongkai.sample_portal import build_site

    site = build_site("http://127.0.0.1:9")
    seed = next(t for t in site.truth if t.get("origin") == "seed")
    rec = extract_bytes(site.resources[seed["page_url"].split("127.0.0.1:9", 1)[1]].body)
    assert "征迁" in rec["text"] and "复议" in rec["text"]
    assert "当前位置" not in rec["text"]  # the breadcrumb stays out of the searchable text
