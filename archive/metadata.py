"""Datasette metadata for the archive: every table and column titled and described in Chinese
and English, units in the descriptions, search and canned queries configured.

``metadata_dict(db_path)`` builds it from the tables actually in the database;
``missing_descriptions(db_path)`` lists what lacks a description (tests require it empty, so a
new column cannot be published undescribed).
"""
from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

from . import search

#: Datasette settings the archive is served with (``--setting`` in 0.65, not metadata).
DATASETTE_SETTINGS: dict[str, Any] = {
    "sql_time_limit_ms": 3000,
    "suggest_facets": False,
    "allow_download": True,
    "truncate_cells_html": 240,
    "facet_time_limit_ms": 1000,
}

TITLE = "gongkai 政府信息公开工作年度报告档案 / archive of government information-disclosure annual reports"
DESCRIPTION = (
    "各级政府机关发布的政府信息公开工作年度报告：原始文件的存档、表格数据与全文检索。"
    "报告自身的算术错误（finding）与我们的读取错误分开标注。 / "
    "The annual reports every Chinese government body publishes on its information disclosure: "
    "archived originals, their statistical tables as data, and full-text search. "
    "Errors in a report's own arithmetic (finding) are kept apart from our reading errors."
)
SOURCE = "各级人民政府及其部门门户网站的政府信息公开年报栏目 / annual-report columns of government portals"
LICENSE = "原始报告为公开的政府信息；本汇编数据 CC0 1.0 / source reports are public government information; this compilation CC0 1.0"
LICENSE_URL = "https://creativecommons.org/publicdomain/zero/1.0/"


@dataclass(frozen=True)
class Doc:
    """A column's description: ``title`` is "中文 / English"; ``note`` explains, ``unit``."""

    title: str
    note: str = ""
    unit: str | None = None

    def description(self) -> str:
        text = self.title
        if self.note:
            text += " — " + self.note
        if self.unit:
            text += f"（单位 unit: {self.unit}）"
        return text


@dataclass(frozen=True)
class TableDoc:
    title: str
    description: str
    columns: dict[str, Doc]
    options: dict[str, Any] = field(default_factory=dict)


def _headline(title: str, keys: str, unit: str = "件") -> Doc:
    return Doc(title, f"{keys}；空白单元格不计，全部空白时为空 / blank cells left out, empty when all are blank", unit)


_SHA256 = Doc("文件指纹 / SHA-256", "原始文件字节的 SHA-256，即存档中的文件名 / SHA-256 of the original bytes, its name in the raw archive")
_PORTAL = Doc("门户 / portal", "门户标识，见 portals 表 / portal id, see the portals table")
_FETCHED_AT = Doc("抓取时间 / fetched at", "ISO 8601，UTC")
_CONTENT_TYPE = Doc("文件类型 / content type", "HTTP Content-Type，或嗅探所得 / from the HTTP header, or sniffed")
_FILENAME = Doc("文件名 / file name", "取自 Content-Disposition，否则取网址最后一段 / from Content-Disposition, else the URL's last part")
_REPORT_ID = Doc("报告 / report", "reports 表的 id / id in the reports table")
_REPORT_NO = Doc("报告编号 / report number", "reports 表的 fts_rowid，链接到报告页 / fts_rowid in the reports table, links to the report's page")
_CHECK_COLUMNS = {
    "seq": Doc("序号 / number", "在本报告校验中的顺序 / order among the report's checks"),
    "rule": Doc("规则 / rule", "校验规则名，如 t3.balance.total / name of the rule, e.g. t3.balance.total"),
    "ok": Doc("通过 / passed", "1 通过，0 未通过，空：无法校验 / 1 passed, 0 failed, empty: could not be checked"),
    "expected": Doc("应为 / expected", "按算术应得的数 / what the arithmetic requires"),
    "found": Doc("实为 / found", "报告中印刷的数 / what the report prints"),
    "detail": Doc("算式 / detail", "如 16+0 = 16+0 / the arithmetic written out"),
    "verdict": Doc("判断 / verdict", "source：报告自身数字不符（单元格读取无误）；misread：可能是读取错误；空：通过 / source: the report's own numbers disagree; misread: evidence points to our reading; empty when passed"),
}
_CELL_KEY = Doc("单元格键 / cell key", "规范键，如 t3.new.total，见 cell_keys 表 / canonical key such as t3.new.total, see cell_keys")
_TABLE_ZH = Doc("表 / table", "官方表格（或条款）的标题 / heading of the official table (or article)")
_ROW_ZH = Doc("行 / row", "官方表格中的行标签（中文）/ row label in the official table (Chinese)")
_COL_ZH = Doc("列 / column", "官方表格中的列标签（中文）/ column label in the official table (Chinese)")
_UNIT = Doc("单位 / unit", "件、项或万元 / items (件, 项) or 10,000 yuan (万元)")

