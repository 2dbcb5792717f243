"""The table layouts cover every canonical key once, on a consistent grid."""
from __future__ import annotations

import pytest

from gongkai.pipelines.cells import keys_for
from gongkai.sample_portal.layout import format_value, tables


@pytest.mark.parametrize("template", ["2019", "2021"])
def test_every_key_of_the_template_is_one_value_cell(template):
    layouts = tables(template, {})
    keys = [key for layout in layouts for key in layout.value_keys()]
    assert sorted(keys) == sorted(keys_for(template))
    for layout in layouts:
        positions = layout.placements()           # raises if a span leaves the grid
        covered = sum(cell.rowspan * cell.colspan for _, _, cell in positions)
        assert covered == len(layout.rows) * layout.ncols, layout.name


def test_values_print_as_written():
    assert [format_value(v) for v in (None, 0, -81, 16, 236773.9469, 24252.311082, 106850.0, 0.25)] == \
        ["", "0", "-81", "16", "236773.9469", "24252.311082", "106850", "0.25"]
