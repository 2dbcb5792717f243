"""The archive stage of gongkai: the SQLite database and what is published from it.

- ``schema``   tables and migrations (``migrate(db)``, ``schema_version(db)``)
- ``load``     the one writer: ``load(db_path, reports=…, fetches=…, portals=…, failures=…,
               cell_labels=…)``
- ``search``   the Chinese bigram full-text index, shared by the loader and the plugin
- ``plugin``   the Datasette plugin (search box expansion, SQL functions, report page,
               archived originals, charts, Content-Security-Policy; templates in ``templates/``)
- ``report_page`` a report's cells laid out as the official tables (表二/表三/表四)
- ``metadata`` bilingual Datasette metadata, ``missing_descriptions(db_path)``
- ``serve``    ``serve(db_path)``, ``datasette_args(…)``, ``publish(db_path, out_dir)``
- ``export``   ``export_records(db_path)``: the canonical record of ../shared/spec

Records arrive as plain dicts: this package imports neither ``pipelines`` nor ``crawler``.
"""
