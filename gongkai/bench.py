"""Benchmarks, measured as ratios against a baseline run in the same process and moment.

    gongkai bench extract [--docs DIR] [--repeat N]

HTML: documents per second of gongkai's extract against trafilatura.extract alone on the same
pages (the ratio is what the project's target refers to: extract ≤ 1.5× trafilatura's cost).
PDF: pages per second of gongkai's extract.
"""
from __future__ import annotations

import time
from pathlib import Path


def _time(fn, items, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for it in items:
            fn(it)
        best = min(best, time.perf_counter() - t0)
    return best


def html_documents(docs_dir: Path | None) -> list[bytes]:
    if docs_dir is not None:
        return [p.read_bytes() for p in sorted(docs_dir.rglob("*.htm*"))]
    from gongkai.sample_portal import build_site

    site = build_site("http://127.0.0.1:9")
    return [site.resources[t["document_url"].split("127.0.0.1:9", 1)[1]].body
            for t in site.truth if t["kind"] == "report" and t["format"] == "html"]


def pdf_documents(docs_dir: Path | None) -> list[bytes]:
    if docs_dir is not None:
        return [p.read_bytes() for p in sorted(docs_dir.rglob("*.pdf"))]
    from gongkai.sample_portal import build_site

    site = build_site("http://127.0.0.1:9")
    return [site.resources[t["document_url"].split("127.0.0.1:9", 1)[1]].body
            for t in site.truth if t["kind"] == "report" and t["format"] == "pdf"]


def bench_extract(docs_dir: Path | None = None, repeat: int = 3) -> dict:
    import io

    import pdfplumber
    import trafilatura

    from gongkai.pipelines.extract import extract_bytes

    out: dict = {}
    html = html_documents(docs_dir)
    if html:
        texts = [h.decode("utf-8", "replace") for h in html]
        extract_bytes(html[0])  # warm imports
        trafilatura.extract(texts[0])
        ours = _time(lambda b: extract_bytes(b), html, repeat)
        base = _time(lambda t: trafilatura.extract(t), texts, repeat)
        out["html"] = {
            "documents": len(html),
            "extract_docs_per_s": len(html) / ours,
            "trafilatura_docs_per_s": len(html) / base,
            "cost_ratio_vs_trafilatura": ours / base,
        }
    pdfs = pdf_documents(docs_dir)
    if pdfs:
        pages = sum(len(pdfplumber.open(io.BytesIO(b)).pages) for b in pdfs)
        ours = _time(lambda b: extract_bytes(b), pdfs, max(1, repeat - 1))
        out["pdf"] = {"documents": len(pdfs), "pages": pages, "pages_per_s": pages / ours}
    return out