_CELL_VALUE = Doc("数值 / value", "印刷的数字（已带正负号，未换算单位）；空白、/、—、无 为空，不当作 0 / the number as printed (sign applied, no unit conversion); empty for a blank, /, — or 无 cell, never 0", unit="见 cell_keys 的 unit 列 / the unit column of cell_keys")
_CELL_RAW = Doc("原文 / as printed", "单元格的原始文字 / the cell text as printed")
_OCR_CONFIDENCE = Doc("OCR 置信度 / OCR confidence", "由图像识别（OCR）从扫描页读出时的识别置信度，0 到 1；空：不是 OCR 读出的 / the OCR engine's confidence, 0 to 1, when the cell was read by OCR from a scanned page; empty when it was not")
_UNCERTAIN = Doc("读数存疑 / reading in doubt", "1：OCR 读数使算术校验不成立，而另一种看似合理的读法能使其成立（或置信度过低），请对照原件；0：否 / 1: the OCR reading breaks an arithmetic check that another plausible reading would satisfy (or its confidence is too low), compare with the original; 0: no")

TABLES: dict[str, TableDoc] = {
    "portals": TableDoc(
        "门户网站 / portals",
        "抓取年度报告的政府门户网站，一行一个门户（配置文件）。 / Government portals crawled for annual reports, one row per portal of the configuration.",
        {
            "id": Doc("门户标识 / portal id", "配置文件中的 id / the id in the portals configuration"),
            "name": Doc("门户名称 / portal name"),
            "level": Doc("行政层级 / administrative level", "national 国家、province 省、city 市、county 县区、township 乡镇、department 部门"),
            "province": Doc("省 / province"),
            "city": Doc("市 / city"),
            "county": Doc("县区 / county or district"),
            "platform": Doc("网站平台 / site platform", "门户所用内容管理系统，如 trs、hanweb / the CMS family the portal runs on"),
            "start_urls": Doc("起始网址 / start URLs", "年报栏目的网址，JSON 列表 / URLs of the annual-report column, JSON list"),
        },
        {"label_column": "name"},
    ),
    "documents": TableDoc(
        "原始文件 / original documents",
        "存档的每一个原始文件（网页、PDF、DOC、DOCX），按内容指纹去重，永不修改。 / Every archived original (page, PDF, DOC, DOCX), de-duplicated by content hash, never modified.",
        {
            "sha256": _SHA256,
            "size": Doc("文件大小 / size", unit="字节 bytes"),
            "content_type": _CONTENT_TYPE,
            "filename": _FILENAME,
            "first_seen": Doc("首次抓取 / first fetched", "最早一次抓到该文件的时间，ISO 8601，UTC / time of the earliest fetch that returned it"),
        },
    ),
    "fetches": TableDoc(
        "抓取记录 / fetch log",
        "爬虫的每一次抓取：栏目列表页、文章页与附件。 / Every fetch the crawler made: column list pages, detail pages and attachments.",
        {
            "id": Doc("抓取标识 / fetch id", "由网址与抓取时间得出的稳定标识 / stable id derived from the URLs and the fetch time"),
            "url": Doc("网址 / URL", "实际抓取的网址（重定向之后）/ URL fetched, after redirects"),
            "requested_url": Doc("请求网址 / requested URL", "重定向前请求的网址（不同时）/ the URL asked for, if different"),
            "fetched_at": _FETCHED_AT,
            "status": Doc("HTTP 状态码 / HTTP status"),
            "outcome": Doc("结果 / outcome", "stored 已存档、not_modified 未变化、gone 已删除、blocked 被拦截、error 出错"),
            "sha256": Doc("文件指纹 / SHA-256", "存档正文的 SHA-256，未存档时为空 / of the stored body, empty when nothing was stored"),
            "size": Doc("正文大小 / body size", unit="字节 bytes"),
            "content_type": _CONTENT_TYPE,
            "filename": _FILENAME,
            "referer": Doc("来源页面 / referring page", "链接到此的页面，起始网址为空 / the page that linked here, empty for start URLs"),
            "portal": _PORTAL,
            "role": Doc("页面角色 / role", "list 栏目列表页、detail 文章页、attachment 附件 / list page, detail page, attachment"),
            "link_text": Doc("链接文字 / link text", "指向此处的链接文字 / anchor text of the link that led here"),
            "title": Doc("页面标题 / page title", "文章页的标题 / for a detail page, its title"),
            "is_report": Doc("像年报 / looks like a report", "文章页标题是否像年度报告：1 是，0 否 / whether the title looks like an annual report: 1 yes, 0 no"),
            "attachments": Doc("附件 / attachments", "文章页上找到的附件网址，JSON 列表 / attachment URLs found on a detail page, JSON list"),
            "headers": Doc("响应头 / response headers", "JSON 对象 / JSON object"),
            "error": Doc("错误 / error", "出错时的错误信息 / text of the error, if any"),
        },
    ),
    "cell_keys": TableDoc(
        "单元格键 / cell keys",
        "官方表格格式（国办公开办函〔2019〕60号、〔2021〕30号）中每个统计单元格的规范键及中英文标签。 / The canonical key of every statistical cell of the official formats, with Chinese and English labels.",
        {
            "key": _CELL_KEY,
            "position": Doc("顺序 / position", "在官方表格中的顺序 / order in the official tables"),
            "templates": Doc("格式 / formats", "含此键的格式：2019（2019、2020 年度报告）、2021（2021 年度起）/ formats with this key: 2019 (reports for 2019–2020), 2021 (2021 on)"),
            "table_zh": _TABLE_ZH,
            "row_zh": _ROW_ZH,
            "col_zh": _COL_ZH,
            "unit": _UNIT,
            "row_en": Doc("行（英文）/ row (English)"),
            "col_en": Doc("列（英文）/ column (English)"),
        },
    ),
    "reports": TableDoc(
        "年度报告 / annual reports",
        "每份政府信息公开工作年度报告一行：出处、主要数字、校验结果与全文。搜索框支持中文词语（如 征迁、复议）；按相关度排序请用“全文检索”查询。 / "
        "One row per annual report: provenance, headline figures, check results and full text. "
        "The search box finds Chinese words (征迁, 复议); for results ranked by relevance use the full-text search query.",
        {
            "id": Doc("报告标识 / report id", "原始文件的 SHA-256，重建后不变 / SHA-256 of the original document, stable across rebuilds"),
            "fts_rowid": Doc("报告编号 / report number", "首次载入时给定、此后不变的整数；cells 与 checks 表以之（report_no）指向本报告，也是全文索引 reports_fts 中的 rowid / an integer given when the report is first loaded and kept after; cells and checks name the report by it (report_no), and it is the report's rowid in the reports_fts full-text index"),
            "sha256": _SHA256,
            "source_url": Doc("来源网址 / source URL", "原始文件的抓取网址 / where the original was fetched"),
            "page_url": Doc("页面网址 / page URL", "链接该文件的文章页（或文件本身）/ the detail page that linked it, or itself"),
            "fetched_at": _FETCHED_AT,
            "portal": _PORTAL,
            "title": Doc("标题 / title", "报告标题 / the report's title"),
            "year": Doc("报告年度 / year reported on", "报告所涉年度，不是发布年份 / the year reported on, not the year published"),
            "issuer": Doc("发布机关 / issuer", "报告标题中的机关名称 / the body the report is for, as in its title"),
            "template": Doc("表格格式 / table format", "2019（国办公开办函〔2019〕60号）、2021（〔2021〕30号）、legacy（2019 年以前的自由格式）/ the official format of the tables; legacy: free form, before 2019"),
            "format": Doc("文件格式 / file format", "html、pdf、docx、doc、text"),
            "n_cells": Doc("单元格数 / cells read", "从表格中读出的单元格数（含空白）/ number of table cells read, blanks included"),
            "ocr_cells": Doc("OCR 单元格数 / cells read by OCR", "由图像识别（OCR）从扫描页读出的单元格数，见 cells 表的 ocr_confidence；0：全部取自文字 / cells read by OCR from scanned pages, see cells.ocr_confidence; 0: all read from text", unit="个"),
            "checks_total": Doc("校验数 / checks", "对本报告进行的算术校验数 / arithmetic checks run on the report"),
            "checks_failed": Doc("未通过校验数 / checks failed", "未通过的校验数（原因见 checks 表）/ checks that failed, see the checks table"),
            "finding": Doc("报告自身数字有误 / own figures disagree", "1：至少一项校验未通过且单元格读取无误，错误在报告本身（新闻线索，不是读取错误）；0：否 / 1: a check failed on cleanly read cells, so the report's own arithmetic is wrong (a finding, not a parser error); 0: no"),
            "applications_new": _headline("本年新收申请数 / new applications", "表三 一、本年新收政府信息公开申请数量 总计 (t3.new.total) / table 3, new applications this year, total"),
            "carried_over": _headline("上年结转申请数 / carried over", "表三 二、上年结转政府信息公开申请数量 总计 (t3.carried_over.total) / carried over from last year"),
            "granted": _headline("予以公开 / disclosed in full", "表三（一）予以公开 总计 (t3.granted.total)"),
            "partial": _headline("部分公开 / partly disclosed", "表三（二）部分公开 总计 (t3.partial.total)"),
            "denied": _headline("不予公开 / withheld", "表三（三）不予公开 1–8 项总计之和 (t3.denied_*.total) / sum of the eight withholding grounds"),
            "unable": _headline("无法提供 / cannot provide", "表三（四）无法提供 1–3 项总计之和 (t3.unable_*.total) / sum of the three grounds"),
            "rejected": _headline("不予处理 / not processed", "表三（五）不予处理 1–5 项总计之和 (t3.rejected_*.total) / sum of the five grounds"),
            "other_handled": _headline("其他处理 / other handling", "表三（六）其他处理总计，2021 格式为三项之和 (t3.other.total 或 t3.other_*.total) / the 2021 format's three rows added up"),
            "total_handled": _headline("办理结果总计 / total handled", "表三（七）总计 (t3.total.total) / applications answered this year"),
            "carried_forward": _headline("结转下年度 / carried forward", "表三 四、结转下年度继续办理 总计 (t3.carried_forward.total) / carried forward to next year"),
            "review_total": _headline("行政复议 / administrative reconsiderations", "表四 行政复议 总计 (t4.review.total)"),
            "suits_total": _headline("行政诉讼 / lawsuits", "表四 未经复议直接起诉与复议后起诉总计之和 (t4.suit_direct.total + t4.suit_after_review.total) / direct suits plus suits after reconsideration"),
            "fees_amount": _headline("收费金额 / fees collected", "表二 行政事业性收费 本年收费金额 (t2.fees.amount) / administrative fees collected this year (2021 format)", unit="万元 10,000 yuan"),
            "province": Doc("省 / province", "来自报告记录，否则取其门户 / from the record, else its portal"),
            "city": Doc("市 / city", "来自报告记录，否则取其门户 / from the record, else its portal"),
            "county": Doc("县区 / county or district", "来自报告记录，否则取其门户 / from the record, else its portal"),
            "level": Doc("行政层级 / administrative level", "national 国家、province 省、city 市、county 县区、township 乡镇、department 部门；来自报告记录，否则取其门户 / from the record, else its portal"),
            "check_status": Doc("校验结果 / check status", "passed 全部通过；finding 报告自身数字有误；failed 未通过，可能是读取错误；unchecked 无法校验 / passed: every check passed; finding: the report's own arithmetic fails; failed: a check failed, likely our misreading; unchecked: nothing could be checked"),
            "record_digest": Doc("记录指纹 / record digest", "所载入记录的 SHA-256，记录未变时重新载入跳过此报告 / SHA-256 of the record loaded; an unchanged record is skipped when loading again"),
            "notes": Doc("备注 / notes", "抽取过程的说明，JSON 列表 / notes from the extraction, JSON list"),
            "text": Doc("全文 / full text", "报告全文，中文字间的换行已去除 / the whole report text, line breaks inside Chinese text removed"),
        },
        {
            "label_column": "title",
            "fts_table": search.FTS_TABLE,
            "fts_pk": search.FTS_ROWID_COLUMN,
            "sort_desc": "year",
            "facets": ["province", "city", "level", "year", "template", "format", "check_status"],
        },
    ),
    "cells": TableDoc(
        "表格单元格 / table cells",
        "每份报告统计表中的每个单元格一行：印刷的数字与原文，及是否由图像识别（OCR）读出。单元格的表、行、列标签与单位见 cell_keys，或直接浏览视图 cells_labelled。 / One row per report and statistical cell: the number as printed, the cell text, and whether it was read by OCR. Each key's table, row and column labels and unit are in cell_keys; the view cells_labelled shows them beside every cell.",
        {
            "report_no": _REPORT_NO,
            "key": _CELL_KEY,
            "value": _CELL_VALUE,
            "raw": _CELL_RAW,
            "ocr_confidence": _OCR_CONFIDENCE,
            "uncertain": _UNCERTAIN,
        },
    ),
    "cells_labelled": TableDoc(
        "带标签的单元格 / cells with their labels",
        "cells 表的每个单元格，附其键在 cell_keys 中的表、行、列标签与单位（视图）。 / Every cell of the cells table with its key's table, row and column labels and unit from cell_keys (a view).",
        {
            "report_id": _REPORT_ID,
            "report_no": _REPORT_NO,
            "key": _CELL_KEY,
            "table_zh": _TABLE_ZH,
            "row_zh": _ROW_ZH,
            "col_zh": _COL_ZH,
            "unit": _UNIT,
            "value": _CELL_VALUE,
            "raw": _CELL_RAW,
            "ocr_confidence": _OCR_CONFIDENCE,
            "uncertain": _UNCERTAIN,
        },
    ),
    "checks": TableDoc(
        "算术校验 / arithmetic checks",
        "每份报告表格必须满足的算术关系及结果；verdict 区分报告自身的错误与读取错误。报告标识见视图 report_checks。 / The arithmetic a report's tables must satisfy, and the result; verdict tells the report's own errors from reading errors. The view report_checks shows each check with its report's id.",
        {"report_no": _REPORT_NO, **_CHECK_COLUMNS},
    ),
    "report_checks": TableDoc(
        "带报告标识的校验 / checks with their report id",
        "checks 表的每项校验，附其报告的标识（视图）。 / Every check of the checks table with its report's id (a view).",
        {"report_id": _REPORT_ID, "report_no": _REPORT_NO, **_CHECK_COLUMNS},
    ),
    "failures": TableDoc(
        "未能抽取的文件 / documents not extracted",
        "未能从中抽取年度报告的原始文件及原因。 / Originals no annual report could be extracted from, and why.",
        {
            "sha256": _SHA256,
            "source_url": Doc("来源网址 / source URL", "原始文件的抓取网址 / where the original was fetched"),
            "kind": Doc("类型 / kind", "not_a_report 不是年度报告，unreadable 无法读取 / not an annual report, or unreadable"),
            "reason": Doc("原因 / reason", "一行说明 / one-line reason"),
            "at": Doc("时间 / at", "抽取失败的时间，ISO 8601 / when the extraction failed"),
        },
    ),
    "runs": TableDoc(
        "运行记录 / runs",
        "每次增量载入档案的摘要：新增、变更与消失的报告，未通过的检查，被拦截的门户。 / One row per incremental load of the archive: new, changed and gone reports, failed checks, blocked portals.",
        {
            "run_id": Doc("运行标识 / run id", "Dagster 运行 id，或命令行生成的 id / the Dagster run id, or one made by the command line"),
            "started_at": Doc("开始时间 / started at", "本次载入开始的时间，ISO 8601，UTC / when this load started"),
            "finished_at": Doc("结束时间 / finished at", "ISO 8601，UTC"),
            "trigger": Doc("触发方式 / trigger", "schedule 定时、sensor 传感器、manual 手动 / what started the run"),
            "portals": Doc("门户 / portals", "自上次运行以来抓取过的门户，JSON 列表 / portals crawled since the last run, JSON list"),
            "pages_fetched": Doc("抓取页数 / pages fetched", "自上次运行以来各门户抓取的页面与附件数之和 / pages and attachments fetched since the last run", unit="个"),
            "reports_total": Doc("报告总数 / reports in the archive", "载入后档案中的报告数 / reports in the archive after this load", unit="份"),
            "reports_new": Doc("新增报告 / new reports", "本次首次载入的报告 / reports loaded for the first time", unit="份"),
            "reports_changed": Doc("变更报告 / changed reports", "记录指纹改变而重写的报告 / reports rewritten because their record changed", unit="份"),
            "reports_gone": Doc("消失的报告 / gone reports", "本次抓取发现已从门户删除（404/410）的报告页；存档保留 / report pages the portal no longer serves (404/410); the archive keeps them", unit="份"),
            "pages_failed": Doc("未得报告的页面 / pages without a report", "年报页面及其附件均未能抽取出报告 / report pages none of whose originals gave a report", unit="个"),
            "documents_pending": Doc("待抽取 / pending documents", "已抓取但尚未抽取的年报页面 / report pages crawled but not yet extracted", unit="个"),
            "fetches_loaded": Doc("新载入的抓取记录 / fetches loaded", "本次载入的抓取日志行数 / fetch-log lines loaded by this run", unit="行 lines"),
            "fetch_log_lines": Doc("抓取日志进度 / fetch log loaded up to", "已载入的抓取日志行数，下次从此处继续 / fetch-log lines loaded so far; the next load starts here", unit="行 lines"),
            "crawl_runs_seen": Doc("抓取运行进度 / crawl runs seen", "已汇总的 crawl-runs.jsonl 行数 / lines of crawl-runs.jsonl summarised so far", unit="行 lines"),
            "failed_checks": Doc("未通过的检查 / failed checks", "检查名及严重程度，JSON 列表 / names and severity of the checks that failed, JSON list"),
            "blocked_portals": Doc("被拦截的门户 / blocked portals", "自上次运行以来被拦截（403/412/521、验证页、robots.txt）的门户，JSON 列表 / portals that blocked the crawler since the last run, JSON list"),
            "per_portal": Doc("各门户报告数 / reports per portal", "门户标识 → 档案中的报告数，JSON 对象；覆盖率检查与上次运行比较 / portal id → reports in the archive, JSON object; the coverage check compares it with the last run"),
            "summary": Doc("摘要 / summary", "本次运行的全部计数，JSON 对象 / every count of this run, JSON object"),
        },
        {"sort_desc": "finished_at"},
    ),
    "schema_migrations": TableDoc(
        "数据库结构迁移 / schema migrations",
        "已应用于本数据库的结构迁移；最大编号即结构版本。 / Schema migrations applied to this database; the highest number is the schema version.",
        {
            "id": Doc("序号 / number"),
            "migration_set": Doc("迁移集 / migration set"),
            "name": Doc("迁移名 / migration", "编号_名称，编号即结构版本 / NNNN_name, the number is the schema version"),
            "applied_at": Doc("应用时间 / applied at", "ISO 8601，UTC"),
        },
    ),
    search.FTS_TABLE: TableDoc(
        "全文索引 / full-text index",
        "reports 的标题与全文按汉字双字（bigram）切分后的 FTS5 索引（无内容表，rowid = reports.fts_rowid）。 / FTS5 index of the reports' titles and texts split into overlapping Han bigrams (contentless, rowid = reports.fts_rowid).",
        {
            "title": Doc("标题索引 / title, indexed", "双字切分的标题（不存储，读出为空）/ bigram-split title, not stored, reads as empty"),
            "text": Doc("全文索引 / text, indexed", "双字切分的全文（不存储，读出为空）/ bigram-split text, not stored, reads as empty"),
        },
        {"hidden": True},
    ),
}

