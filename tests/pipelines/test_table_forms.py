"""What real reports do to the official tables, on small hand-built documents: labels with typos,
stray breaks, 1、 for 1., traditional characters, reduced columns, blanks, layout tables, pipes."""
from __future__ import annotations

from importlib import resources

import pytest

from gongkai.pipelines.extract import extract_bytes
from gongkai.pipelines.read_pdf import pdf_cell

SEED = resources.files("gongkai.sample_portal").joinpath("data/seed_jianxi_2019.txt").read_bytes()
TITLE = "<p>示例县人民政府2022年政府信息公开工作年度报告</p>"

T3_ROWS = [  # (labels as printed, values of the seven columns)
    (["一、本年新收政府信息公开申请数量"], [10, 1, 0, 0, 0, 1, 12]),
    (["二、上年结转政府信息公开申请数量"], [1, 0, 0, 0, 0, 0, 1]),
    (["三、本年度办理结果", "（一）予以公开"], [4, 1, 0, 0, 0, 0, 5]),
    (["三、本年度办理结果", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"], [2, 0, 0, 0, 0, 0, 2]),
    (["三、本年度办理结果", "（三）不予公开", "1.属于国家秘密"], [0] * 7),
    (["三、本年度办理结果", "（三）不予公开", "2.其他法律行政法规禁止公开"], [0] * 7),
    (["三、本年度办理结果", "（三）不予公开", "3.危及“三安全一稳定”"], [0] * 7),
    (["三、本年度办理结果", "（三）不予公开", "4.保护第三方合法权益"], [1, 0, 0, 0, 0, 0, 1]),
    (["三、本年度办理结果", "（三）不予公开", "5.属于三类内部事务信息"], [0] * 7),
    (["三、本年度办理结果", "（三）不予公开", "6.属于四类过程性信息"], [0] * 7),
    (["三、本年度办理结果", "（三）不予公开", "7.属于行政执法案卷"], [0] * 7),
    (["三、本年度办理结果", "（三）不予公开", "8.属于行政查询事项"], [0] * 7),
    (["三、本年度办理结果", "（四）无法提供", "1.本机关不掌握相关政府信息"], [3, 0, 0, 0, 0, 1, 4]),
    (["三、本年度办理结果", "（四）无法提供", "2.没有现成信息需要另行制作"], [0] * 7),
    (["三、本年度办理结果", "（四）无法提供", "3.补正后申请内容仍不明确"], [0] * 7),
    (["三、本年度办理结果", "（五）不予处理", "1.信访举报投诉类申请"], [0] * 7),
    (["三、本年度办理结果", "（五）不予处理", "2.重复申请"], [0] * 7),
    (["三、本年度办理结果", "（五）不予处理", "3.要求提供公开出版物"], [0] * 7),
    (["三、本年度办理结果", "（五）不予处理", "4.无正当理由大量反复申请"], [0] * 7),
    (["三、本年度办理结果", "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息"], [0] * 7),
    (["三、本年度办理结果", "（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"], [0] * 7),
    (["三、本年度办理结果", "（六）其他处理", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"], [0] * 7),
    (["三、本年度办理结果", "（六）其他处理", "3.其他"], [1, 0, 0, 0, 0, 0, 1]),
    (["三、本年度办理结果", "（七）总计"], [11, 1, 0, 0, 0, 1, 13]),
    (["四、结转下年度继续办理"], [0] * 7),
]
KEYS = ["new", "carried_over", "granted", "partial", "denied_state_secret", "denied_prohibited",
        "denied_safety_stability", "denied_third_party", "denied_internal", "denied_process",
        "denied_enforcement", "denied_inquiry", "unable_not_held", "unable_needs_creation", "unable_unclear",
        "rejected_petition", "rejected_duplicate", "rejected_publication", "rejected_excessive",
        "rejected_confirmation", "other_no_correction", "other_unpaid_fee", "other_misc", "total",
        "carried_forward"]
COLS = ["natural_person", "commercial", "research", "social", "legal", "other_org", "total"]
HEADER = ("<tr><td colspan=3 rowspan=2>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>"
          "<td colspan=7>申请人情况</td></tr><tr><td rowspan=2>自然人</td><td colspan=5>法人或其他组织</td>"
          "<td rowspan=2>总计</td></tr><tr><td colspan=3></td><td>商业企业</td><td>科研机构</td>"
          "<td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>")


def t3_html(rows=T3_ROWS, header=HEADER, cell=str, label=lambda s: s, pick=None) -> bytes:
    body = []
    for labels, values in rows:
        tds = "".join(f"<td colspan={4 - len(labels) if i == len(labels) - 1 else 1}>{label(t)}</td>"
                      for i, t in enumerate(labels))
        vals = values if pick is None else [values[i] for i in pick]
        body.append("<tr>" + tds + "".join(f"<td>{cell(v)}</td>" for v in vals) + "</tr>")
    html = (f"<html><body>{TITLE}<p>三、收到和处理政府信息公开申请情况</p><table border=1>{header}"
            + "".join(body) + "</table><p>五、存在的主要问题及改进情况</p></body></html>")
    return html.encode("utf-8")


def expected(pick_cols=COLS):
    return {f"t3.{k}.{c}": v for k, (_, values) in zip(KEYS, T3_ROWS)
            for c, v in zip(COLS, values) if c in pick_cols}


def test_official_form_reads_every_cell_and_every_check_passes():
    rec = extract_bytes(t3_html())
    assert rec["cells"] == expected()
    assert rec["checks"] and all(c["ok"] for c in rec["checks"])


def test_labels_with_stray_breaks_spaces_and_enumeration_commas_match():
    def mangle(s):
        return s.replace("本年度办理结果", "本年度办 理<br>结果").replace("1.", "1、").replace("2.", "2．")
    assert extract_bytes(t3_html(label=mangle))["cells"] == expected()


def test_traditional_characters_match():
    import opencc

    conv = opencc.OpenCC("s2t")
    rec = extract_bytes(t3_html(label=conv.convert))
    assert rec["cells"] == expected()


def test_label_typos_still_find_their_row():
    rows = [(["".join(labels).replace("其他法律行政法规禁止公开", "其他法律行政止公开")], v) for labels, v in T3_ROWS]
    assert extract_bytes(t3_html(rows=rows))["cells"] == expected()


def test_blank_cells_stay_distinct_from_zero():
    marks = iter(["", "/", "—", "无"] * 100)
    rec = extract_bytes(t3_html(cell=lambda v: v if v else next(marks)))
    want = {k: (v if v else None) for k, v in expected().items()}
    assert rec["cells"] == want
    assert all(c["ok"] for c in rec["checks"])  # blanks count as 0 in the sums


def test_only_natural_person_legal_person_and_total_columns():
    header = ("<tr><td colspan=3>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>"
              "<td>自然人</td><td>法人或其他组织</td><td>总计</td></tr>")
    rows = [(labels, values[:1] + [sum(values[1:6])] + values[6:]) for labels, values in T3_ROWS]
    rec = extract_bytes(t3_html(rows=rows, header=header))
    assert rec["cells"] == expected(["natural_person", "total"])
    assert any("法人或其他组织" in n for n in rec["notes"])
    assert all(c["ok"] for c in rec["checks"])


def test_tables_inside_a_layout_table_are_read():
    inner = t3_html().decode()
    body = inner[inner.index("<body>") + 6: inner.index("</body>")]
    page = f"<html><body><table><tr><td>导航</td><td>{body}</td></tr></table></body></html>".encode()
    assert extract_bytes(page)["cells"] == expected()


def test_a_failed_sum_on_cleanly_read_cells_is_a_finding_about_the_source():
    rows = [(l, list(v)) for l, v in T3_ROWS]
    rows[0][1][-1] = 99  # the report's own 总计 is wrong
    rec = extract_bytes(t3_html(rows=rows))
    failed = [c for c in rec["checks"] if not c["ok"]]
    assert {c["rule"] for c in failed} >= {"t3.row.new", "t3.balance.total"}
    assert all(c["verdict"] == "source" for c in failed)
    assert rec["cells"]["t3.new.total"] == 99  # never "corrected"


def test_seed_as_markdown_pipe_table_and_as_tab_separated_text():
    lines = SEED.decode("utf-8").splitlines()
    start = next(i for i, ln in enumerate(lines) if "主动公开政府信息情况" in ln) + 1
    end = next(i for i, ln in enumerate(lines) if ln.startswith("五、"))
    md = "\n".join(lines[:start] + ["| " + " | ".join(ln.split()) + " |" for ln in lines[start:end] if ln.strip()]
                   + lines[end:])
    tsv = "\n".join("\t".join(ln.split()) for ln in lines)
    for text in (md, tsv):
        rec = extract_bytes(text.encode("utf-8"), "seed.md")
        assert len(rec["cells"]) == 198 and rec["cells"]["t2.licensing.change"] == -81


@pytest.mark.parametrize("raw,cell", [("12\n- 3 -", "12"), ("三、\n本年\n度办\n理结\n果", "三、本年度办理结果"),
                                      ("— 5 —\n7", "7"), ("0", "0"), ("第4页", "")])
def test_pdf_cells_lose_page_numbers_and_line_breaks(raw, cell):
    assert pdf_cell(raw) == cell


def test_2019_headings_in_a_later_year_give_the_2019_template():
    rec = extract_bytes(SEED.replace("2019年政府信息公开工作年度报告".encode(), "2021年政府信息公开工作年度报告".encode()))
    assert rec["year"] == 2021 and rec["template"] == "2019"


def test_a_data_row_whose_cells_disagree_with_the_header_is_placed_by_the_header_above():
    """The 自然人 header spans two grid columns; one data row prints its 自然人 value and then an
    empty cell under the same header (8 cells for 7 columns)."""
    header = ("<tr><td colspan=3 rowspan=2>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>"
              "<td colspan=2 rowspan=2>自然人</td><td colspan=5>法人或其他组织</td><td rowspan=2>总计</td></tr>"
              "<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>")
    html = t3_html(header=header).decode()
    html = html.replace("<td>4</td><td>1</td>", "<td>4</td><td></td><td>1</td>", 1)  # （一）予以公开
    html = html.replace("<td>10</td>", "<td colspan=2>10</td>", 1)  # 一 本年新收: spans like the header
    rec = extract_bytes(html.encode())
    assert rec["cells"] == expected()


def test_year_comes_from_the_statistical_period_when_the_title_omits_it():
    page = t3_html().replace(TITLE.encode(), "<p>政府信息公开工作年度报告</p><p>本报告所列数据的统计期限自2022年1月1日起至2022年12月31日止。</p>".encode())
    rec = extract_bytes(page)
    assert rec["year"] == 2022 and rec["cells"] == expected()


def test_fake_bold_pdf_characters_are_read_once():
    """Word's "fake bold" prints each character twice, a fraction of a point apart."""
    import io

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont("STSong-Light", 16)
    for dx in (0, 0.3):
        c.drawString(72 + dx, 760, "示例县人民政府2022年政府信息公开工作年度报告")
    c.setFont("STSong-Light", 11)
    c.drawString(72, 730, "本报告所列数据的统计期限自2022年1月1日起至2022年12月31日止。")
    c.save()
    rec = extract_bytes(buf.getvalue(), "r.pdf")
    assert rec["title"] == "示例县人民政府2022年政府信息公开工作年度报告"
    assert rec["issuer"] == "示例县人民政府" and rec["year"] == 2022
