"""Dynamic partitions of the service: one per portal (from the portals YAML) and one per report
page version (`gongkai.build.document_key`), added by the sensors and schedules."""
from dagster import DynamicPartitionsDefinition

portal_partitions = DynamicPartitionsDefinition(name="portal")
document_partitions = DynamicPartitionsDefinition(name="document")