SEARCH_SQL = f"""select r.id, r.title, r.issuer, r.year, r.portal,
  search_snippet(r.text, :q) as snippet,
  round(bm25({search.FTS_TABLE}), 2) as rank
from {search.FTS_TABLE}
join reports r on r.fts_rowid = {search.FTS_TABLE}.rowid
where {search.FTS_TABLE} match bigram_query(:q)
order by rank
limit 200"""

FINDINGS_SQL = """select r.id, r.title, r.issuer, r.year, c.rule, c.expected, c.found, c.detail
from checks c
join reports r on r.fts_rowid = c.report_no
where c.ok = 0 and c.verdict = 'source'
order by r.year desc, r.issuer, c.seq"""

CARRY_OVER_SQL = """select this.issuer, this.year, this.carried_over,
  last.carried_forward as carried_forward_last_year,
  this.id as report_id, last.id as last_year_report_id
from reports this
join reports last on last.issuer = this.issuer and last.year = this.year - 1
where this.carried_over is not null and last.carried_forward is not null
  and this.carried_over != last.carried_forward
order by this.year desc, this.issuer"""

MOST_APPLICATIONS_SQL = """select issuer, count(*) as reports, min(year) as first_year,
  max(year) as last_year, sum(applications_new) as applications,
  max(applications_new) as most_in_one_year
from reports
where applications_new is not null
group by issuer
order by applications desc
limit 200"""

