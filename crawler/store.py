"""The raw archive: original bytes, content-addressed and immutable, plus the append-only logs.

```
DATA/raw/objects/ab/abcdef…    original bytes, file name = sha256 hex, written once, read-only
DATA/raw/fetches.jsonl         one JSON object per fetch (fields: docs/architecture.md)
DATA/raw/crawl-runs.jsonl      one JSON object per portal per crawl run (the crawl's stats)
```

Appends are written and fsync'ed under an exclusive lock, so parallel writers never interleave,
and readers skip a torn (unparsable) line instead of failing. The crawler commits in groups
(`put(..., sync=False)` for a batch of bodies, then `sync()`, then `log_fetches(lines)`): a
fetch-log line is written only after the object it names is on disk, and one filesystem sync
serves a whole batch instead of three fsyncs per page.
"""
from __future__ import annotations

import ctypes
import fcntl
import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
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

    def put(self, body: bytes, *, sync: bool = True) -> str:
        """Store `body` once and return its sha256; an object already stored is left untouched.

        The file is written to a temporary name in the same directory, fsync'ed, made read-only
        and renamed into place, so no reader ever sees a partial object. With `sync=False` the
        fsyncs are left to a later `sync()`, which must come before a log line names the object.
        """
        sha = self.digest(body)
        target = self.path(sha)
        if target.exists():
            return sha
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{sha[:16]}.{os.getpid()}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(body)
                f.flush()
                if sync:
                    os.fsync(f.fileno())
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise
        if sync:
            _fsync_dir(target.parent)
        return sha

    def sync(self) -> None:
        """Make every object written with `put(..., sync=False)` durable: one sync of the
        filesystem holding the archive (Linux `syncfs`; elsewhere `sync`)."""
        self.objects_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.objects_dir, os.O_RDONLY)
        try:
            if _LIBC is None or _LIBC.syncfs(fd) != 0:
                os.sync()
        finally:
            os.close(fd)

    def objects(self) -> Iterator[str]:
        """The sha256 of every stored object (partial writes of a killed crawl are not objects)."""
        if not self.objects_dir.is_dir():
            return
        for sub in sorted(self.objects_dir.iterdir()):
            if sub.is_dir():
                for f in sorted(sub.iterdir()):
                    if _SHA256.fullmatch(f.name):
                        yield f.name

    def clean_partial(self) -> int:
        """Remove the temporary files a killed writer left in `raw/objects` (only those of
        processes no longer running); returns how many were removed."""
        removed = 0
        if not self.objects_dir.is_dir():
            return 0
        for tmp in self.objects_dir.glob("*/.*.tmp"):
            m = _PARTIAL.fullmatch(tmp.name)
            if m is None or _process_alive(int(m.group(1))):
                continue
            try:
                os.chmod(tmp, 0o644)
                tmp.unlink()
                removed += 1
            except FileNotFoundError:
                pass
        return removed

    def open(self, sha256: str) -> BinaryIO:
        """Open a stored object for reading (binary)."""
        return open(self.path(sha256), "rb")

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    # ── logs ─────────────────────────────────────────────────────────────────────────────────

    def log_fetch(self, entry: dict) -> None:
        """Append one fetch to `raw/fetches.jsonl` (durable when this returns)."""
        _append_jsonl(self.fetch_log, [entry])

    def log_fetches(self, entries: list[dict]) -> None:
        """Append fetches to `raw/fetches.jsonl` in one write (durable when this returns)."""
        if entries:
            _append_jsonl(self.fetch_log, entries)

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

    def url_history(self) -> dict[str, UrlHistory]:
        """URL → its versions (distinct bodies, in the order first stored) and whether it is gone.

        Versioning semantics of the raw archive: a body that changes at the same URL is a new
        object, a new version; every earlier version stays in `raw/objects`. An unchanged body
        (304, or a 200 with the same bytes) adds no version. A 404/410 after a stored version
        marks the URL gone from that date (`gone_since`); its versions stay. A later successful
        fetch clears `gone_since`.
        """
        history: dict[str, UrlHistory] = {}
        for entry in self.fetches():
            url = entry.get("url")
            if not url:
                continue
            outcome, at = entry.get("outcome"), entry.get("fetched_at")
            h = history.get(url)
            if outcome == "stored" and entry.get("sha256"):
                if h is None:
                    h = history[url] = UrlHistory(url)
                h.seen(entry["sha256"], at)
                h.gone_since = None
            elif h is None:
                continue
            elif outcome == "not_modified":
                for v in h.versions:
                    if v.sha256 == h.current:
                        v.last_seen = at
                h.gone_since = None
            elif outcome == "gone" and h.gone_since is None:
                h.gone_since = at
        return history

    def log_run(self, entry: dict) -> None:
        """Append one portal's stats of one crawl run to `raw/crawl-runs.jsonl`."""
        _append_jsonl(self.runs_log, [entry])

    def runs(self) -> Iterator[dict]:
        """Every crawl-run line, oldest first."""
        return _read_jsonl(self.runs_log)


_PARTIAL = re.compile(r"\.[0-9a-f]{16}\.(\d+)\..*\.tmp")


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class Version:
    """One distinct body seen at a URL."""

    sha256: str
    first_seen: str | None
    last_seen: str | None


@dataclass
class UrlHistory:
    """What the fetch log says about one URL: its versions, oldest first, and when it went."""

    url: str
    versions: list[Version] = field(default_factory=list)
    gone_since: str | None = None
    current: str | None = None    # sha256 of the body last stored (None if never stored)

    def seen(self, sha256: str, at: str | None) -> None:
        self.current = sha256
        for v in self.versions:   # a body seen before (maybe back to an earlier one): no new version
            if v.sha256 == sha256:
                v.last_seen = at
                return
        self.versions.append(Version(sha256, at, at))


def _append_jsonl(path: Path, entries: list[dict]) -> None:
    line = b"".join(json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
                    for entry in entries)
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


try:
    _LIBC = ctypes.CDLL(None, use_errno=True) if hasattr(ctypes.CDLL(None), "syncfs") else None
except OSError:
    _LIBC = None


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
