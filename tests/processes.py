"""Helpers for tests that start server or worker subprocesses (importable from every test
folder: pytest puts tests/, where the root conftest.py is, on sys.path)."""
from __future__ import annotations

import subprocess


def stop(proc: subprocess.Popen, timeout: float = 60) -> None:
    """Ask ``proc`` to stop (SIGTERM), give it ``timeout`` seconds, then kill it. Generous by
    default: on a machine busy with disk writeback a dying process can wait on I/O."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