SHARE_REFUSED_SQL = """select id as report_id, title, issuer, year, total_handled, denied,
  round(100.0 * denied / total_handled, 1) as denied_pct,
  unable, rejected,
  round(100.0 * (coalesce(denied, 0) + coalesce(unable, 0) + coalesce(rejected, 0))
        / total_handled, 1) as not_disclosed_pct
from reports
where total_handled > 0
order by denied_pct desc, total_handled desc
limit 500"""

CORRECTED_SUITS_SQL = """select r.id as report_id, r.title, r.issuer, r.year,
  sum(case when c.key in ('t4.suit_direct.corrected', 't4.suit_after_review.corrected')
      then c.value end) as suits_corrected,
  sum(case when c.key = 't4.review.corrected' then c.value end) as reviews_corrected,
  r.suits_total, r.review_total
from reports r
join cells c on c.report_no = r.fts_rowid
  and c.key in ('t4.suit_direct.corrected', 't4.suit_after_review.corrected', 't4.review.corrected')
group by r.id
having suits_corrected > 0
order by suits_corrected desc, r.year desc"""

BY_YEAR_SQL = """select year, count(*) as reports, sum(applications_new) as applications,
  sum(denied) as denied, sum(total_handled) as total_handled,
  round(100.0 * sum(denied) / sum(total_handled), 1) as denied_pct
from reports where year is not null
group by year order by year"""

