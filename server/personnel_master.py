"""The personnel master: the Personal sheet a budget template gets, restyled by administrators in Excel.

It is its own workbook (`templates_xlsx/personnel.xlsx`) so the budget master stays as it is:
the generator copies its sheet into each budget template of a department with staff. Like the
budget master it is found by name: the round's rates by the defined names of `personnel_layout`,
the table by its name `PersonnelLines` with one styled template row. The generator adds one
share column per activity of the department to the right of the table.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet
from planround.server import personnel_layout as pl
from planround.server.layout import Column
from planround.server.masters import (
    HEADER_FILL,
    INPUT_BORDER,
    INPUT_FILL,
    LABEL_FONT,
    MONEY_FORMAT,
    add_heading,
    _define_name,
    _shipped_master,
)

FILENAME = "personnel.xlsx"
PERCENT_FORMAT = "0.00"
MONTH_FORMAT = "0"
RATE_LABELS = {pl.NAME_LKP_PCT: "Lönekostnadspålägg (LKP) %", pl.NAME_REVISION_MONTH: "Lönerevision från månad",
               pl.NAME_REVISION_PCT: "Lönerevision %"}
WIDTHS = {"employee_number": 14, "name": 26, "position": 24, "rate": 12, "salary": 13,
          "planned_rate": 13, "start": 10, "end": 10, "annual_cost": 16}
FORMATS = {"rate": PERCENT_FORMAT, "planned_rate": PERCENT_FORMAT, "salary": MONEY_FORMAT,
           "start": MONTH_FORMAT, "end": MONTH_FORMAT, "annual_cost": MONEY_FORMAT}
NOTE = ("Ändra planerad omfattning och månader för anställda; lägg till planerade nyanställningar på de tomma "
        "raderna. Personalkostnaderna per verksamhet beräknas av servern och förs till budgetens lönekonton.")


def personnel_master_path() -> Path:
    """Return where the shipped personnel master lives (a package-data file)."""
    return _shipped_master(FILENAME)


def build_personnel_master(path: str | Path, *, extra_rows_above: int = 0) -> Path:
    """Write the personnel master to `path`, optionally with blank rows above everything."""
    wb = Workbook()
    ws = wb.active
    ws.title = pl.PERSONNEL_SHEET
    top = 1 + extra_rows_above
    add_heading(ws, top, "Personal (Primula)", NOTE)
    for offset, name in enumerate(pl.RATE_NAMES):
        row = top + 3 + offset
        ws.cell(row, 1, RATE_LABELS[name]).font = LABEL_FONT
        value = ws.cell(row, 3)
        value.fill, value.alignment = HEADER_FILL, Alignment(horizontal="left")
        value.number_format = MONTH_FORMAT if name == pl.NAME_REVISION_MONTH else PERCENT_FORMAT
        _define_name(wb, name, ws.title, f"$C${row}")
    header_row = top + 3 + len(pl.RATE_NAMES) + 1
    _build_table(ws, header_row)
    ws.freeze_panes = ws.cell(header_row + 1, 3)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _build_table(ws: Worksheet, header_row: int) -> None:
    """Add the personnel table: the header row and one styled template row."""
    for index, column in enumerate(pl.PERSONNEL_COLUMNS, start=1):
        header = ws.cell(header_row, index, column.header)
        header.alignment = Alignment(wrap_text=True, vertical="center")
        _style_template_cell(ws.cell(header_row + 1, index), column)
        ws.column_dimensions[get_column_letter(index)].width = WIDTHS[column.key]
    ws.row_dimensions[header_row].height = 32
    last = get_column_letter(len(pl.PERSONNEL_COLUMNS))
    table = Table(displayName=pl.PERSONNEL_TABLE, ref=f"A{header_row}:{last}{header_row + 1}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium4", showRowStripes=True)
    ws.add_table(table)


def _style_template_cell(cell, column: Column) -> None:
    """Give a template-row cell its number format and, for input columns, the input look."""
    cell.number_format = FORMATS.get(column.key, "General")
    if column.prefilled or column.computed:
        cell.protection = Protection(locked=True)
        return
    cell.fill, cell.border = INPUT_FILL, INPUT_BORDER
    cell.protection = Protection(locked=False)


if __name__ == "__main__":  # rebuild the committed master: python -m planround.server.personnel_master
    print(build_personnel_master(personnel_master_path()))
