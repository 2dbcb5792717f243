"""Orchestration of gongkai's stages as Dagster assets (no parsing logic here).

    dagster dev -m gongkai.dagster_project
    dagster asset materialize -m gongkai.dagster_project --select '*'

Configure with GONGKAI_DATA (data dir) and GONGKAI_PORTALS (portals YAML).
"""
from .definitions import defs
from .resources import GongkaiConfig

__all__ = ["defs", "GongkaiConfig"]
