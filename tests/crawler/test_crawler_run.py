"""The crawl runner: polite settings, and a failing subprocess surfaces as a clear error."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from gongkai.crawler.run import CrawlError, crawl, crawler_settings


def test_user_agent_names_the_operators_contact(monkeypatch):
    import importlib

    import gongkai.crawler.settings as settings

    monkeypatch.setenv("GONGKAI_CONTACT", "mailto:crawl@example.org")
    try:
        assert "+mailto:crawl@example.org" in importlib.reload(settings).USER_AGENT
    finally:
        monkeypatch.delenv("GONGKAI_CONTACT")
        importlib.reload(settings)


def test_polite_settings():
    s = crawler_settings()
    assert s.getbool("ROBOTSTXT_OBEY")
    assert s.getbool("AUTOTHROTTLE_ENABLED") and s.getfloat("AUTOTHROTTLE_TARGET_CONCURRENCY") == 1.0
    assert s.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 2
    assert s.getfloat("DOWNLOAD_DELAY") >= 1.0
    assert s["USER_AGENT"].startswith("gongkai/")
    assert {429, 500, 502, 503, 504} <= set(s.getlist("RETRY_HTTP_CODES"))
    assert not {412, 521} & set(s.getlist("RETRY_HTTP_CODES"))  # challenges are not retried
    assert s.getint("DOWNLOAD_MAXSIZE") == 200 * 1024 * 1024
    assert not s.getbool("HTTPCACHE_ENABLED")
    assert not s.getbool("TELNETCONSOLE_ENABLED") and not s.getbool("REMOTE_CONTROL_ENABLED")
    assert s["TWISTED_REACTOR"] == "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
    assert s["ITEM_PIPELINES"] == {"gongkai.crawler.item_pipelines.RawArchivePipeline": 300}
    assert s.getbool("GONGKAI_CONDITIONAL_REQUESTS")


def test_delay_and_full_override():
    s = crawler_settings(delay=0.05, conditional=False)
    assert s.getfloat("DOWNLOAD_DELAY") == 0.05 and s.getfloat("AUTOTHROTTLE_START_DELAY") == 0.05
    assert not s.getbool("GONGKAI_CONDITIONAL_REQUESTS")


def test_failing_subprocess_raises_with_the_log_tail(tmp_path):
    portals = tmp_path / "portals.yaml"
    portals.write_text("portals:\n  - id: p\n    name: p\n    url: http://127.0.0.1:9/\n", encoding="utf-8")
    with pytest.raises(CrawlError) as e:
        crawl(portals, tmp_path / "data", only=["no-such-portal"], timeout=120)
    message = str(e.value)
    assert "exited with status 1" in message
    assert "portal ids not in" in message  # the subprocess's own error, from its log
    log = Path(re.search(r"log: (\S+)", message).group(1))
    assert log.exists()  # kept for reading, because the crawl failed
    log.unlink()
