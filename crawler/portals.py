"""The portals YAML: which columns of which government portals to crawl.

```yaml
portals:
  - id: sample-jianxi                  # [a-z0-9-]+, unique
    name: 涧西区人民政府（示例门户）
    url: http://127.0.0.1:8765/zwgk/ndbg/index.html   # or urls: [..]: the annual-report column(s)
    platform: trs                      # optional: trs | hanweb | generic (discovered when absent)
    level: county                      # optional: national/province/city/county/township/department
    region: {province: 河南省, city: 洛阳市, county: 涧西区}   # optional
    hints: {max_pages: 50, list_selector: "ul.list"}           # optional, see HINTS
    years: [2019, 2023]                # optional: the report years the column should hold
```

`load_portals(path)` reads and validates the file; every problem raises `PortalConfigError`
naming the file, the entry and the field.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

PLATFORMS = ("trs", "hanweb", "generic")
LEVELS = ("national", "province", "city", "county", "township", "department")
FIELDS = ("id", "name", "url", "urls", "platform", "level", "region", "hints", "years")

#: Hints the spider understands (others are kept but ignored): name → (type, meaning).
HINTS: dict[str, tuple[type, str]] = {
    "max_pages": (int, "stop after this many list pages per column URL"),
    "list_selector": (str, "CSS selector of the list area; detail links are taken only inside it"),
    "detail_pattern": (str, "regular expression a detail page URL must match (searched)"),
}

_ID = re.compile(r"[a-z0-9-]+")
# Information-disclosure regulations took effect on 1 May 2008; the first reports cover 2008.
_FIRST_YEAR, _LAST_YEAR = 2007, 2100


class PortalConfigError(ValueError):
    """The portals YAML is unreadable or an entry is invalid (the message names which and why)."""


@dataclass(frozen=True)
class Portal:
    id: str
    name: str
    urls: tuple[str, ...]
    platform: str | None = None
    level: str | None = None
    region: dict[str, str] = field(default_factory=dict)
    hints: dict[str, Any] = field(default_factory=dict)
    years: tuple[int, int] | None = None

    @property
    def url(self) -> str:
        """The first column URL."""
        return self.urls[0]


def load_portals(path: str | os.PathLike) -> list[Portal]:
    """Read and validate a portals YAML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise PortalConfigError(f"{path}: cannot read portals file: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        raise PortalConfigError(f"{path}: portals file is not UTF-8: {e}") from e
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise PortalConfigError(f"{path}: not valid YAML: {e}") from e
    return parse_portals(doc, source=str(path))


def parse_portals(doc: Any, source: str = "<portals>") -> list[Portal]:
    """Validate an already-parsed portals document (`{"portals": [...]}`)."""
    if not isinstance(doc, dict) or "portals" not in doc:
        raise PortalConfigError(f"{source}: expected a mapping with a 'portals:' list at the top")
    entries = doc["portals"]
    if not isinstance(entries, list) or not entries:
        raise PortalConfigError(f"{source}: 'portals' must be a non-empty list of entries")
    portals: list[Portal] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries, start=1):
        portal = _parse_entry(entry, f"{source}: portal #{index}")
        if portal.id in seen:
            raise PortalConfigError(
                f"{source}: portal #{index} ({portal.id}): field 'id': duplicate of portal #{seen[portal.id]}")
        seen[portal.id] = index
        portals.append(portal)
    return portals


def _parse_entry(entry: Any, where: str) -> Portal:
    if not isinstance(entry, dict):
        raise PortalConfigError(f"{where}: expected a mapping (id, name, url…), got {type(entry).__name__}")
    pid = entry.get("id")
    if isinstance(pid, str) and pid:
        where = f"{where} ({pid})"

    def fail(fieldname: str, message: str) -> PortalConfigError:
        return PortalConfigError(f"{where}: field '{fieldname}': {message}")

    unknown = sorted(set(map(str, entry)) - set(FIELDS))
    if unknown:
        raise fail(unknown[0], f"unknown field (allowed: {', '.join(FIELDS)})")

    if not isinstance(pid, str) or not pid:
        raise fail("id", "required, a string of a-z, 0-9 and '-'")
    if not _ID.fullmatch(pid):
        raise fail("id", f"{pid!r} may contain only a-z, 0-9 and '-'")

    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise fail("name", "required, a non-empty string")

    if "url" in entry and "urls" in entry:
        raise fail("urls", "give either 'url' or 'urls', not both")
    if "url" in entry:
        raw_urls, key = [entry["url"]], "url"
    elif "urls" in entry:
        raw_urls, key = entry["urls"], "urls"
        if not isinstance(raw_urls, list) or not raw_urls:
            raise fail("urls", "must be a non-empty list of URLs")
    else:
        raise fail("url", "required ('url: …' or 'urls: [...]'): the annual-report column URL")
    urls = []
    for u in raw_urls:
        problem = _url_problem(u)
        if problem:
            raise fail(key, problem)
        if u.strip() not in urls:
            urls.append(u.strip())

    platform = entry.get("platform")
    if platform is not None and platform not in PLATFORMS:
        raise fail("platform", f"{platform!r} is not one of {', '.join(PLATFORMS)}")

    level = entry.get("level")
    if level is not None and level not in LEVELS:
        raise fail("level", f"{level!r} is not one of {', '.join(LEVELS)}")

    region = entry.get("region") or {}
    if not isinstance(region, dict):
        raise fail("region", "must be a mapping like {province: 河南省, city: 洛阳市}")
    for k, v in region.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise fail("region", f"keys and values must be strings ({k!r}: {v!r})")

    hints = entry.get("hints") or {}
    if not isinstance(hints, dict):
        raise fail("hints", "must be a mapping")
    for k, (typ, meaning) in HINTS.items():
        if k in hints and (not isinstance(hints[k], typ) or isinstance(hints[k], bool)):
            raise fail(f"hints.{k}", f"must be {typ.__name__} ({meaning})")
    if "max_pages" in hints and hints["max_pages"] < 1:
        raise fail("hints.max_pages", "must be at least 1")
    if "detail_pattern" in hints:
        try:
            re.compile(hints["detail_pattern"])
        except re.error as e:
            raise fail("hints.detail_pattern", f"not a valid regular expression: {e}") from e
    if "list_selector" in hints:
        from cssselect import GenericTranslator, SelectorError

        try:
            GenericTranslator().css_to_xpath(hints["list_selector"])
        except SelectorError as e:
            raise fail("hints.list_selector", f"not a valid CSS selector: {e}") from e

    years = entry.get("years")
    if years is not None:
        if (not isinstance(years, list) or len(years) != 2
                or not all(isinstance(y, int) and not isinstance(y, bool) for y in years)):
            raise fail("years", "must be [from, to], two integers")
        if not (_FIRST_YEAR <= years[0] <= years[1] <= _LAST_YEAR):
            raise fail("years", f"{years} must satisfy {_FIRST_YEAR} <= from <= to <= {_LAST_YEAR}")
        years = (years[0], years[1])

    return Portal(id=pid, name=name.strip(), urls=tuple(urls), platform=platform, level=level,
                  region=dict(region), hints=dict(hints), years=years)


def _url_problem(url: Any) -> str | None:
    if not isinstance(url, str) or not url.strip():
        return f"{url!r} is not a URL string"
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        return f"{url!r} must start with http:// or https://"
    if not parts.hostname:
        return f"{url!r} has no host"
    return None