QUERIES: dict[str, dict[str, Any]] = {
    "search": {
        "title": "全文检索（按相关度排序）/ full-text search, ranked",
        "description": "输入中文词语或短语，如 征迁、行政复议；多个词用空格分开（须同时出现）。rank 越小越相关。 / Type Chinese words or phrases; separate several with spaces (all must occur). Lower rank = more relevant.",
        "sql": SEARCH_SQL,
    },
    "arithmetic_findings": {
        "title": "数字自相矛盾的报告 / reports whose own arithmetic fails",
        "description": "单元格读取无误、但报告自己的数字对不上的校验。 / Checks that failed on cleanly read cells: the report's own numbers disagree.",
        "sql": FINDINGS_SQL,
    },
    "carry_over_mismatch": {
        "title": "上年结转与去年结转下年不符 / carried over ≠ last year's carried forward",
        "description": "同一机关：本年“上年结转”不等于上一年度报告的“结转下年度继续办理”。 / Same issuer: this year's carried-over applications differ from last year's carried-forward figure.",
        "sql": CARRY_OVER_SQL,
    },
    "most_applications": {
        "title": "收到申请最多的机关 / bodies with the most applications",
        "description": "各机关历年本年新收申请数之和。 / New applications received, summed over each body's reports.",
        "sql": MOST_APPLICATIONS_SQL,
    },
    "share_refused": {
        "title": "不予公开的比例 / share of requests refused",
        "description": "不予公开占办理结果总计的百分比，及不予公开、无法提供、不予处理合计的百分比。 / Withheld as a percentage of all applications answered, and withheld, cannot provide and not processed together.",
        "sql": SHARE_REFUSED_SQL,
    },
    "corrected_lawsuits": {
        "title": "行政诉讼结果纠正的报告 / lawsuits with corrected outcomes",
        "description": "表四中行政诉讼“结果纠正”大于 0 的报告（法院纠正了机关的答复）。 / Reports whose table 4 lists lawsuits with a corrected outcome (a court corrected the body's answer).",
        "sql": CORRECTED_SUITS_SQL,
    },
    "by_year": {
        "title": "按年度汇总（图表见 /-/charts）/ totals by year (charted at /-/charts)",
        "description": "每年的报告数、新收申请、不予公开与办理总数。 / Reports, new applications, withheld and handled per year.",
        "sql": BY_YEAR_SQL,
    },
}


