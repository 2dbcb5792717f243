"""Fixtures of the archive tests: a database loaded from the records of archive_records.py."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
from archive_records import FAILURES, FETCHES, PORTAL, REPORT_JIANXI, REPORT_MINZHENG, read_cell_labels

from gongkai.archive.load import load


@pytest.fixture
def cell_labels() -> list[dict]:
    return read_cell_labels()


@pytest.fixture
def load_args(cell_labels) -> dict:
    return {
        "reports": copy.deepcopy([REPORT_JIANXI, REPORT_MINZHENG]),
        "fetches": copy.deepcopy(FETCHES),
        "portals": [copy.deepcopy(PORTAL)],
        "failures": copy.deepcopy(FAILURES),
        "cell_labels": cell_labels,
    }


@pytest.fixture
def archive_db(tmp_path, load_args) -> Path:
    path = tmp_path / "gongkai.db"
    load(path, **load_args)
    return path


@pytest.fixture
def plugin_registered():
    """The archive's Datasette plugin registered for the test (as the entry point would)."""
    from datasette.plugins import pm

    from gongkai.archive import plugin

    registered_here = not pm.is_registered(plugin)
    if registered_here:
        pm.register(plugin, name="gongkai")
    yield plugin
    if registered_here:
        pm.unregister(plugin)


@pytest.fixture
def plugin_unregistered():
    """The archive's Datasette plugin unregistered for the test (it is an installed entry point)."""
    from datasette.plugins import pm

    from gongkai.archive import plugin

    name = pm.get_name(plugin) if pm.is_registered(plugin) else None
    if name is not None:
        pm.unregister(plugin)
    yield
    if pm.is_registered(plugin):
        pm.unregister(plugin)
    if name is not None:
        pm.register(plugin, name=name)
