"""The application layer: the pipeline's stages as plain functions over a data directory.

The CLI (`gongkai.cli`) and the Dagster assets (`gongkai.dagster_project`) are thin callers of
these functions; they hold no parsing logic themselves (that lives in `gongkai.pipelines`).

    crawl(portals, data)   portals YAML → DATA/raw (objects + fetch log)     [Scrapy, subprocess]
    extract_all(data)      DATA/raw → DATA/records (cache.db: one cached entry per original;
                           reports.jsonl, failures.jsonl)                    [worker processes]
    load_archive(data)     DATA/records + fetch log → DATA/gongkai.db        [one writer]
    publish(data)          DATA/gongkai.db → DATA/published/                 [snapshot + metadata]

Layout of DATA: see docs/architecture.md. Besides it this module keeps `DATA/portals.yaml`, the
union of the portal entries the data dir was crawled with (for provenance at extract time).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import multiprocessing
import os
import re
import sqlite3
import time
from collections import OrderedDict, deque
from collections.abc import Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from multiprocessing.connection import wait as _wait_any
from pathlib import Path
from typing import Callable, Iterable, Iterator

import yaml

ProgressFn = Callable[[int, int], None]  # (done, total)

# Per-document limits for extraction in worker processes.
EXTRACT_TIMEOUT = float(os.environ.get("GONGKAI_EXTRACT_TIMEOUT", "120"))
EXTRACT_WORKERS = int(os.environ.get("GONGKAI_EXTRACT_WORKERS", "2"))
EXTRACT_MEMORY_MB = int(os.environ.get("GONGKAI_EXTRACT_MEMORY_MB", "4096"))


# ── paths ────────────────────────────────────────────────────────────────────────────────────

def db_path(data: str | os.PathLike) -> Path:
    return Path(data) / "gongkai.db"


def records_dir(data: str | os.PathLike) -> Path:
    return Path(data) / "records"


def reports_path(data: str | os.PathLike) -> Path:
    return records_dir(data) / "reports.jsonl"


def failures_path(data: str | os.PathLike) -> Path:
    return records_dir(data) / "failures.jsonl"


def portals_copy_path(data: str | os.PathLike) -> Path:
    return Path(data) / "portals.yaml"


def published_dir(data: str | os.PathLike) -> Path:
    return Path(data) / "published"


def cache_db_path(data: str | os.PathLike) -> Path:
    """The extraction's record cache (`RecordCache`): one entry per original, by sha256."""
    return records_dir(data) / "cache.db"


# ── crawl ────────────────────────────────────────────────────────────────────────────────────

def crawl(portals: str | os.PathLike, data: str | os.PathLike, delay: float | None = None,
          log_file: str | os.PathLike | None = None, only: Iterable[str] | None = None,
          polite: bool = True) -> dict:
    """Crawl every portal of the YAML file (or the ids in `only`) into DATA/raw (Scrapy runs in
    a subprocess; `polite=False` only for local benchmarks, see `crawler.run.UNTHROTTLED`).

    Returns the crawler's per-portal stats. The portal entries are merged into DATA/portals.yaml.
    """
    from gongkai.crawler.run import crawl as run_crawl

    data = Path(data)
    data.mkdir(parents=True, exist_ok=True)
    remember_portals(portals, data)
    only = list(only) if only is not None else None
    return run_crawl(str(portals), str(data), delay=delay, log_file=log_file, only=only, polite=polite)


def portal_groups(portals: str | os.PathLike) -> dict[str, list[str]]:
    """Group name → portal ids of the YAML file (an entry's optional `group:`, else "default")."""
    groups: dict[str, list[str]] = {}
    for p in _portal_entries(portals):
        groups.setdefault(str(p.get("group") or "default"), []).append(p["id"])
    return groups


def _portal_entries(path: str | os.PathLike) -> list[dict]:
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    entries = doc.get("portals", []) if isinstance(doc, dict) else doc
    return [dict(e) for e in entries or [] if isinstance(e, dict) and e.get("id")]


def remember_portals(portals: str | os.PathLike, data: str | os.PathLike) -> None:
    """Merge the portal entries of `portals` into DATA/portals.yaml (entries by id, newest wins)."""
    target = portals_copy_path(data)
    merged = {p["id"]: p for p in (_portal_entries(target) if target.exists() else [])}
    merged.update({p["id"]: p for p in _portal_entries(portals)})
    text = yaml.safe_dump({"portals": list(merged.values())}, allow_unicode=True, sort_keys=False)
    _atomic_write(target, text)


def load_portal_table(data: str | os.PathLike) -> dict[str, dict]:
    """Portal id → entry, from DATA/portals.yaml (empty when the data dir has none)."""
    path = portals_copy_path(data)
    return {p["id"]: p for p in _portal_entries(path)} if path.exists() else {}


