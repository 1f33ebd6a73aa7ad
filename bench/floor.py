"""The raw xlsx floor the service is compared with: calamine reading, xlsxwriter writing plain cells."""

from __future__ import annotations

import io

import xlsxwriter
from python_calamine import CalamineWorkbook

Sheets = list[tuple[str, list[list]]]  # (sheet name, rows of cell values)


def calamine_rows(content: bytes) -> list[list[list]]:
    """Read every sheet of the workbook into Python rows: the floor any reader stands on."""
    return [rows for _, rows in cell_values(content)]


def cell_values(content: bytes) -> Sheets:
    """Return every sheet's name and cell values (cached values: a formula without one reads empty)."""
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return [(name, book.get_sheet_by_name(name).to_python()) for name in book.sheet_names]


def write_plain(sheets: Sheets) -> bytes:
    """Write the cell values with xlsxwriter: no styles, tables, validations, charts or formulas."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False})
    for name, rows in sheets:
        sheet = book.add_worksheet(name)
        for row, values in enumerate(rows):
            for col, value in enumerate(values):
                if value != "":  # calamine's empty cell
                    sheet.write(row, col, value)
    book.close()
    return buffer.getvalue()


def count_cells(sheets: Sheets) -> int:
    """Return how many non-empty cells the sheets hold."""
    return sum(1 for _, rows in sheets for values in rows for value in values if value != "")
