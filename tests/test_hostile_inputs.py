"""Broken and hostile files: each ends in a record or a clean one-line reason, within 10 seconds
and a memory cap, and never takes down the process that asked (gongkai.build's extraction pool)."""
from __future__ import annotations

import io
import random
import zipfile
from importlib import resources

import pytest

from gongkai.build import run_guarded

SEED = resources.files("gongkai.sample_portal").joinpath("data/seed_jianxi_2019.txt").read_bytes()


def _site_documents():
    from gongkai.sample_portal import build_site

    site = build_site("http://127.0.0.1:9")
    by_format: dict[str, list[bytes]] = {"html": [], "pdf": [], "docx": [], "news": [], "scan": []}
    for item in site.truth:
        path = item["document_url"].split("127.0.0.1:9", 1)[1]
        body = site.resources[path].body
        if item["kind"] == "news":
            by_format["news"].append(body)
        else:
            by_format["scan" if item.get("scanned") else item["format"]].append(body)
    return by_format


def _zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            chunk = b"\0" * (1 << 20)
            for _ in range(1024):  # 1 GB unpacked, ~1 MB packed
                f.write(chunk)
    return buf.getvalue()


def _billion_laughs_docx(template: bytes) -> bytes:
    lol = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10)
    ) + ']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>'
    src = zipfile.ZipFile(io.BytesIO(template))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = lol.encode() if info.filename == "word/document.xml" else src.read(info.filename)
            z.writestr(info.filename, data)
    return buf.getvalue()


def _encrypted_pdf() -> bytes:
    from reportlab.lib import pdfencrypt
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=pdfencrypt.StandardEncryption("secret"))
    c.setFont("STSong-Light", 14)
    c.drawString(72, 720, "某区人民政府2020年政府信息公开工作年度报告")
    c.save()
    return buf.getvalue()


def hostile_files() -> list[tuple[str, bytes, str | None]]:
    rng = random.Random(20261130)
    docs = _site_documents()
    html, pdf, docx = docs["html"][0], docs["pdf"][0], docs["docx"][0]
    cases: list[tuple[str, bytes, str | None]] = [
        ("empty", b"", None), ("whitespace", b"  \n\t ", None), ("one byte", b"\x00", None),
        ("zip bomb as docx", _zip_bomb(), "report.docx"),
        ("billion laughs docx", _billion_laughs_docx(docx), "report.docx"),
        ("encrypted pdf", _encrypted_pdf(), "report.pdf"),
        ("200 MB file", b"<html><body>" + b"\xe5\x85\xac" * (200 * 2**20 // 3) + b"</body></html>", "big.html"),
        ("deep html", b"<html><body>" + b"<div>" * 200_000 + "某区2020年政府信息公开工作年度报告".encode() + b"</body></html>", None),
        ("huge spans", ("<html><body><table>" + "<tr><td rowspan=999999 colspan=999999>1</td></tr>" * 2000
                        + "</table></body></html>").encode(), None),
        ("wide table", ("<table>" + "<tr>" + "<td>1</td>" * 20000 + "</tr>" * 50 + "</table>").encode(), None),
        ("pdf header only", b"%PDF-1.7\n%%EOF", "x.pdf"),
        ("docx not a zip", b"PK\x03\x04" + bytes(rng.randrange(256) for _ in range(5000)), "x.docx"),
        ("doc magic junk", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(rng.randrange(256) for _ in range(4000)), "x.doc"),
        ("utf-16 html", html.decode("utf-8", "replace").encode("utf-16"), None),
        ("gbk with utf-8 meta", html.decode("utf-8", "replace").encode("gb18030", "replace"), None),
        ("latin-1 mojibake", html.decode("utf-8", "replace").encode("utf-8").decode("latin-1").encode("utf-8"), None),
        ("seed as gbk", SEED.decode("utf-8").encode("gb18030"), "seed.txt"),
        ("seed as utf-16", SEED.decode("utf-8").encode("utf-16"), "seed.txt"),
    ]
    for i in range(25):
        cases.append((f"binary junk {i}", bytes(rng.randrange(256) for _ in range(rng.randrange(1, 20000))), None))
    for name, base in (("html", html), ("pdf", pdf), ("docx", docx), ("seed", SEED)):
        for i in range(20):
            cut = rng.randrange(1, len(base))
            cases.append((f"truncated {name} at {cut}", base[:cut], None))
    for name, base in (("pdf", pdf), ("docx", docx), ("html", html)):
        for i in range(15):
            b = bytearray(base)
            for _ in range(rng.randrange(1, 50)):
                b[rng.randrange(len(b))] = rng.randrange(256)
            cases.append((f"corrupt {name} {i}", bytes(b), None))
    lines = SEED.decode("utf-8").splitlines()
    for i in range(25):
        kept = [ln for ln in lines if rng.random() > 0.3]
        cases.append((f"seed missing lines {i}", "\n".join(kept).encode(), "seed.txt"))
    for i, news in enumerate(docs["news"][:10]):
        cases.append((f"news article {i}", news, None))
    return cases


def _run(tmp_path, cases):
    jobs = []
    for i, (name, data, filename) in enumerate(cases):
        path = tmp_path / f"{i:04d}"
        path.write_bytes(data)
        jobs.append((name, str(path), filename))
    return {name: (status, out) for name, status, out in
            run_guarded(jobs, workers=2, timeout=10, memory_mb=2048)}


def test_at_least_200_broken_or_hostile_files_each_end_cleanly(tmp_path):
    cases = hostile_files()
    assert len(cases) >= 200
    by_name = _run(tmp_path, cases)
    assert len(by_name) == len(cases)
    errors = {name: reason for name, (status, reason) in by_name.items() if status != "ok"}
    for name, reason in errors.items():
        assert reason and "\n" not in reason and len(reason) <= 500, (name, reason)
    assert by_name["empty"][0] == "unreadable"
    assert "MB" in by_name["200 MB file"][1]
    assert by_name["zip bomb as docx"][0] == "unreadable"
    assert by_name["encrypted pdf"][0] == "unreadable"
    news = [n for n in by_name if n.startswith("news article")]
    assert news and all(by_name[n][0] == "not_a_report" for n in news)
    status, rec = by_name["seed as gbk"]
    assert status == "ok" and rec["cells"]["t3.new.total"] == 16
    kinds = {}
    for status, _ in by_name.values():
        kinds[status] = kinds.get(status, 0) + 1
    print(f"{len(cases)} hostile files: {kinds}")