# ── extract ──────────────────────────────────────────────────────────────────────────────────

def _extractor_version() -> str:
    from gongkai import pipelines

    return str(getattr(pipelines, "VERSION", "0"))


def _stored_versions(fetches: Iterable[dict]) -> tuple[dict[str, dict], list[dict]]:
    """(url → latest fetch line that has stored bytes, every such line in log order)."""
    latest: dict[str, dict] = {}
    lines = []
    for f in fetches:
        if not f.get("sha256"):
            continue
        lines.append(f)
        for url in {f.get("url"), f.get("requested_url")} - {None}:
            latest[url] = f
    return latest, lines


def report_candidates(fetches: Iterable[dict]) -> list[dict]:
    """The report pages of a fetch log, each with its attachments.

    One entry per detail page URL whose latest stored fetch says `is_report`:
    `{"page": fetch line, "attachments": [fetch line, …]}`, attachments being the latest stored
    version of each URL fetched as an attachment of that page (referer == page URL) or listed in
    the page's `attachments`.
    """
    latest, lines = _stored_versions(fetches)
    linked: dict[str, set[str]] = {}
    for f in lines:
        if f.get("role") == "attachment" and f.get("referer"):
            linked.setdefault(f["referer"], set()).add(f["url"])
    out, seen = [], set()
    for f in lines:
        if f.get("role") != "detail":
            continue
        page = latest.get(f["url"], f)
        if page["url"] in seen or not page.get("is_report"):
            continue
        seen.add(page["url"])
        urls = list(dict.fromkeys([*(page.get("attachments") or []),
                                   *sorted(linked.get(page["url"], ()))]))
        atts = [latest[u] for u in urls if u in latest]
        out.append({"page": page, "attachments": list({a["sha256"]: a for a in atts}.values())})
    return out


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


EXTRACTOR = "gongkai.pipelines.extract:extract_bytes"


def _extract_in_worker(conn, memory_mb: int, extractor: str) -> None:
    """Worker loop: receive (path, filename), send back ("ok", record) or (status, reason)."""
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass
    import importlib

    from gongkai.pipelines.errors import ExtractError

    module, _, name = extractor.partition(":")
    extract_bytes = getattr(importlib.import_module(module), name)

    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        path, filename = job
        try:
            record = extract_bytes(Path(path).read_bytes(), filename=filename)
            reply = ("ok", record)
        except ExtractError as e:  # NotAReport → "not_a_report", Unreadable → "unreadable"
            reply = (getattr(e, "kind", "error"), _one_line(e))
        except MemoryError:
            reply = ("error", f"out of memory (limit {memory_mb} MB)")
        except Exception as e:  # a parser bug must not stop the build: record it
            reply = ("error", _one_line(f"{type(e).__name__}: {e}"))
        try:
            conn.send(reply)
        except Exception as e:  # e.g. an unpicklable record
            conn.send(("error", _one_line(f"cannot return record: {e}")))


def _one_line(e: object) -> str:
    return " ".join(str(e).split())[:500] or type(e).__name__


class _Worker:
    def __init__(self, ctx, memory_mb: int, extractor: str):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_extract_in_worker, args=(child, memory_mb, extractor),
                                daemon=True)
        self.proc.start()
        child.close()
        self.jobs: deque = deque()   # sent, not answered; the first is being extracted
        self.deadline = 0.0
        self.done = 0

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.proc.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


#: Jobs sent ahead to a worker, so it starts the next document while its last result is written.
WORKER_QUEUE = 2
#: A worker is replaced by a fresh process after this many documents (caches and parser memory
#: of a long run stay bounded).
WORKER_MAX_JOBS = 2000


