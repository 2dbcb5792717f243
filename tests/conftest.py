"""Shared fixtures. `corpus_dir`: the real reports of ../shared/corpus (skips where absent)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("GONGKAI_CORPUS", ROOT.parent / "shared" / "corpus"))


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """../shared/corpus (or $GONGKAI_CORPUS): docs/ and labels/ of real, hand-checked reports."""
    if not (CORPUS / "labels").is_dir():
        pytest.skip(f"../shared/corpus not found: {CORPUS} has no labels/ (set GONGKAI_CORPUS to use another copy)")
    return CORPUS
