"""Hand-made records for the archive tests: two reports, fetches, a portal, a failure."""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CELLS_CSV = REPO / "pipelines" / "data" / "cells.csv"
SPEC_SCHEMA = REPO.parent / "shared" / "spec" / "record.schema.json"


def sha(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


SHA_JIANXI = sha("jianxi-2021.pdf")
SHA_MINZHENG = sha("minzheng-2020.html")
SHA_LIST = sha("list-page")
SHA_BROKEN = sha("broken.doc")

PORTAL = {
    "id": "sample-jianxi",
    "name": "涧西区人民政府（示例门户）",
    "url": "http://127.0.0.1:8765/zwgk/ndbg/index.html",
    "platform": "trs",
    "level": "county",
    "region": {"province": "河南省", "city": "洛阳市", "county": "涧西区"},
}

JIANXI_TEXT = (
    "涧西区人民政府2021年政府信息公开工作年度报告\n"
    "一、总体情况 2021年，本机关围绕城乡征迁、安置补偿等群众关注的事项，主动做好政府信息公开工作。"
    "二、收到和处理政府信息公开申请情况 本年新收申请16件。"
    "三、政府信息公开行政复议、行政诉讼情况 本年发生行政复议1件。"
)

REPORT_JIANXI = {
    "title": "涧西区人民政府2021年政府信息公开工作年度报告",
    "year": 2021,
    "issuer": "涧西区人民政府",
    "template": "2021",
    "format": "pdf",
    "text": JIANXI_TEXT,
    "notes": ["table 三 split across pages 3-4"],
    "sections": {"一、总体情况": "2021年，本机关围绕城乡征迁……"},
    "cells": {
        "t2.fees.amount": 0.5,
        "t3.new.total": 16,
        "t3.carried_over.total": 0,
        "t3.granted.total": 9,
        "t3.partial.total": 2,
        "t3.denied_state_secret.total": 1,
        "t3.denied_third_party.total": None,
        "t3.denied_process.total": 1,
        "t3.unable_not_held.total": 3,
        "t3.rejected_duplicate.total": 0,
        "t3.other_misc.total": None,
        "t3.total.total": 16,
        "t3.carried_forward.total": 0,
        "t4.review.total": 1,
        "t4.suit_direct.total": 1,
        "t4.suit_after_review.total": 0,
    },
    "raw_cells": {
        "t2.fees.amount": "0.5万元",
        "t3.new.total": "16",
        "t3.denied_third_party.total": "/",
        "t3.other_misc.total": "",
    },
    "checks": [
        {"rule": "t3.balance.total", "ok": True, "expected": 16, "found": 16,
         "detail": "16+0 = 16+0", "verdict": None},
        {"rule": "t3.results.total", "ok": False, "expected": 16, "found": 17,
         "detail": "9+2+1+1+3+0 = 16 ≠ 17", "verdict": "source"},
    ],
    "sha256": SHA_JIANXI,
    "source_url": "http://127.0.0.1:8765/zwgk/ndbg/202203/P020220301.pdf",
    "page_url": "http://127.0.0.1:8765/zwgk/ndbg/202203/t20220301_1.htm",
    "fetched_at": "2024-03-02T10:00:00Z",
    "portal": "sample-jianxi",
    "portal_name": "涧西区人民政府（示例门户）",
}

REPORT_MINZHENG = {
    "title": "洛阳市民政局2020年政府信息公开工作年度报告",
    "year": 2020,
    "issuer": "洛阳市民政局",
    "template": "2019",
    "format": "html",
    # 征收 and 迁移 but not 征迁; 信息 and 公开 but never 信息公开; 复印 but not 复议
    "text": "本局负责低保审批。土地征收与人口迁移另行公告。申请人可复印相关信息，公开时间见附件。",
    "cells": {"t3.new.total": 3, "t3.granted.total": 3, "t3.total.total": 3,
              "t3.carried_forward.total": 0},
    "checks": [{"rule": "t3.balance.total", "ok": True, "detail": "3+0 = 3+0"}],
    "sha256": SHA_MINZHENG,
    "source_url": "http://example.gov.cn/mzj/2021/ndbg.html",
    "fetched_at": "2024-03-02T11:00:00Z",
    "portal": "luoyang-minzheng",
    "portal_name": "洛阳市民政局",
    "level": "department",
    "region": {"province": "河南省", "city": "洛阳市"},
}

#: REPORT_JIANXI as read from a scan: four cells by OCR (one of them blank), one in doubt.
REPORT_JIANXI_OCR = {
    **REPORT_JIANXI,
    "ocr": {"t3.new.total": 0.93, "t3.granted.total": 0.981, "t3.denied_process.total": 0.412,
            "t3.denied_third_party.total": 0.7},
    "uncertain": ["t3.denied_process.total"],
}

FETCHES = [
    {"url": PORTAL["url"], "fetched_at": "2024-03-02T09:59:00Z", "status": 200,
     "headers": {"content-type": "text/html"}, "sha256": SHA_LIST, "size": 2048,
     "content_type": "text/html", "filename": "index.html", "referer": None,
     "portal": "sample-jianxi", "role": "list", "outcome": "stored"},
    {"url": REPORT_JIANXI["page_url"], "fetched_at": "2024-03-02T09:59:30Z", "status": 200,
     "headers": {}, "sha256": None, "size": 0, "referer": PORTAL["url"],
     "portal": "sample-jianxi", "role": "detail", "link_text": "2021年政府信息公开工作年度报告",
     "title": "涧西区人民政府2021年政府信息公开工作年度报告", "is_report": True,
     "attachments": [REPORT_JIANXI["source_url"]], "outcome": "not_modified"},
    {"url": REPORT_JIANXI["source_url"], "fetched_at": "2024-03-02T10:00:00Z", "status": 200,
     "headers": {"content-type": "application/pdf"}, "sha256": SHA_JIANXI, "size": 81234,
     "content_type": "application/pdf", "filename": "P020220301.pdf",
     "referer": REPORT_JIANXI["page_url"], "portal": "sample-jianxi", "role": "attachment",
     "outcome": "stored"},
    # the same original fetched again later under another name: first_seen stays the first
    {"url": REPORT_JIANXI["source_url"] + "?v=2", "fetched_at": "2024-04-01T10:00:00Z",
     "status": 200, "headers": {}, "sha256": SHA_JIANXI, "size": 81234,
     "content_type": "application/pdf", "filename": "renamed.pdf", "portal": "sample-jianxi",
     "role": "attachment", "outcome": "stored"},
    {"url": "http://127.0.0.1:8765/zwgk/ndbg/broken.doc", "fetched_at": "2024-03-02T10:01:00Z",
     "status": 200, "sha256": SHA_BROKEN, "size": 10, "content_type": "application/msword",
     "filename": "broken.doc", "portal": "sample-jianxi", "role": "attachment",
     "outcome": "stored"},
    {"url": "http://127.0.0.1:8765/zwgk/ndbg/gone.pdf", "fetched_at": "2024-03-02T10:02:00Z",
     "status": 404, "sha256": None, "portal": "sample-jianxi", "role": "attachment",
     "outcome": "gone", "error": "HTTP 404"},
]

FAILURES = [
    {"sha256": SHA_BROKEN, "source_url": "http://127.0.0.1:8765/zwgk/ndbg/broken.doc",
     "kind": "unreadable", "reason": "LibreOffice could not convert the file",
     "at": "2024-03-02T12:00:00Z"},
]


def read_cell_labels() -> list[dict]:
    """The canonical cell keys with their labels, as the caller passes them to ``load``."""
    with open(CELLS_CSV, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))