def run_guarded(jobs: list[tuple[str, str, str | None]], *, workers: int = EXTRACT_WORKERS,
                timeout: float = EXTRACT_TIMEOUT, memory_mb: int = EXTRACT_MEMORY_MB,
                progress: ProgressFn | None = None,
                extractor: str = EXTRACTOR) -> Iterator[tuple[str, str, object]]:
    """Extract each (key, path, filename) in a pool of worker processes.

    `extractor` names the function ("module:function", called as f(bytes, filename=…)).
    Yields (key, status, record-or-reason) as results arrive. A document that takes longer than
    `timeout` seconds, or that kills its worker, yields status "timeout"/"crashed"; its worker is
    replaced (the documents queued behind it go to the others) and the others go on.
    """
    if not jobs:
        return
    ctx = multiprocessing.get_context("spawn")
    pending = deque(jobs)
    pool = [_Worker(ctx, memory_mb, extractor) for _ in range(max(1, min(workers, len(jobs))))]
    done = 0
    try:
        while pending or any(w.jobs for w in pool):
            for i, w in enumerate(pool):
                if not w.jobs and w.done >= WORKER_MAX_JOBS and pending:
                    w.stop()
                    pool[i] = w = _Worker(ctx, memory_mb, extractor)
                while pending and len(w.jobs) < WORKER_QUEUE and w.done + len(w.jobs) < WORKER_MAX_JOBS:
                    job = pending.popleft()
                    if not w.jobs:
                        w.deadline = time.monotonic() + timeout
                    w.jobs.append(job)
                    w.conn.send(job[1:])
            busy = [w for w in pool if w.jobs]
            wait_for = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            ready = _wait_any([w.conn for w in busy] + [w.proc.sentinel for w in busy], wait_for)
            for i, w in enumerate(pool):
                if not w.jobs:
                    continue
                result = None
                if w.conn in ready or w.proc.sentinel in ready:
                    try:
                        result = w.conn.recv()
                    except (EOFError, OSError):
                        w.proc.join(1)
                        result = ("crashed", f"extractor process died (exit code {w.proc.exitcode})")
                elif time.monotonic() >= w.deadline:
                    result = ("timeout", f"extraction took longer than {timeout:g} s")
                if result is None:
                    continue
                key = w.jobs.popleft()[0]
                w.done += 1
                w.deadline = time.monotonic() + timeout   # the next queued job starts now
                if result[0] in ("crashed", "timeout"):
                    pending.extendleft(reversed(w.jobs))    # not tried yet: to another worker
                    w.jobs.clear()
                    w.stop(kill=True)
                    pool[i] = _Worker(ctx, memory_mb, extractor)
                done += 1
                if progress:
                    progress(done, len(jobs))
                yield key, result[0], result[1]
    finally:
        for w in pool:
            w.stop(kill=bool(w.jobs))


def extract_all(data: str | os.PathLike, *, workers: int = EXTRACT_WORKERS,
                timeout: float = EXTRACT_TIMEOUT, progress: ProgressFn | None = None) -> dict:
    """Extract the report of every report page in DATA's fetch log.

    Each original (detail page or attachment) is extracted once per extractor version; the result,
    record or failure, is cached by sha256 in DATA/records/cache.db (`RecordCache`). For each page
    `pipelines.select.choose_report` picks the record to archive; it gets its provenance and goes
    to DATA/records/reports.jsonl (in the fetch log's order of report pages). Pages that yield no
    report go to DATA/records/failures.jsonl with the reasons. Returns counts.
    """
    from gongkai.crawler.store import RawStore

    data = Path(data)
    store = RawStore(str(data))
    version = _extractor_version()
    candidates = report_candidates(store.fetches())

    # every original extracted once (cache hit or worker process); each page's report chosen as
    # soon as its originals are done, in log order (records come from the worker or, cached, are
    # read back one page at a time: memory does not grow with the number of reports)
    portals = load_portal_table(data)
    reports = 0
    failed_pages: set[str] = set()
    with _CachedEntries(data, version) as entries, \
            _AtomicLines(reports_path(data)) as report_lines, \
            _AtomicLines(failures_path(data)) as failure_lines:
        for c in _extracted_in_order(data, store, candidates, entries, workers=workers,
                                     timeout=timeout, progress=progress):
            report, failed = _choose(c, entries, portals)
            if report is None:
                failure_lines.write_all(failed)
                failed_pages.update(f["page_url"] for f in failed)
            else:
                report_lines.write_all([report])
                reports += 1
    statuses = list(entries.statuses.values())
    return {
        "report_pages": len(candidates),
        "originals": len(statuses),
        "extracted": entries.extracted,
        "cached": len(statuses) - entries.extracted,
        "original_failures": sum(s != "ok" for s in statuses),
        "reports": reports,
        "failed_pages": len(failed_pages),
        "extractor_version": version,
    }


class _AtomicLines:
    """A JSON-lines file written line by line to a temporary name and renamed into place on a
    clean exit (a failed run leaves the previous file as it was)."""

    def __init__(self, path: Path):
        self.path = path
        self.tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")

    def __enter__(self) -> "_AtomicLines":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.file = open(self.tmp, "w", encoding="utf-8")
        return self

    def write_all(self, rows: Iterable[dict]) -> None:
        for row in rows:
            self.file.write(json.dumps(row, ensure_ascii=False) + "\n")

    def __exit__(self, exc_type, *exc) -> None:
        self.file.close()
        if exc_type is None:
            os.replace(self.tmp, self.path)
        else:
            self.tmp.unlink(missing_ok=True)


