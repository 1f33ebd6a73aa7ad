"""A submitted lines table's values read with fastexcel, exactly as python-calamine would give them, or not at all.

fastexcel builds Arrow columns of a table, mostly without holding the GIL: the 10,000-line Budget
table takes it 50-65 ms, where python-calamine takes 70-107 ms to read the sheet. The columns are
kept (`TableColumns`): validation checks the usual row on them, and a row becomes Python values
only when it is asked for (making them all costs 8 ms more, 170 ms on 100,000 lines). Both readers
are calamine underneath, so a cell holding text or a number reads the same in both
(`tests/test_table_values.py` holds them to it).

Only what maps one to one is taken: a column fastexcel types as text, a number or nothing. A column
of dates, times or booleans, a column mixing text and numbers (fastexcel's strict mode refuses it)
and a table laid out otherwise than a template's (one header row, no totals row) make this return
None, and the caller reads the sheet with python-calamine as before. An empty cell and an error
value are None in Arrow; python-calamine gives "" for both, and so does this. Error values are put
back from the sheet's XML afterwards either way (`workbook._Grids`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import fastexcel
import pyarrow as pa

# fastexcel warns for every column it finds no type for; an empty column (no comments) is normal.
logging.getLogger("fastexcel").setLevel(logging.ERROR)

TYPES_AS_CALAMINE = (pa.string(), pa.large_string(), pa.float64(), pa.null())


@dataclass(frozen=True)
class TableColumns:
    """A table's data rows as fastexcel's Arrow columns, by 0-based sheet column: text, numbers or nothing.

    Kept as columns: validation checks the usual Budget row a column at a time (`usual_columns`), and
    only the rows it leaves to the full check become Python rows (`row`, `rows`). On a budget of
    100,000 lines making every row costs 170 ms and more memory than the columns.
    """

    by_sheet_column: dict[int, pa.Array]
    height: int

    def rows(self) -> list[list[Any]]:
        """Return every row as python-calamine's values, each value in its sheet column, "" in a column not read."""
        return _rows({col: _python_values(column) for col, column in self.by_sheet_column.items()}, self.height)

    def row(self, at: int) -> list[Any]:
        """Return the row at offset `at` as `rows` would: for the few rows wanted one at a time."""
        values = [""] * (max(self.by_sheet_column) + 1)
        for col, column in self.by_sheet_column.items():
            value = column[at].as_py()
            values[col] = "" if value is None else value
        return values


def read_table_columns(content: bytes, *, table: str, sheet: str, columns: Sequence[int], first_col: int, width: int,
                       height: int, header_rows: int, totals_rows: int) -> TableColumns | None:
    """Return the table's `height` data rows as the Arrow columns of `columns` (0-based in the sheet).

    The table is `width` columns wide from `first_col`. None when fastexcel's values would not be
    python-calamine's (see the module) or its table is not the one described.
    """
    wanted = sorted(set(columns))
    if header_rows != 1 or totals_rows != 0 or not wanted:
        return None  # calamine's table has one header row and counts a totals row as data
    try:
        # Every column: fastexcel 0.21 labels a table's columns picked by `use_columns` out of order.
        found = fastexcel.read_excel(content).load_table(table, dtype_coercion="strict", schema_sample_rows=None)
        if found.sheet_name != sheet or found.height != height or found.width != width:
            return None
        batch = found.to_arrow()
    except fastexcel.FastExcelError:
        return None  # mixed types in a column, or a table calamine reads otherwise: python-calamine's turn
    picked = [batch.column(col - first_col) for col in wanted]
    if any(column.type not in TYPES_AS_CALAMINE for column in picked):
        return None
    return TableColumns(dict(zip(wanted, picked)), height)


def _rows(by_column: dict[int, list[Any]], height: int) -> list[list[Any]]:
    """Turn the columns into rows, each value in its sheet column, "" in a column not read."""
    values = [by_column[col] if col in by_column else repeat("", height) for col in range(max(by_column) + 1)]
    return list(map(list, zip(*values)))


def _python_values(column: pa.Array) -> list[Any]:
    """Return the column's values as Python objects, "" where Arrow has none (as python-calamine reads them)."""
    if column.null_count == len(column):
        return [""] * len(column)
    values = column.to_pylist()
    if column.null_count:
        values = ["" if value is None else value for value in values]
    return values
