"""The one item the spider yields: a fetch (its response body, if any, and everything the
fetch log records about it). The item pipeline stores the body and writes the log line."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

ROLES = ("list", "detail", "attachment")
OUTCOMES = ("stored", "not_modified", "gone", "blocked", "error")

#: Fetch-log fields in the order of docs/architecture.md.
LOG_FIELDS = (
    "url", "requested_url", "fetched_at", "status", "headers", "sha256", "size", "content_type",
    "filename", "referer", "portal", "role", "link_text", "title", "is_report", "attachments",
    "outcome", "error",
)


def utc_now() -> str:
    """Now as ISO 8601 UTC with milliseconds, e.g. `2024-03-31T08:15:02.123Z`."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Fetch:
    portal: str
    role: str
    url: str
    outcome: str
    requested_url: str | None = None
    fetched_at: str = field(default_factory=utc_now)
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = field(default=None, repr=False)  # stored only when outcome == "stored"
    size: int | None = None
    content_type: str | None = None
    filename: str | None = None
    referer: str | None = None
    link_text: str | None = None
    title: str | None = None
    is_report: bool | None = None
    attachments: list[str] | None = None
    error: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role {self.role!r} is not one of {ROLES}")
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome {self.outcome!r} is not one of {OUTCOMES}")

    def log_entry(self, sha256: str | None) -> dict:
        """The fetch-log line, `sha256` being the stored body's digest (None if nothing stored)."""
        values = {name: getattr(self, name) for name in LOG_FIELDS if name != "sha256"}
        values["sha256"] = sha256
        return {name: values[name] for name in LOG_FIELDS}
