import pytest

from gongkai.pipelines.numbers import norm, parse_value


@pytest.mark.parametrize("text,expected", [
    ("16", 16), ("-81", -81), ("減3", -3), ("减3", -3), ("增5", 5), ("２３", 23),
    ("236773.9469", 236773.9469), ("75394432.52元", 75394432.52), ("7730.28万元", 7730.28),
    ("0\xa0", 0), (" 12 ", 12), ("1,234", 1234),
])
def test_numbers_are_read_as_printed_with_sign_and_unit_text_dropped(text, expected):
    assert parse_value(text) == (True, expected)


@pytest.mark.parametrize("text", ["", " ", "/", "／", "—", "——", "无", "-"])
def test_blank_markers_are_values_without_a_number_never_zero(text):
    assert parse_value(text) == (True, None)


@pytest.mark.parametrize("text", ["规章", "1.属于国家秘密", "（七）总计", "第二十条第（一）项"])
def test_labels_are_not_values(text):
    assert parse_value(text)[0] is False


def test_norm_removes_breaks_inside_chinese_labels_and_unifies_brackets():
    assert norm("本年度办 理结果") == "本年度办理结果"
    assert norm("(一)予以公开") == "（一）予以公开"
    assert norm("三、本年度办理结果\n（一） 予以公开") == "三、本年度办理结果（一）予以公开"
