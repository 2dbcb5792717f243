"""Pure document processing for gongkai: document bytes -> text, tables, canonical cells, checks.

No Scrapy, Dagster or database imports here; records pass out as plain dicts.
"""

# Bumped whenever extraction output may change: cached records of older versions are redone.
VERSION = "1"
