"""`defs`: what `dagster dev -m gongkai.dagster_project` loads — the partitioned service graph,
its jobs, schedules (per portal group), sensors and asset checks."""
from dagster import Definitions

from .assets import SERVICE_ASSETS
from .jobs import JOBS
from .resources import config_from_env
from .schedules import SCHEDULES
from .sensors import SENSORS

defs = Definitions(assets=SERVICE_ASSETS, jobs=JOBS, schedules=SCHEDULES, sensors=SENSORS,
                   resources={"gongkai": config_from_env()})
