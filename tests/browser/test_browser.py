"""The archive in a real browser: headless Chromium (Debian's /usr/bin/chromium driven by
selenium through /usr/bin/chromedriver) on the demo archive built from the sample portal.

Goes through the front page, a search, a facet, the seed report's page and the database
download, saving a screenshot of each step to an artifacts directory
(``$GONGKAI_ARTIFACTS`` when set, else a pytest tmp dir; printed).

Skipped, with the reason, when chromium, chromedriver or selenium are missing
(``scripts/setup.sh`` installs them).
"""
from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from gongkai import build
from processes import stop

pytestmark = pytest.mark.browser

SEED_TITLE = "涧西区人民政府2019年政府信息公开工作年度报告"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

try:
    import selenium  # noqa: F401
    HAVE_SELENIUM = True
except ImportError:
    HAVE_SELENIUM = False

if not (CHROMIUM and CHROMEDRIVER and HAVE_SELENIUM):
    pytest.skip(
        "browser test skipped: needs chromium and chromedriver on PATH (Debian packages "
        "chromium, chromium-driver; scripts/setup.sh installs them) and the selenium package "
        f"(found chromium={CHROMIUM}, chromedriver={CHROMEDRIVER}, selenium={HAVE_SELENIUM})",
        allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory) -> Path:
    path = Path(os.environ.get("GONGKAI_ARTIFACTS") or tmp_path_factory.mktemp("artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    print(f"\nbrowser test artifacts: {path}")
    return path


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory) -> Path:
    """The demo archive: the sample portal crawled, extracted, loaded and published."""
    from gongkai.sample_portal import start

    data = tmp_path_factory.mktemp("demo-data")
    with start(port=0) as portal:
        portals = data / "portals.sample.yaml"
        portals.write_text(portal.site.portals_yaml(), encoding="utf-8")
        build.crawl(portals, data, delay=0)
    build.extract_all(data)
    build.load_archive(data)
    build.publish(data)
    return data


@pytest.fixture(scope="module")
def server(demo_data):
    """Datasette on the demo archive via ``gongkai.archive.serve.serve``, on a free port."""
    port = _free_port()
    db = build.db_path(demo_data)
    code = ("import sys; from gongkai.archive.serve import serve; "
            "serve(sys.argv[1], '127.0.0.1', int(sys.argv[2]))")
    log = open(demo_data / "datasette.log", "wb")
    process = subprocess.Popen([sys.executable, "-c", code, str(db), str(port)],
                               stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=1)
                break
            except OSError:
                if process.poll() is not None:
                    break
                time.sleep(0.2)
        else:
            pytest.fail("Datasette did not start: " + (demo_data / "datasette.log").read_text())
        assert process.poll() is None, (demo_data / "datasette.log").read_text()
        yield base
    finally:
        stop(process)
        log.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    downloads = tmp_path_factory.mktemp("downloads")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless", "--no-sandbox", "--disable-gpu",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", "--window-size=1280,1600",
                     f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads),
        "download.prompt_for_download": False,
    })
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.execute_cdp_cmd("Page.setDownloadBehavior",
                           {"behavior": "allow", "downloadPath": str(downloads)})
    driver.set_page_load_timeout(60)
    driver.downloads = downloads
    yield driver
    driver.quit()


def _screenshot(driver, path: Path) -> None:
    """A screenshot of the whole page, not only the window."""
    import base64

    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}})
    path.write_bytes(base64.b64decode(shot["data"]))


def _report_links(driver) -> dict[str, str]:
    """Report id -> link text of the report-page links in the results table."""
    links = {}
    for link in driver.find_elements(By.CSS_SELECTOR, "table.rows-and-columns a[href*='/-/report/']"):
        report_id = link.get_attribute("href").rsplit("/-/report/", 1)[1]
        if link.text and not link.text.endswith("…"):
            links[report_id] = link.text
        else:
            links.setdefault(report_id, link.text)
    return links


