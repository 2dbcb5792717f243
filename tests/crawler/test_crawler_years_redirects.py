"""A portal's optional `years` range, and detail pages that only send the browser on by script."""
from __future__ import annotations

from mutable_site import REPORT, MutableSite, list_page, report_page

from gongkai.crawler import discovery
from gongkai.crawler.run import crawl
from gongkai.crawler.store import RawStore
from gongkai.pipelines.classify import report_year

STUB = b'<html><head><script>window.location.href = "./t20230301_2.html";</script></head><body></body></html>'


def test_script_redirect_is_followed_only_from_a_stub_page():
    assert discovery.script_redirect(STUB.decode(), "http://x/ndbg/a.html") == "http://x/ndbg/t20230301_2.html"
    article = "<p>" + "正文" * 200 + "</p><script>location.href='/back.html'</script>"
    assert discovery.script_redirect(article, "http://x/ndbg/a.html") is None
    assert report_year("某区2021年度政府信息公开工作年度报告") == 2021 and report_year("区长调研") is None


def test_years_range_skips_reports_of_other_years_and_script_redirects_are_followed(tmp_path):
    with MutableSite() as site:
        links = [(f"./t2021012{i}_{i}.html", REPORT.format(year=2016 + i)) for i in (1, 2, 3, 4)]
        links.append(("./stub.html", REPORT.format(year=2022)))
        site.set("/ndbg/index.html", list_page(links))
        for i in (1, 2, 3, 4):
            site.set(f"/ndbg/t2021012{i}_{i}.html", report_page(REPORT.format(year=2016 + i)))
        site.set("/ndbg/stub.html", STUB)
        site.set("/ndbg/t20230301_2.html", report_page(REPORT.format(year=2022)))
        yaml = site.portals_yaml().rstrip("\n") + "\n    years: [2018, 2022]\n"
        portals = tmp_path / "portals.yaml"
        portals.write_text(yaml, encoding="utf-8")
        crawl(portals, tmp_path / "data", delay=0, timeout=120)
    fetched = {f["url"].rsplit("/", 1)[-1]: f for f in RawStore(tmp_path / "data").fetches()}
    assert "t20210121_1.html" not in fetched  # 2017: outside the range
    assert {"t20210122_2.html", "t20210123_3.html", "t20210124_4.html"} <= set(fetched)
    assert fetched["t20230301_2.html"]["is_report"] and fetched["t20230301_2.html"]["referer"].endswith("stub.html")
