"""Errors that `extract` raises for documents it will not turn into a record.

Each carries a one-line reason, suitable for stderr and for the archive's failures table.
"""


class ExtractError(Exception):
    """A document gongkai cannot turn into a report record."""

    kind = "error"

    MAX_LEN = 200

    def __init__(self, reason: str):
        reason = " ".join(str(reason).split())
        if len(reason) > self.MAX_LEN:
            reason = reason[: self.MAX_LEN - 1] + "…"
        super().__init__(reason)


class NotAReport(ExtractError):
    """Readable, but not an information-disclosure annual report."""

    kind = "not_a_report"


class Unreadable(ExtractError):
    """Corrupt, truncated, encrypted, too large or of an unknown format."""

    kind = "unreadable"