class RecordCache:
    """The extraction's cache: sha256 → the result of extracting that original (record or
    failure, with the extractor version), one row per original in the SQLite file
    DATA/records/cache.db.

    Writes are buffered in memory and written in one short transaction every `flush_every`
    entries and on `flush`/`close` (a `with` block closes the cache also when the extraction
    fails, so finished work is kept); lookups see the buffered entries. After a crash, entries
    not yet flushed are simply extracted again by the next run.

    Several processes (Dagster runs, Celery workers) may extract into one data dir at once: the
    file is in WAL mode (readers do not wait for a writer), every write is one `BEGIN IMMEDIATE`
    transaction of at most `flush_every` rows, and a writer waits up to `BUSY_TIMEOUT` seconds
    for another's. Writing an entry for a sha256 that has one replaces it.

    Opening the cache imports the cache files of earlier versions of this module
    (DATA/records/ab/<sha256>.json, one file per original) into cache.db and deletes them
    (`import_legacy`)."""

    #: Entries buffered before they are written in one transaction.
    FLUSH_EVERY = 500
    #: Old-format cache files read and written per transaction by `import_legacy`.
    IMPORT_BATCH = 1000
    #: Seconds a write waits for another process's transaction on the same file.
    BUSY_TIMEOUT = 60.0

    _SCHEMA = ("""CREATE TABLE IF NOT EXISTS entries (
                      id INTEGER PRIMARY KEY,      -- rowid: new entries append (sha256 is random)
                      sha256 TEXT NOT NULL,
                      extractor_version TEXT NOT NULL,
                      status TEXT NOT NULL,        -- ok / not_a_report / unreadable / error / timeout / crashed
                      extracted_at TEXT,
                      reason TEXT,                 -- one line; NULL when status = ok
                      record TEXT                  -- the record's JSON; NULL unless status = ok
                  )""",
               "CREATE UNIQUE INDEX IF NOT EXISTS entries_sha256 ON entries (sha256)")
    _COLUMNS = "sha256, extractor_version, status, extracted_at, reason, record"
    _UPSERT = (f"INSERT INTO entries ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO UPDATE SET "
               + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS.split(", ")[1:]))

    def __init__(self, data: str | os.PathLike, *, flush_every: int = FLUSH_EVERY):
        self.path = cache_db_path(data)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.flush_every = flush_every
        self._pending: dict[str, tuple] = {}   # sha256 → row, not yet written
        self.db = sqlite3.connect(self.path, timeout=self.BUSY_TIMEOUT, isolation_level=None)
        try:
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
            with self._transaction():
                for statement in self._SCHEMA:
                    self.db.execute(statement)
            self.imported = self.import_legacy()
        except BaseException:
            self.db.close()
            raise

    def __enter__(self) -> "RecordCache":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write transaction (the write lock is taken at its start, so it waits for another
        process's up to `BUSY_TIMEOUT` rather than failing on a read snapshot turned stale)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def get(self, sha: str, version: str) -> dict | None:
        """The entry of `sha` if it was extracted by extractor `version`, else None."""
        row = self._pending.get(sha) or self.db.execute(
            f"SELECT {self._COLUMNS} FROM entries WHERE sha256 = ?", (sha,)).fetchone()
        if row is None or row[1] != version:
            return None
        return {"sha256": row[0], "extractor_version": row[1], "status": row[2], "extracted_at": row[3],
                "reason": row[4], "record": None if row[5] is None else json.loads(row[5])}

    def statuses(self, shas: Iterable[str], version: str) -> dict[str, str]:
        """sha256 → status of those of `shas` that have an entry for extractor `version`
        (one query per 500 originals)."""
        shas = list(shas)
        out = {}
        for i in range(0, len(shas), 500):
            chunk = shas[i:i + 500]
            out.update(self.db.execute(
                f"SELECT sha256, status FROM entries WHERE extractor_version = ? AND sha256 IN "
                f"({', '.join('?' * len(chunk))})", (version, *chunk)).fetchall())
        for sha in shas:
            row = self._pending.get(sha)
            if row is not None:
                if row[1] == version:
                    out[sha] = row[2]
                else:
                    out.pop(sha, None)
        return out

    def put(self, entry: dict) -> None:
        """Store an entry ({sha256, extractor_version, status, extracted_at, reason, record});
        written with the next flush."""
        record = entry.get("record")
        self._pending[entry["sha256"]] = (
            entry["sha256"], entry["extractor_version"], entry["status"], entry.get("extracted_at"),
            entry.get("reason"), None if record is None else json.dumps(record, ensure_ascii=False))
        if len(self._pending) >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        """Write the buffered entries in one transaction."""
        if not self._pending:
            return
        with self._transaction():
            self.db.executemany(self._UPSERT, self._pending.values())
        self._pending.clear()

    def close(self) -> None:
        """Flush and close the file."""
        try:
            self.flush()
        finally:
            self.db.close()

    def import_legacy(self) -> int:
        """Import the cache files of earlier versions (DATA/records/ab/<sha256>.json, written
        one per original) into this cache, `IMPORT_BATCH` per transaction, then delete them and
        their emptied directories. Where both have an entry for a sha256 the newer one
        (`extracted_at`) is kept; unreadable files (which were cache misses) are deleted too.
        Returns the number of entries imported (0 and one directory listing when there are
        none, the usual case)."""
        root = self.path.parent
        dirs = sorted(e.path for e in os.scandir(root)
                      if re.fullmatch(r"[0-9a-f]{2}", e.name) and e.is_dir(follow_symlinks=False))
        imported, batch = 0, []
        for d in dirs:
            try:
                names = os.listdir(d)
            except FileNotFoundError:   # imported by another process meanwhile
                continue
            for name in names:
                if re.fullmatch(r"[0-9a-f]{64}\.json", name) and name.startswith(os.path.basename(d)):
                    batch.append(Path(d, name))
                if len(batch) >= self.IMPORT_BATCH:
                    imported += self._import_files(batch)
                    batch = []
        if batch:
            imported += self._import_files(batch)
        for d in dirs:
            try:
                os.rmdir(d)
            except OSError:   # not empty (files this import does not know), or already gone
                pass
        return imported

    def _import_files(self, paths: list[Path]) -> int:
        rows, done = [], []
        for path in paths:
            try:
                entry = json.loads(path.read_text(encoding="utf-8"))
                record = entry.get("record")
                rows.append((path.stem, str(entry["extractor_version"]), str(entry["status"]),
                             entry.get("extracted_at"), entry.get("reason"),
                             None if record is None else json.dumps(record, ensure_ascii=False)))
            except FileNotFoundError:   # imported by another process meanwhile
                continue
            except (ValueError, KeyError, TypeError, AttributeError):
                pass                    # unreadable: it was a cache miss, nothing to keep
            except OSError:
                continue                # left in place
            done.append(path)
        with self._transaction():
            self.db.executemany(
                self._UPSERT + " WHERE coalesce(excluded.extracted_at, '') >= coalesce(entries.extracted_at, '')",
                rows)
        for path in done:
            path.unlink(missing_ok=True)
        return len(rows)


class _CachedEntries(Mapping):
    """sha256 → cache entry of the originals of one extraction, read from the record cache
    (`RecordCache`, DATA/records/cache.db) on access (the last few kept), so that a run over
    100 000 originals holds only their statuses. Use it as a context manager: leaving the
    block writes the entries still buffered and closes the cache."""

    #: Entries kept in memory: those extracted while an earlier page waits for a slow original.
    RECENT = 256

    def __init__(self, data: Path, version: str):
        self.data, self.version = data, version
        self.cache = RecordCache(data)
        self.statuses: dict[str, str] = {}
        self.extracted = 0   # entries extracted in this run (the others were cached)
        self._recent: OrderedDict[str, dict] = OrderedDict()

    def __enter__(self) -> "_CachedEntries":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.cache.close()

    def add(self, sha: str, entry: dict) -> None:
        self.statuses[sha] = entry["status"]
        self._recent[sha] = entry
        self._recent.move_to_end(sha)
        while len(self._recent) > self.RECENT:
            self._recent.popitem(last=False)

    def store(self, entry: dict) -> None:
        """A new entry: into the record cache (buffered) and this mapping."""
        self.cache.put(entry)
        self.add(entry["sha256"], entry)

    def __getitem__(self, sha: str) -> dict:
        if sha not in self.statuses:
            raise KeyError(sha)
        entry = self._recent.get(sha) or self.cache.get(sha, self.version)
        if entry is None:
            raise KeyError(f"cache entry of {sha} vanished")
        self.add(sha, entry)
        return entry

    def __iter__(self):
        return iter(self.statuses)

    def __len__(self) -> int:
        return len(self.statuses)


def _extracted_in_order(data: Path, store, candidates: list[dict], entries: _CachedEntries, *,
                        workers: int, timeout: float, progress: ProgressFn | None,
                        extractor: str = EXTRACTOR) -> Iterator[dict]:
    """Yield each of `candidates`, in order, once every original of it has a cache entry for
    `entries.version` (extracted in worker processes when not cached; `entries` gets each one).
    A page is yielded as soon as its originals are done, while later ones are still extracted.
    Which originals are cached is asked of the record cache in batches; new entries go to it
    buffered, and the buffer is written when the extraction ends, fails or is abandoned."""
    originals: dict[str, dict] = {}
    for c in candidates:
        for f in [c["page"], *c["attachments"]]:
            originals.setdefault(f["sha256"], f)
    entries.statuses.update(entries.cache.statuses(originals, entries.version))
    jobs = [(sha, str(store.path(sha)), f.get("filename"))
            for sha, f in originals.items() if sha not in entries.statuses]
    done = 0

    def ready() -> Iterator[dict]:
        nonlocal done
        while done < len(candidates) and all(
                f["sha256"] in entries.statuses for f in [candidates[done]["page"], *candidates[done]["attachments"]]):
            done += 1
            yield candidates[done - 1]

    yield from ready()
    try:
        for sha, status, value in run_guarded(jobs, workers=workers, timeout=timeout, progress=progress,
                                              extractor=extractor):
            entries.store({"sha256": sha, "extractor_version": entries.version, "status": status,
                           "extracted_at": _now(), "reason": None if status == "ok" else value,
                           "record": value if status == "ok" else None})
            entries.extracted += 1
            yield from ready()
    finally:   # the extraction ended (or failed, or its caller stopped): keep what was extracted
        entries.cache.flush()
    if done < len(candidates):
        raise RuntimeError(f"{len(candidates) - done} report pages were left without their originals")


def _choose(candidate: dict, entries: dict[str, dict],
            portals: dict[str, dict]) -> tuple[dict | None, list[dict]]:
    """(the report record of a report page with provenance, or None; its failure rows)."""
    from gongkai.pipelines.select import choose_report

    page = candidate["page"]
    page_rec = _with_source(entries[page["sha256"]], page)
    att_recs = [r for r in (_with_source(entries[a["sha256"]], a) for a in candidate["attachments"]) if r]
    chosen = choose_report(page_rec, att_recs) if (page_rec or att_recs) else None
    if chosen is None:
        return None, _failures(page, candidate["attachments"], entries, portals)
    by_sha = {f["sha256"]: f for f in [page, *candidate["attachments"]]}
    fetch = by_sha.get(chosen.get("sha256")) or page
    return _with_provenance(chosen, fetch, page, portals), []


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _with_source(entry: dict, fetch: dict) -> dict | None:
    if entry["status"] != "ok":
        return None
    return {**entry["record"], "sha256": fetch["sha256"], "source_url": fetch["url"]}


def _portal_fields(portal_id: str | None, portals: dict[str, dict]) -> dict:
    p = portals.get(portal_id or "", {})
    out = {"portal": portal_id, "portal_name": p.get("name")}
    for k in ("region", "level"):
        if p.get(k) is not None:
            out[k] = p[k]
    return out


def _with_provenance(record: dict, fetch: dict, page: dict, portals: dict[str, dict]) -> dict:
    return {**record, "sha256": fetch["sha256"], "source_url": fetch["url"],
            "fetched_at": fetch.get("fetched_at"), "page_url": page["url"],
            **_portal_fields(page.get("portal"), portals)}


def _failures(page: dict, attachments: list[dict], entries: dict[str, dict],
              portals: dict[str, dict]) -> list[dict]:
    """Why a report page gave no report: one row per original of it that failed to extract
    (`kind` not_a_report / unreadable / error / timeout / crashed), or one `no_report` row for the
    page when every original was read but none was chosen."""
    tried = [(f, entries[f["sha256"]]) for f in [page, *attachments]]
    failed = [(f, e) for f, e in tried if e["status"] != "ok"] or [
        (page, {**entries[page["sha256"]], "status": "no_report",
                "reason": "no document among the page and its attachments was chosen as the report"})]
    context = {"page_url": page["url"], "title": page.get("title") or page.get("link_text"),
               **_portal_fields(page.get("portal"), portals)}
    return [{"sha256": f["sha256"], "source_url": f["url"], "kind": e["status"], "reason": e["reason"],
             "at": e.get("extracted_at"), "fetched_at": f.get("fetched_at"),
             "filename": f.get("filename"), **context} for f, e in failed]


# ── per document (the Dagster service: one partition per report page version) ────────────────

def documents_dir(data: str | os.PathLike) -> Path:
    return records_dir(data) / "documents"


def document_path(data: str | os.PathLike, key: str) -> Path:
    return documents_dir(data) / f"{key}.json"


def document_key(candidate: dict) -> str:
    """The partition key of a report page version: `<portal>-<20 hex>`, the hex from the sha256
    of the page's original and its attachments' (so a changed page or attachment is a new key,
    an unchanged one the same key on every crawl)."""
    shas = [candidate["page"]["sha256"], *sorted(a["sha256"] for a in candidate["attachments"])]
    digest = hashlib.sha256("\n".join(shas).encode("ascii")).hexdigest()[:20]
    portal = re.sub(r"[^a-z0-9-]", "-", str(candidate["page"].get("portal") or "portal").lower())
    return f"{portal}-{digest}"


def report_documents(data: str | os.PathLike, fetches: Iterable[dict] | None = None) -> dict[str, dict]:
    """Document key → report candidate (`report_candidates`) of DATA's fetch log, in log order:
    the current version of every report page."""
    from gongkai.crawler.store import RawStore

    if fetches is None:
        fetches = RawStore(str(data)).fetches()
    return {document_key(c): c for c in report_candidates(fetches)}


def extract_documents(data: str | os.PathLike, keys: Iterable[str], *, workers: int = EXTRACT_WORKERS,
                      timeout: float = EXTRACT_TIMEOUT) -> dict:
    """Extract the report pages `keys` (document keys) only: their originals (cache first, as in
    `extract_all`), then the chosen report or the failures of each page, written to
    DATA/records/documents/<key>.json. Keys no longer in the fetch log are counted `unknown`."""
    from gongkai.crawler.store import RawStore

    data = Path(data)
    store = RawStore(str(data))
    docs = report_documents(data, store.fetches())
    keys = list(dict.fromkeys(keys))
    chosen = {k: docs[k] for k in keys if k in docs}
    version = _extractor_version()
    portals = load_portal_table(data)
    reports = failed_pages = 0
    with _CachedEntries(data, version) as entries:
        for key, c in zip(chosen, _extracted_in_order(data, store, list(chosen.values()), entries,
                                                      workers=workers, timeout=timeout, progress=None)):
            report, failures = _choose(c, entries, portals)
            reports += report is not None
            failed_pages += report is None
            _atomic_write(document_path(data, key), json.dumps(
                {"key": key, "page_url": c["page"]["url"], "portal": c["page"].get("portal"),
                 "extractor_version": version, "extracted_at": _now(),
                 "report": report, "failures": failures}, ensure_ascii=False))
    return {"documents": len(chosen), "unknown": len(keys) - len(chosen), "originals": len(entries),
            "extracted": entries.extracted, "cached": len(entries) - entries.extracted, "reports": reports,
            "failed_pages": failed_pages, "extractor_version": version}


def load_new(data: str | os.PathLike) -> dict:
    """The incremental load (the archive's one writer in the Dagster service).

    Loads the fetch-log lines after the last run's watermark (`runs.fetch_log_lines`), and the
    report (or failures) of every current report page extracted by `extract_documents`; reports
    whose record is unchanged are skipped by `archive.load` (record digest), so nothing is
    rewritten when nothing changed. Returns the run summary (counts; `record_run` stores it):
    new / changed / gone reports, pages without a report, pending documents, crawl runs since
    the last run with blocked portals, reports per portal, and the new watermarks.
    """
    from collections import Counter

    from gongkai.archive.load import last_run, load, report_digests
    from gongkai.crawler.store import RawStore

    data = Path(data)
    started = _now()
    store = RawStore(str(data))
    fetches = list(store.fetches())
    previous = last_run(db_path(data)) or {}
    start = int(previous.get("fetch_log_lines") or 0)
    if start > len(fetches):  # a different fetch log: load it all again (upserts by fetch id)
        start = 0
    docs = report_documents(data, fetches)
    reports, failures, pending, failed_pages = [], [], 0, 0
    for key in docs:
        path = document_path(data, key)
        if not path.exists():
            pending += 1
            continue
        done = json.loads(path.read_text(encoding="utf-8"))
        if done.get("report"):
            reports.append(done["report"])
        else:
            failed_pages += 1
            failures.extend(done.get("failures") or [])

    db = db_path(data)
    before = report_digests(db)
    stats = load(str(db), reports=reports, fetches=fetches[start:],
                 portals=list(load_portal_table(data).values()), failures=failures,
                 cell_labels=cell_labels())
    after = report_digests(db)

    # report pages the portal no longer serves: their latest fetch since the last run is "gone"
    latest_new: dict[str, str] = {}
    for f in fetches[start:]:
        for url in {f.get("url"), f.get("requested_url")} - {None}:
            latest_new[url] = f.get("outcome")
    page_urls = {c["page"]["url"] for c in docs.values()}
    gone = sorted(u for u in page_urls if latest_new.get(u) == "gone")

    runs = list(store.runs())
    seen = int(previous.get("crawl_runs_seen") or 0)
    new_runs = runs[seen:] if seen <= len(runs) else runs
    blocked = sorted({r["portal"] for r in new_runs if r.get("blocked")})
    return {
        "started_at": started,
        "finished_at": _now(),
        "portals": sorted({r["portal"] for r in new_runs if r.get("portal")}),
        "pages_fetched": sum(int(r.get("pages_fetched") or 0) for r in new_runs),
        "reports_total": len(after),
        "reports_new": len(after.keys() - before.keys()),
        "reports_changed": sum(1 for k in after.keys() & before.keys() if after[k] != before[k]),
        "reports_gone": len(gone),
        "pages_failed": failed_pages,
        "documents_pending": pending,
        "fetches_loaded": len(fetches) - start,
        "fetch_log_lines": len(fetches),
        "crawl_runs_seen": len(runs),
        "blocked_portals": blocked,
        "crawl_runs": {r["portal"]: {k: r.get(k) for k in ("reports_found", "pages_fetched", "stored",
                                                         "not_modified", "gone", "errors", "blocked")}
                       for r in new_runs if r.get("portal")},
        "per_portal": dict(Counter(str(r.get("portal")) for r in reports)),
        "load": stats,
    }


def record_run(data: str | os.PathLike, run_id: str, summary: dict, *, trigger: str | None = None,
               failed_checks: list | None = None) -> dict:
    """Store a run summary (from `load_new`) as a row of the archive's `runs` table."""
    from gongkai.archive.load import record_run as archive_record_run

    row = {**summary, "run_id": run_id, "trigger": trigger, "failed_checks": failed_checks or [],
           "summary": {**summary, "failed_checks": failed_checks or []}}
    return archive_record_run(str(db_path(data)), row)


def last_run(data: str | os.PathLike) -> dict | None:
    """The newest row of the archive's `runs` table (None before the first incremental load)."""
    from gongkai.archive.load import last_run as archive_last_run

    return archive_last_run(str(db_path(data)))


def crawl_summary(stats: dict | None) -> dict:
    """The crawler's per-portal stats summed over portals (numbers only), plus `portals`."""
    out: dict = {"portals": len(stats or {})}
    for run in (stats or {}).values():
        for k, v in (run or {}).items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                out[k] = out.get(k, 0) + v
    return out


def flat_stats(stats: dict | None, prefix: str = "") -> dict:
    """A stats dict flattened for display and asset metadata: nested dicts as "a.b" keys, paths
    as strings, lists and other values left out."""
    out: dict = {}
    for k, v in (stats or {}).items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flat_stats(v, key + "."))
        elif isinstance(v, os.PathLike):
            out[key] = os.fspath(v)
        elif isinstance(v, (bool, int, float, str)) or v is None:
            out[key] = v
    return out


