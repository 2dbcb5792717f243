"""The archive stage of gongkai: the SQLite database and what is published from it.

- ``schema``   tables and migrations (``migrate(db)``, ``schema_version(db)``)
- ``load``     the one writer: ``load(db_path, reports=…, fetches=…, portals=…, failures=…,
               cell_labels=…)``
- ``search``   the Chinese bigram full-text index, shared by the loader and the plugin
- ``plugin``   the Datasette plugin (search box expansion, SQL functions)
- ``metadata`` bilingual Datasette metadata, ``missing_descriptions(db_path)``
- ``serve``    ``serve(db_path)``, ``datasette_args(…)``, ``publish(db_path, out_dir)``
- ``export``   ``export_records(db_path)``: the canonical record of ../shared/spec

Records arrive as plain dicts: this package imports neither ``pipelines`` nor ``crawler``.
"""
