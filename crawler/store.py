"""The raw archive: original bytes, content-addressed and immutable, plus the append-only logs.

```
DATA/raw/objects/ab/abcdef…    original bytes, file name = sha256 hex, written once, read-only
DATA/raw/fetches.jsonl         one JSON object per fetch (fields: docs/architecture.md)
DATA/raw/crawl-runs.jsonl      one JSON object per portal per crawl run (the crawl's stats)
```

Appends are flushed and fsync'ed line by line, under an exclusive lock, so a killed crawl loses
at most the line being written and parallel writers never interleave. Readers skip a torn
(unparsable) line instead of failing.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

logger = logging.getLogger(__name__)

_SHA256 = re.compile(r"[0-9a-f]{64}")


class RawStore:
    """The raw archive of one data directory (`DATA/raw`)."""

    def __init__(self, data_dir: str | os.PathLike):
        self.data_dir = Path(data_dir)
        self.root = self.data_dir / "raw"
        self.objects_dir = self.root / "objects"
        self.fetch_log = self.root / "fetches.jsonl"
        self.runs_log = self.root / "crawl-runs.jsonl"

    # ── objects ──────────────────────────────────────────────────────────────────────────────

    @staticmethod
    def digest(body: bytes) -> str:
        """The sha256 hex digest under which `body` is (or would be) stored."""
        return hashlib.sha256(body).hexdigest()

    def path(self, sha256: str) -> Path:
        """Where the object with this digest lives (whether or not it exists)."""
        if not _SHA256.fullmatch(sha256 or ""):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.objects_dir / sha256[:2] / sha256

    def __contains__(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put(self, body: bytes) -> str:
        """Store `body` once and return its sha256; an object already stored is left untouched.

        The file is written to a temporary name in the same directory, fsync'ed, made read-only
        and renamed into place, so no reader ever sees a partial object.
        """
        sha = self.digest(body)
        target = self.path(sha)
        if target.exists():
            return sha
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{sha[:16]}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(body)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise
        _fsync_dir(target.parent)
        return sha

    def open(self, sha256: str) -> BinaryIO:
        """Open a stored object for reading (binary)."""
        return open(self.path(sha256), "rb")

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    # ── logs ─────────────────────────────────────────────────────────────────────────────────

    def log_fetch(self, entry: dict) -> None:
        """Append one fetch to `raw/fetches.jsonl` (durable when this returns)."""
        _append_jsonl(self.fetch_log, entry)

    def fetches(self) -> Iterator[dict]:
        """Every fetch logged, oldest first (torn lines are skipped)."""
        return _read_jsonl(self.fetch_log)

    def latest_by_url(self) -> dict[str, dict]:
        """URL → the last fetch of it (keyed by final URL and, when different, the requested URL)."""
        latest: dict[str, dict] = {}
        for entry in self.fetches():
            for url in (entry.get("requested_url"), entry.get("url")):
                if url:
                    latest[url] = entry
        return latest

    def log_run(self, entry: dict) -> None:
        """Append one portal's stats of one crawl run to `raw/crawl-runs.jsonl`."""
        _append_jsonl(self.runs_log, entry)

    def runs(self) -> Iterator[dict]:
        """Every crawl-run line, oldest first."""
        return _read_jsonl(self.runs_log)


def _append_jsonl(path: Path, entry: dict) -> None:
    line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        # A writer killed mid-line leaves no newline at the end: start on a fresh line so the
        # torn line stays one bad line instead of swallowing this one.
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            line = b"\n" + line
        view = memoryview(line)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)  # closing releases the lock


def _read_jsonl(path: Path) -> Iterator[dict]:
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        return
    with f:
        for number, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except ValueError:
                logger.warning("%s:%d: skipping torn or unreadable line", path, number)
                continue
            if isinstance(obj, dict):
                yield obj


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