def read_jsonl(path: Path) -> list[dict]:
    return list(iter_jsonl(path))


def _count_lines(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open("rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))


def iter_jsonl(path: Path) -> Iterator[dict]:
    """The lines of a JSON-lines file written by this module, one at a time (none if absent)."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


# ── load, publish, export ─────────────────────────────────────────────────────────────────────

def cell_labels() -> list[dict]:
    """The canonical cell keys with their labels (rows of cells.csv, spec order) as plain dicts."""
    from gongkai.pipelines.cells import cell_specs

    return [dataclasses.asdict(s) for s in cell_specs().values()]


def load_input(data: str | os.PathLike) -> dict:
    """What `load_archive` passes to `archive.load.load`: reports (streamed from reports.jsonl)
    and their count, with `load_references`."""
    data = Path(data)
    return {"reports": iter_jsonl(reports_path(data)),
            "expected": _count_lines(reports_path(data)),
            **load_references(data)}


def load_references(data: str | os.PathLike) -> dict:
    """What a load writes beside DATA's reports: the fetch log, portals, failures and the
    cell-key labels."""
    from gongkai.crawler.store import RawStore

    data = Path(data)
    return {"fetches": list(RawStore(str(data)).fetches()),
            "portals": list(load_portal_table(data).values()),
            "failures": read_jsonl(failures_path(data)),
            "cell_labels": cell_labels()}


def load_archive(data: str | os.PathLike) -> dict:
    """Load reports, failures, the fetch log and portals into DATA/gongkai.db (the one writer)."""
    from gongkai.archive.load import load

    return load(str(db_path(data)), **load_input(data))


def publish(data: str | os.PathLike) -> dict:
    """Write the dated snapshot, checksums, CSV exports and metadata to DATA/published/."""
    from gongkai.archive.serve import publish as archive_publish

    return archive_publish(str(db_path(data)), str(published_dir(data)))


def build(data: str | os.PathLike, progress: Callable[[str, dict], None] | None = None) -> dict:
    """extract_all + load_archive + publish; returns each stage's stats."""
    out = {}
    for name, fn in (("extract", extract_all), ("load", load_archive), ("publish", publish)):
        out[name] = fn(data)
        if progress:
            progress(name, out[name])
    return out


def export_records(data: str | os.PathLike) -> Iterator[dict]:
    from gongkai.archive.export import export_records as archive_export

    return archive_export(str(db_path(data)))
