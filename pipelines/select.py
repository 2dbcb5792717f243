"""Which document of a report page to archive: the page itself, or one of its attachments.

A report page often holds only a title and links the real report as PDF/DOC/DOCX. Given the
extract records of the page and of its attachments (each with its provenance keys), pick the
record whose tables were read best, and complete its title/year/issuer from the page when the
attachment itself does not print them.
"""
from __future__ import annotations


def _score(rec: dict) -> tuple:
    cells = rec.get("cells") or {}
    filled = sum(1 for v in cells.values() if v is not None)
    return (filled, len(cells), rec.get("template") is not None, rec.get("title") is not None)


def choose_report(page: dict | None, attachments: list[dict]) -> dict | None:
    """The one record to archive for a report page, or None when nothing is a report."""
    candidates = [r for r in attachments if r] + ([page] if page else [])
    if not candidates:
        return None
    # The page wins ties: it is the report when its own tables are as complete as any file's.
    best = max(candidates, key=lambda r: (_score(r), r is page))
    if page is not None and best is not page:
        best = dict(best)
        for field in ("title", "year", "issuer"):
            if best.get(field) is None and page.get(field) is not None:
                best[field] = page[field]
        if best.get("template") is None and page.get("template") is not None:
            best["template"] = page["template"]
        best.setdefault("page_url", page.get("source_url"))
        best["notes"] = list(best.get("notes") or []) + [
            f"read from the attachment {best.get('source_url')}, linked from {page.get('source_url')}"]
    return best
