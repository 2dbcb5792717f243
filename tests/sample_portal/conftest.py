"""Fixtures for the sample portal: one in-memory build, and one running server."""
from __future__ import annotations

import pytest

from gongkai.sample_portal import build_site, start

BASE_URL = "http://127.0.0.1:8765"


@pytest.fixture(scope="session")
def site():
    return build_site(BASE_URL)


@pytest.fixture(scope="session")
def reports(site):
    return [item for item in site.truth if item["kind"] == "report"]


@pytest.fixture(scope="module")
def portal():
    with start(port=0) as running:
        yield running
