"""The portals YAML: a valid file loads, every mistake names the entry and the field."""
from __future__ import annotations

import textwrap

import pytest

from gongkai.crawler.portals import Portal, PortalConfigError, load_portals, parse_portals

VALID = """\
portals:
  - id: sample-jianxi
    name: 涧西区人民政府（示例门户）
    url: http://127.0.0.1:8765/zwgk/ndbg/index.html
    platform: trs
    level: county
    region: {province: 河南省, city: 洛阳市, county: 涧西区}
    hints: {max_pages: 20, list_selector: "ul.list", extra: kept}
    years: [2019, 2023]
  - id: luoyang-czj
    name: 洛阳市财政局
    urls:
      - https://czj.ly.gov.cn/zfxxgk/ndbg/
      - https://czj.ly.gov.cn/zfxxgk/ndbg/
      - https://czj.ly.gov.cn/xxgk/nb/index.shtml
"""


def write(tmp_path, text: str):
    path = tmp_path / "portals.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_valid_file(tmp_path):
    first, second = load_portals(write(tmp_path, VALID))
    assert first == Portal(
        id="sample-jianxi", name="涧西区人民政府（示例门户）",
        urls=("http://127.0.0.1:8765/zwgk/ndbg/index.html",), platform="trs", level="county",
        region={"province": "河南省", "city": "洛阳市", "county": "涧西区"},
        hints={"max_pages": 20, "list_selector": "ul.list", "extra": "kept"}, years=(2019, 2023))
    assert first.url == first.urls[0]
    assert second.urls == ("https://czj.ly.gov.cn/zfxxgk/ndbg/", "https://czj.ly.gov.cn/xxgk/nb/index.shtml")
    assert second.platform is None and second.region == {} and second.years is None


ENTRY = {"id": "p-1", "name": "某门户", "url": "http://x.gov.cn/ndbg/"}


@pytest.mark.parametrize("change, field, words", [
    ({"id": None}, "id", "required"),
    ({"id": "Sample_1"}, "id", "a-z, 0-9"),
    ({"name": ""}, "name", "required"),
    ({"url": None}, "url", "not a URL"),
    ({"url": "ftp://x.gov.cn/a"}, "url", "http://"),
    ({"url": "http:///a"}, "url", "no host"),
    ({"urls": ["http://x.gov.cn/b"]}, "urls", "either"),
    ({"platform": "wordpress"}, "platform", "trs, hanweb, generic"),
    ({"level": "village"}, "level", "national"),
    ({"region": "河南省"}, "region", "mapping"),
    ({"region": {"province": 1}}, "region", "strings"),
    ({"hints": ["a"]}, "hints", "mapping"),
    ({"hints": {"max_pages": "10"}}, "hints.max_pages", "int"),
    ({"hints": {"max_pages": 0}}, "hints.max_pages", "at least 1"),
    ({"hints": {"detail_pattern": "("}}, "hints.detail_pattern", "regular expression"),
    ({"hints": {"list_selector": "ul[["}}, "hints.list_selector", "CSS"),
    ({"years": [2023, 2019]}, "years", "from <= to"),
    ({"years": 2019}, "years", "[from, to]"),
    ({"platfrom": "trs"}, "platfrom", "unknown field"),
])
def test_entry_errors_name_entry_and_field(change, field, words):
    entry = {**ENTRY, **change}
    entry = {k: v for k, v in entry.items() if not (k == "id" and v is None)}
    with pytest.raises(PortalConfigError) as e:
        parse_portals({"portals": [{"id": "ok", "name": "n", "url": "http://a.gov.cn/"}, entry]}, source="p.yaml")
    message = str(e.value)
    assert message.startswith("p.yaml: portal #2")
    assert f"field '{field}'" in message
    assert words in message
    if "id" in entry and isinstance(entry["id"], str):
        assert f"({entry['id']})" in message


def test_missing_url_entirely():
    with pytest.raises(PortalConfigError, match=r"portal #1 \(p-1\): field 'url': required"):
        parse_portals({"portals": [{"id": "p-1", "name": "n"}]})


def test_duplicate_ids():
    with pytest.raises(PortalConfigError, match=r"portal #2 \(p-1\): field 'id': duplicate of portal #1"):
        parse_portals({"portals": [ENTRY, dict(ENTRY)]})


@pytest.mark.parametrize("text, words", [
    ("", "'portals:' list"),
    ("portals: []\n", "non-empty list"),
    ("portals:\n  - just a string\n", "portal #1: expected a mapping"),
    ("portals: [\n", "not valid YAML"),
])
def test_file_level_errors(tmp_path, text, words):
    with pytest.raises(PortalConfigError, match=words.replace("[", r"\[")):
        load_portals(write(tmp_path, text))


def test_missing_file(tmp_path):
    with pytest.raises(PortalConfigError, match="cannot read portals file"):
        load_portals(tmp_path / "nope.yaml")
