"""`defs`: what `dagster dev -m gongkai.dagster_project` loads."""
from dagster import Definitions

from .assets import ALL_ASSETS
from .resources import config_from_env

defs = Definitions(assets=ALL_ASSETS, resources={"gongkai": config_from_env()})
