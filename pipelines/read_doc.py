"""Word 97 .doc and WPS -> DOCX with LibreOffice headless, then read as DOCX.

(Measured in DESIGN.md: antiword and catdoc mangle the tables; LibreOffice keeps every one.)
The converter runs in a throw-away profile and directory, with a time limit.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from .document import Document
from .errors import Unreadable
from .read_docx import read_docx

TIMEOUT = 60


def soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        path = shutil.which(name)
        if path:
            return path
    for path in ("/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice"):
        if os.path.exists(path):
            return path
    return None


def read_doc(data: bytes, suffix: str = ".doc") -> Document:
    exe = soffice()
    if exe is None:
        raise Unreadable("reading .doc/.wps needs LibreOffice (soffice), which is not installed: run scripts/setup.sh")
    with tempfile.TemporaryDirectory(prefix="gongkai-doc-") as tmp:
        src = os.path.join(tmp, "in" + suffix)
        with open(src, "wb") as f:
            f.write(data)
        profile = "file://" + os.path.join(tmp, "profile")
        try:
            proc = subprocess.run(
                [exe, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to", "docx",
                 "--outdir", tmp, src],
                capture_output=True, timeout=TIMEOUT, env={**os.environ, "HOME": tmp},
            )
        except subprocess.TimeoutExpired:
            raise Unreadable(f"LibreOffice did not convert the document within {TIMEOUT} s")
        out = os.path.join(tmp, "in.docx")
        if proc.returncode != 0 or not os.path.exists(out):
            err = (proc.stderr or proc.stdout or b"").decode("utf-8", "replace").strip().splitlines()
            raise Unreadable(f"LibreOffice could not convert the document: {err[-1] if err else 'no output'}")
        with open(out, "rb") as f:
            doc = read_docx(f.read())
    doc.format = "doc"
    return doc
