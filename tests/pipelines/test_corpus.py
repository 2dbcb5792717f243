"""gongkai extract on the real, hand-checked reports of ../shared/corpus (skips where absent).

Prints the figure the reviews quote: the share of labelled cells read exactly.
"""
import json
import math

import pytest

from gongkai.pipelines.errors import ExtractError
from gongkai.pipelines.extract import extract_path


def _same(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), abs_tol=1e-6)


def _labels(corpus_dir):
    return sorted((corpus_dir / "labels").glob("*.json"))


def score(corpus_dir):
    per_doc = {}
    for path in _labels(corpus_dir):
        label = json.loads(path.read_text(encoding="utf-8"))
        try:
            rec = extract_path(corpus_dir / "docs" / label["file"])
        except ExtractError as e:
            per_doc[path.stem] = (0, len(label["cells"]), [f"failed: {e}"], label, None)
            continue
        undetermined = set(label.get("undetermined", ()))
        got = rec["cells"]
        good, misses = 0, []
        for k, v in label["cells"].items():
            if (k in got and _same(got[k], v)) or (k in undetermined and got.get(k) is None):
                good += 1
            else:
                misses.append(f"{k}={got.get(k, '∅')}≠{v}")
        per_doc[path.stem] = (good, len(label["cells"]), misses, label, rec)
    return per_doc


def test_corpus_cell_accuracy_and_metadata(corpus_dir):
    per_doc = score(corpus_dir)
    ok = sum(g for g, *_ in per_doc.values())
    total = sum(n for _, n, *_ in per_doc.values())
    meta_bad = []
    for name, (good, n, misses, label, rec) in per_doc.items():
        print(f"{name}: {good}/{n}" + (f"; misses {misses[:4]}" if misses else ""))
        if rec is None:
            meta_bad.append(f"{name}: {misses[0]}")
            continue
        for field in ("year", "template"):
            if str(rec[field]) != str(label[field]):
                meta_bad.append(f"{name}: {field} {rec[field]} ≠ {label[field]}")
        if label.get("issuer") and "".join((rec["issuer"] or "").split()) != "".join(label["issuer"].split()):
            meta_bad.append(f"{name}: issuer {rec['issuer']} ≠ {label['issuer']}")
    accuracy = ok / total
    print(f"corpus cell accuracy: {accuracy:.4f} ({ok}/{total}) over {len(per_doc)} documents")
    assert not meta_bad, meta_bad
    assert accuracy >= 0.995


@pytest.mark.parametrize("form", ["html", "pdf", "docx", "txt"])
def test_every_delimited_form_is_read_exactly(corpus_dir, form):
    """Tables with their cells intact (not glued text) leave no excuse for a single miss."""
    for name, (good, n, misses, label, rec) in score(corpus_dir).items():
        if label["file"].endswith("." + form) and "glued" not in label["file"] and label["cells"]:
            assert not misses, f"{name}: {misses[:6]}"


def test_failed_checks_are_exactly_the_sources_own_inconsistencies(corpus_dir):
    """The labels' notes name every inconsistency of the reports themselves ("source
    inconsistency: …"); every other check, text against table included, must pass."""
    failed = {}
    for name, (_, _, _, label, rec) in score(corpus_dir).items():
        bad = sorted(c["rule"] for c in rec["checks"] if c["ok"] is False) if rec else ["unread"]
        if bad:
            failed[name] = bad
            assert all(c["verdict"] == "source" for c in rec["checks"] if c["ok"] is False)
            assert "source inconsistency" in (label.get("notes") or ""), name
    assert failed == {"hongze_2023": ["t4.review", "t4.suit_after_review"]}


def test_narrative_counts_are_checked_against_the_tables(corpus_dir):
    rules = set()
    for _, (_, _, _, _, rec) in score(corpus_dir).items():
        rules |= {c["rule"] for c in (rec or {}).get("checks", []) if c["rule"].startswith("text.")}
    assert {"text.applications", "text.handled", "text.carried_forward", "text.reconsiderations",
            "text.lawsuits", "text.carried_over"} <= rules
