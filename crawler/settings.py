"""Scrapy settings of the gongkai crawler: polite by default.

Government portals are public services on modest servers behind WAFs: one crawler should look like
one patient reader. Use with `Settings().setmodule("gongkai.crawler.settings")` (as
`crawler/run.py` does) or `SCRAPY_SETTINGS_MODULE=gongkai.crawler.settings scrapy crawl portal
-a portals=portals.yaml -a data=DATA`.
"""
import os

from gongkai import __version__

BOT_NAME = "gongkai"
SPIDER_MODULES = ["gongkai.crawler.spiders"]
NEWSPIDER_MODULE = "gongkai.crawler.spiders"
ADDONS: dict = {}

# Who we are, and how a webmaster reaches the operator: set GONGKAI_CONTACT (a URL or an e-mail
# address) for real crawls; it is named in every request.
CONTACT = os.environ.get("GONGKAI_CONTACT", "operator contact not configured: set GONGKAI_CONTACT")
USER_AGENT = (
    f"gongkai/{__version__} (archive of government information-disclosure annual reports; +{CONTACT})"
)
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5",
}

ROBOTSTXT_OBEY = True

# Politeness: at most 2 requests in flight per site, AutoThrottle aiming at 1, and a base delay
# the runner may lower for a local portal (`crawl(..., delay=0.05)`).
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Items processed in parallel per response. Scrapy 2.19 starts this many asyncio tasks for every
# callback's output (default 100); our callbacks yield a few fetches and requests each, and 100
# tasks per page cost a fifth of the crawler's CPU on an unthrottled crawl.
CONCURRENT_ITEMS = 8

# Slow servers and big scanned PDFs.
DOWNLOAD_TIMEOUT = 120
DOWNLOAD_MAXSIZE = 200 * 1024 * 1024
DOWNLOAD_WARNSIZE = 50 * 1024 * 1024

RETRY_ENABLED = True
RETRY_TIMES = 3
# 412/521 are anti-bot challenges (retrying only annoys the WAF): the spider logs them `blocked`.
RETRY_HTTP_CODES = [408, 429, 500, 502, 503, 504, 522, 524]

# Every response goes to the raw archive through the item pipeline; nothing is cached elsewhere.
ITEM_PIPELINES = {"gongkai.crawler.item_pipelines.RawArchivePipeline": 300}
HTTPCACHE_ENABLED = False
# No consoles into a running crawl: telnet, and the code-running HTTP server Scrapy 2.19 enables
# by default (it also writes a token file into the user's profile directory).
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
COOKIES_ENABLED = True
REDIRECT_MAX_TIMES = 10

LOG_LEVEL = "INFO"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"

# gongkai's own: the most list pages followed per column URL (a hint `max_pages` lowers it),
# and whether URLs already archived are revalidated with If-None-Match / If-Modified-Since.
GONGKAI_MAX_LIST_PAGES = 500
GONGKAI_CONDITIONAL_REQUESTS = True
# Group commit of the raw archive (crawler/item_pipelines.py): at most this long, or this many
# fetches, between a body being received and its fetch-log line being durable.
GONGKAI_COMMIT_SECONDS = 1.0
GONGKAI_COMMIT_ITEMS = 500
