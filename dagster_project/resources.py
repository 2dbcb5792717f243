"""The one resource of the project: where the portals YAML and the data directory are."""

import os
from typing import Optional

from dagster import ConfigurableResource, EnvVar

DEFAULT_DATA = "data"
DEFAULT_PORTALS = "portals.yaml"


class GongkaiConfig(ConfigurableResource):
    """Paths shared by every asset. `delay` (seconds between requests) overrides the crawler's."""

    data_dir: str = DEFAULT_DATA
    portals: str = DEFAULT_PORTALS
    delay: Optional[float] = None


def _env_or(name: str, default: str):
    # EnvVar is resolved at run launch (and shown as such in the UI); it fails when unset,
    # so fall back to a plain default then.
    return EnvVar(name) if os.environ.get(name) else default


def config_from_env() -> GongkaiConfig:
    """GongkaiConfig from GONGKAI_DATA / GONGKAI_PORTALS, defaulting to ./data and ./portals.yaml."""
    return GongkaiConfig(data_dir=_env_or("GONGKAI_DATA", DEFAULT_DATA),
                         portals=_env_or("GONGKAI_PORTALS", DEFAULT_PORTALS))
