"""Excel tables on a template's extra sheets: laid out in the master, found and filled by name.

The Studenter and Bemanning sheets of a budget template each hold tables built like the
lines table: the master has a header row and one styled *template row*; the generator
finds the table by its name and its columns by their headers in a department's copy of the
master (`template_package.Filling`), gives every row it writes the template row's styles and
stretches the table over them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from planround.server import layout
from planround.server.errors import Problem, ValidationFailed
from planround.server.masters import _define_name, _style_template_cell
from planround.server.template_package import Filling, Place, SheetFill, TableFill


@dataclass
class PlacedTable:
    """A table of a department's copy of the master: its sheet, its first data row and its columns by key."""

    spec: layout.TemplateLayout
    sheet: SheetFill
    table: TableFill
    first_row: int
    columns: dict[str, int]  # column key -> column index (1-based)

    def letter(self, key: str) -> str:
        return get_column_letter(self.columns[key])

    @property
    def header_row(self) -> int:
        return self.first_row - 1

    @property
    def first_col(self) -> int:
        return range_boundaries(self.table.ref)[0]

    @property
    def last_col(self) -> int:
        return range_boundaries(self.table.ref)[2]

    def resize(self, last_row: int, last_col: int | None = None) -> None:
        """Stretch the table (and its filter) over the rows up to `last_row` (and the columns up to `last_col`)."""
        last = get_column_letter(last_col or self.last_col)
        self.table.ref = f"{get_column_letter(self.first_col)}{self.header_row}:{last}{last_row}"


def add_master_table(ws: Worksheet, spec: layout.TemplateLayout, header_row: int, first_col: int,
                     widths: dict[str, int]) -> None:
    """Add a table of `spec`'s columns at (header_row, first_col) with one styled template row."""
    for offset, column in enumerate(spec.columns):
        col = first_col + offset
        ws.cell(header_row, col, column.header).alignment = Alignment(wrap_text=True, vertical="center")
        _style_template_cell(ws.cell(header_row + 1, col), column)
        ws.column_dimensions[get_column_letter(col)].width = widths.get(column.key, 14)
    ref = f"{get_column_letter(first_col)}{header_row}:{get_column_letter(first_col + len(spec.columns) - 1)}{header_row + 1}"
    table = Table(displayName=spec.table, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)


def add_named_cell(wb: Workbook, ws: Worksheet, row: int, label: str, name: str, font) -> None:
    """Write a label in column A and name the value cell beside it (column B)."""
    ws.cell(row, 1, label).font = font
    _define_name(wb, name, ws.title, f"$B${row}")


def named_cell(filling: Filling, name: str) -> Place:
    """Return the single cell a workbook-level defined name points at, or refuse the master."""
    place = filling.named_cell(name)
    if place is None:
        raise ValidationFailed(problems=[Problem("defined_name_missing", {"name": name})], count=1)
    return place


def find_table(filling: Filling, spec: layout.TemplateLayout) -> PlacedTable:
    """Find the table `spec` names and map its header cells to the columns, or refuse the master."""
    table = filling.table(spec.table)
    if table is None:
        problem = Problem("table_missing", {"table": spec.table, "sheet": spec.input_sheet}, sheet=spec.input_sheet)
        raise ValidationFailed(problems=[problem], count=1)
    return _placed(filling.sheet(table.master.sheet), table, spec)


def _placed(ws: SheetFill, table: TableFill, spec: layout.TemplateLayout) -> PlacedTable:
    """Map the table's header cells to the layout's columns; a missing column is a problem."""
    first_col, header_row, last_col, _ = range_boundaries(table.ref)
    found = {str(ws.value(header_row, col) or "").strip().casefold(): col
             for col in range(first_col, last_col + 1)}
    missing = [c.header for c in spec.columns if c.header.casefold() not in found]
    if missing:
        problems = [Problem("table_column_missing", {"column": header, "table": spec.table}, sheet=ws.title,
                            cell=f"{get_column_letter(first_col)}{header_row}") for header in missing]
        raise ValidationFailed(problems=problems, count=len(problems))
    columns = {c.key: found[c.header.casefold()] for c in spec.columns}
    return PlacedTable(spec, ws, table, header_row + 1, columns)


def write_table_rows(placed: PlacedTable, rows: list[dict[str, Any]]) -> int:
    """Write one table row per dict (by column key) in the template row's styles; return the last row."""
    ws, first = placed.sheet, placed.first_row
    styles = {col: ws.style(first, col) for col in range(placed.first_col, placed.last_col + 1)}
    last_row = first + max(len(rows), 1) - 1  # an empty table keeps its (blank) template row
    ws.style_rows(first, first + len(rows) - 1, styles)
    for offset, values in enumerate(rows):
        for key, value in values.items():
            ws.write(first + offset, placed.columns[key], value)
    placed.resize(last_row)
    return last_row


def protect(ws: SheetFill) -> None:
    """Protect a sheet without a password (the server's signature is what catches tampering)."""
    ws.protect(formatColumns=False, autoFilter=False)
