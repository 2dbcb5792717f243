"""Extract one document in a child process with a time and memory limit.

Hostile or broken files (zip bombs, pathological PDFs, deep HTML) must never hang, exhaust or
crash the process that asked: the crawl's build step, Dagster, a test. The child gets
RLIMIT_AS and is killed at the deadline; whatever happens becomes a record or an ExtractError.
"""
from __future__ import annotations

import multiprocessing as mp
import resource

from .errors import ExtractError, NotAReport, Unreadable
from .extract import MAX_BYTES, extract_bytes

TIMEOUT = 10.0
MAX_MEMORY = 2 * 1024 ** 3

_ctx = mp.get_context("forkserver")
_ctx.set_forkserver_preload(["gongkai.pipelines.extract"])


def _child(conn, data: bytes, filename: str | None, max_memory: int) -> None:
    try:
        resource.setrlimit(resource.RLIMIT_AS, (max_memory, max_memory))
    except (ValueError, OSError):
        pass
    try:
        conn.send(("ok", extract_bytes(data, filename)))
    except ExtractError as e:
        conn.send(("error", type(e).__name__, str(e)))
    except MemoryError:
        conn.send(("error", "Unreadable", f"reading the document needs more than {max_memory // 2**20} MB"))
    except RecursionError:
        conn.send(("error", "Unreadable", "document structure is nested too deeply"))
    except Exception as e:  # a parser bug on a strange file: recorded, never fatal
        conn.send(("error", "Unreadable", f"{type(e).__name__}: {e}"))
    finally:
        conn.close()


def extract_isolated(data: bytes, filename: str | None = None, *, timeout: float = TIMEOUT,
                     max_memory: int = MAX_MEMORY) -> dict:
    """extract_bytes in a child process; raises ExtractError (never anything else) on failure."""
    if len(data) > MAX_BYTES:
        raise Unreadable(f"document is {len(data) // 2**20} MB (limit {MAX_BYTES // 2**20} MB)")
    recv, send = _ctx.Pipe(duplex=False)
    proc = _ctx.Process(target=_child, args=(send, data, filename, max_memory), daemon=True)
    proc.start()
    send.close()
    try:
        if not recv.poll(timeout):
            raise Unreadable(f"extraction took longer than {timeout:g} s")
        try:
            msg = recv.recv()
        except EOFError:
            raise Unreadable(f"the extractor died (exit code {proc.exitcode if proc.exitcode is not None else 'unknown'})")
    finally:
        recv.close()
        if proc.is_alive():
            proc.kill()
        proc.join(5)
    if msg[0] == "ok":
        return msg[1]
    _, kind, reason = msg
    raise (NotAReport if kind == "NotAReport" else Unreadable)(reason)