def _search(driver, base, query):
    driver.get(base + "/")
    box = driver.find_element(By.ID, "gongkai-q")
    box.clear()
    box.send_keys(query)
    box.submit()
    assert "/search" in driver.current_url and quote(query) in driver.current_url
    return _report_links(driver)


def _db(demo_data):
    conn = sqlite3.connect(f"file:{build.db_path(demo_data)}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def test_the_archive_in_a_browser(demo_data, server, browser, artifacts):
    conn = _db(demo_data)
    seed = conn.execute("select * from reports where title = ?", [SEED_TITLE]).fetchone()
    assert seed is not None, "the seed report is not in the demo archive"
    seed_cells = {row["key"]: row["value"] for row in conn.execute(
        "select key, value from cells_labelled where report_id = ?", [seed["id"]])}
    assert sum(value is not None for value in seed_cells.values()) == 198

    # front page
    browser.get(server + "/")
    browser.save_screenshot(str(artifacts / "01-front-page.png"))
    assert browser.find_element(By.ID, "gongkai-q").is_displayed()

    # searches: two-character words find the seed; 信息公开 finds exactly the reports holding it
    for query in ("复议", "征迁"):
        found = _search(browser, server, query)
        assert found.get(seed["id"]) == SEED_TITLE, (query, found)
    found = _search(browser, server, "信息公开")
    browser.save_screenshot(str(artifacts / "02-search.png"))
    expected = {row["id"] for row in conn.execute(
        "select id from reports where instr(text, '信息公开') or instr(title, '信息公开')")}
    assert set(found) == expected and expected

    # a facet: the year 2019 on the reports table
    browser.get(server + "/gongkai/reports")
    facet = browser.find_element(By.CSS_SELECTOR, "a[href*='year=2019']")
    facet.click()
    browser.save_screenshot(str(artifacts / "03-facet.png"))
    assert "year=2019" in browser.current_url
    shown = set(_report_links(browser))
    assert shown == {row["id"] for row in conn.execute("select id from reports where year = 2019")}

    # the seed's report page, reached from the search results
    _search(browser, server, "征迁")
    browser.find_element(By.CSS_SELECTOR, f"a[href$='/-/report/{seed['id']}']").click()
    assert browser.find_element(By.ID, "report-title").text == SEED_TITLE
    _screenshot(browser, artifacts / "04-report.png")
    cells = {element.get_attribute("data-key"): element
             for element in browser.find_elements(By.CSS_SELECTOR, "td[data-key]")}
    assert set(cells) == set(seed_cells)
    for key, value in seed_cells.items():
        expected_text = str(int(value)) if float(value).is_integer() else str(value)
        assert cells[key].text == expected_text, key
        assert cells[key].is_displayed(), key
    assert browser.find_element(By.ID, "n-values").text == "198"
    assert browser.find_element(By.ID, "report-text").text.strip()
    original = browser.find_element(By.ID, "archived-original").get_attribute("href")
    with urllib.request.urlopen(original) as response:
        body = response.read()
    assert body == (demo_data / "raw" / "objects" / seed["sha256"][:2] / seed["sha256"]).read_bytes()

    # the download of the database
    browser.get(server + "/gongkai")
    browser.save_screenshot(str(artifacts / "05-database.png"))
    browser.find_element(By.CSS_SELECTOR, "a[href$='/gongkai.db']").click()
    target = browser.downloads / "gongkai.db"
    for _ in range(100):
        if target.exists() and not list(browser.downloads.glob("*.crdownload")):
            break
        time.sleep(0.2)
    assert target.read_bytes() == build.db_path(demo_data).read_bytes()
    conn.close()


def test_hostile_report_text_does_not_run(browser, server, demo_data, artifacts):
    """No alert dialog opens anywhere the demo's pages were shown (scripts never ran)."""
    from selenium.common.exceptions import NoAlertPresentException

    browser.get(server + "/-/charts")
    browser.save_screenshot(str(artifacts / "06-charts.png"))
    assert browser.find_elements(By.CSS_SELECTOR, "svg rect")
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text