def _tables_and_columns(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """Tables a reader sees, with their columns: SQLite's and FTS5's internal tables left out."""
    virtual = [name for (name,) in conn.execute(
        "select name from sqlite_master where type = 'table' and sql like 'create virtual table%'")]
    shadow = {f"{name}_{suffix}" for name in virtual
              for suffix in ("data", "idx", "content", "docsize", "config")}
    names = [name for (name,) in conn.execute(
        "select name from sqlite_master where type in ('table', 'view') and name not like 'sqlite_%' "
        "order by name")]
    return {
        name: [row[1] for row in conn.execute(f"pragma table_info({_quote(name)})")]
        for name in names if name not in shadow
    }


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _connect(db_path: str | PathLike[str]) -> sqlite3.Connection:
    return sqlite3.connect(f"{Path(db_path).resolve().as_uri()}?mode=ro", uri=True)


def database_name(db_path: str | PathLike[str]) -> str:
    """The name Datasette gives a database file: its stem."""
    return Path(db_path).stem


def metadata_dict(
    db_path: str | PathLike[str],
    *,
    source_url: str | None = None,
    license: str = LICENSE,
    license_url: str = LICENSE_URL,
    raw_dir: str | PathLike[str] | None = None,
) -> dict[str, Any]:
    """Datasette metadata for the archive database at ``db_path``. ``raw_dir``: the raw
    archive (``DATA/raw``) the report pages link archived originals from."""
    conn = _connect(db_path)
    try:
        present = _tables_and_columns(conn)
    finally:
        conn.close()
    tables: dict[str, Any] = {}
    for name, columns in present.items():
        doc = TABLES.get(name)
        if doc is None:
            continue
        tables[name] = {
            "title": doc.title,
            "description": doc.description,
            "columns": {c: doc.columns[c].description() for c in columns if c in doc.columns},
            **doc.options,
        }
    metadata: dict[str, Any] = {
        "title": TITLE,
        "description": DESCRIPTION,
        "license": license,
        "license_url": license_url,
        "source": SOURCE,
        "databases": {
            database_name(db_path): {
                "title": TITLE,
                "description": DESCRIPTION,
                "tables": tables,
                "queries": QUERIES,
            }
        },
    }
    if source_url:
        metadata["source_url"] = source_url
    if raw_dir is not None:
        metadata["plugins"] = {"gongkai": {"raw_dir": str(Path(raw_dir).resolve())}}
    return metadata


_HAN = re.compile("[\u4e00-\u9fff]")
_LATIN = re.compile("[A-Za-z]")


def _bilingual(text: str | None) -> bool:
    return bool(text and _HAN.search(text) and _LATIN.search(text))


def missing_descriptions(db_path: str | PathLike[str]) -> list[str]:
    """Tables (``table``) and columns (``table.column``) of the database at ``db_path`` whose
    generated metadata lacks a Chinese-and-English title or description. Empty when complete."""
    metadata = metadata_dict(db_path)["databases"][database_name(db_path)]["tables"]
    conn = _connect(db_path)
    try:
        present = _tables_and_columns(conn)
    finally:
        conn.close()
    missing = []
    for table, columns in present.items():
        table_meta = metadata.get(table)
        if not table_meta or not (_bilingual(table_meta.get("title"))
                                  and _bilingual(table_meta.get("description"))):
            missing.append(table)
        described = (table_meta or {}).get("columns", {})
        missing.extend(f"{table}.{column}" for column in columns
                       if not _bilingual(described.get(column)))
    return missing
