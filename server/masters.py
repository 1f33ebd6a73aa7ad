"""The master template workbook: built once here, restyled by administrators in Excel.

The master carries everything the generator needs to find by name, never by address:
the header cells (workbook-level defined names), the lines table `BudgetLines` with one
styled template row, the summary anchor, and the hidden lists and metadata sheets.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from planround.server import layout


MONEY_FORMAT = "#,##0.00"  # Excel shows it with the Swedish locale's separators: 1 234,50
DATE_FORMAT = "yyyy-mm-dd"
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")  # light yellow: type here
HEADER_FILL = PatternFill("solid", fgColor="EDEDED")  # light grey: filled by the server
TITLE_FONT = Font(size=16, bold=True, color="1F3864")
LABEL_FONT = Font(bold=True)
THIN = Side(style="thin", color="BFBFBF")
INPUT_BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)



def budget_master_path() -> Path:
    """Return where the shipped budget master lives (a package-data file)."""
    import planround.templates_xlsx as package  # a namespace package: no __init__, just data

    for entry in package.__path__:
        candidate = Path(entry) / "budget.xlsx"
        if candidate.exists():
            return candidate
    return Path(__file__).resolve().parent.parent / "templates_xlsx" / "budget.xlsx"


HEADER_LABELS = {
    layout.NAME_UNIT_CODE: "Avdelning (kod)",
    layout.NAME_UNIT_NAME: "Avdelningens namn",
    layout.NAME_ROUND_NAME: "Planeringsomgång",
    layout.NAME_DEADLINE: "Sista inlämningsdag",
    layout.NAME_FISCAL_YEAR: "Budgetår",
}
COLUMN_WIDTHS = {"activity": 12, "activity_name": 28, "account": 9, "account_name": 26,
                 "last_year": 15, "annual": 15, "key": 15, "comment": 40}
MONTH_WIDTH = 12
SUMMARY_HEADERS = ("Verksamhet", "Verksamhetsnamn", "Intäkter", "Kostnader", "Resultat")
LISTS_HEADERS = {"A": "Verksamhet", "B": "Verksamhetsnamn", "D": "Konto", "E": "Kontonamn",
                 "F": "Typ", "H": "Fördelning", "J": "Intäktskonton", "K": "Kostnadskonton"}


def build_budget_master(path: str | Path, *, extra_rows_above: int = 0) -> Path:
    """Write the budget master template to `path`, optionally with blank rows above everything."""
    wb = Workbook()
    top = 1 + extra_rows_above
    _build_budget_sheet(wb, wb.active, top)
    _build_summary_sheet(wb, wb.create_sheet(layout.SUMMARY_SHEET), top)
    _build_lists_sheet(wb.create_sheet(layout.LISTS_SHEET))
    _build_meta_sheet(wb.create_sheet(layout.META_SHEET))
    wb.active = 0
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _build_budget_sheet(wb: Workbook, ws: Worksheet, top: int) -> None:
    """Lay out the title, the named header cells and the lines table starting at row `top`."""
    ws.title = layout.INPUT_SHEET
    ws.cell(top, 1, "Budgetunderlag").font = TITLE_FONT
    ws.cell(top + 1, 1, "Fyll i de gula cellerna. Ändra inte bladnamn, kolumnrubriker eller grå celler.")
    ws.cell(top + 1, 1).font = Font(italic=True, color="595959")
    for offset, name in enumerate(layout.HEADER_NAMES):
        row = top + 3 + offset
        ws.cell(row, 1, HEADER_LABELS[name]).font = LABEL_FONT
        value = ws.cell(row, 2)
        value.fill, value.alignment = HEADER_FILL, Alignment(horizontal="left")
        if name == layout.NAME_DEADLINE:
            value.number_format = DATE_FORMAT
        _define_name(wb, name, ws.title, f"$B${row}")
    header_row = top + 3 + len(layout.HEADER_NAMES) + 1
    _build_lines_table(ws, header_row)
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    ws.sheet_view.zoomScale = 90


def _build_lines_table(ws: Worksheet, header_row: int) -> None:
    """Add the `BudgetLines` table: the header row and one styled template row."""
    for index, column in enumerate(layout.COLUMNS, start=1):
        header = ws.cell(header_row, index, column.header)
        header.alignment = Alignment(wrap_text=True, vertical="center")
        _style_template_cell(ws.cell(header_row + 1, index), column)
        width = COLUMN_WIDTHS.get(column.key, MONTH_WIDTH)
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.row_dimensions[header_row].height = 32
    last = get_column_letter(len(layout.COLUMNS))
    table = Table(displayName=layout.LINES_TABLE, ref=f"A{header_row}:{last}{header_row + 1}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)


def _style_template_cell(cell, column: layout.Column) -> None:
    """Give a template-row cell its number format and, for input columns, the input look."""
    if column.number:
        cell.number_format = MONEY_FORMAT
    if column.prefilled:
        cell.protection = Protection(locked=True)
        return
    cell.fill, cell.border = INPUT_FILL, INPUT_BORDER
    cell.protection = Protection(locked=False)
    if column.key == "comment":
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _build_summary_sheet(wb: Workbook, ws: Worksheet, top: int) -> None:
    """Lay out the summary's title and column headers; the generator writes the formulas."""
    ws.cell(top, 1, "Sammanställning per verksamhet").font = TITLE_FONT
    ws.cell(top + 1, 1, "Beräknas från tabellen på bladet Budget (årsbelopp).")
    ws.cell(top + 1, 1).font = Font(italic=True, color="595959")
    header_row = top + 3
    for index, text in enumerate(SUMMARY_HEADERS, start=1):
        cell = ws.cell(header_row, index, text)
        cell.font, cell.fill = LABEL_FONT, HEADER_FILL
        cell.border = Border(bottom=Side(style="medium", color="1F3864"))
    for letter, width in zip("ABCDE", (12, 30, 16, 16, 16)):
        ws.column_dimensions[letter].width = width
    _define_name(wb, layout.NAME_SUMMARY_ANCHOR, ws.title, f"$A${header_row}")


def _build_lists_sheet(ws: Worksheet) -> None:
    """Give the hidden lists sheet its column headers and the fixed distribution keys."""
    for letter, text in LISTS_HEADERS.items():
        ws[f"{letter}1"] = text
        ws[f"{letter}1"].font = LABEL_FONT
    for offset, label in enumerate(layout.KEY_LABELS.values(), start=2):
        ws[f"H{offset}"] = label
    ws.sheet_state = "hidden"


def _build_meta_sheet(ws: Worksheet) -> None:
    """Write the format keys the generator keeps; it adds the round, unit and signature."""
    rows = (("format", layout.TEMPLATE_FORMAT), ("format_version", str(layout.TEMPLATE_FORMAT_VERSION)),
            ("kind", layout.TEMPLATE_KIND_BUDGET))
    for row, (key, value) in enumerate(rows, start=1):
        ws.cell(row, 1, key)
        ws.cell(row, 2, value)
    ws.sheet_state = "veryHidden"


def _define_name(wb: Workbook, name: str, sheet: str, coordinate: str) -> None:
    """Add a workbook-level defined name pointing at `coordinate` on `sheet`."""
    quoted = "'" + sheet.replace("'", "''") + "'"
    wb.defined_names[name] = DefinedName(name, attr_text=f"{quoted}!{coordinate}")


if __name__ == "__main__":  # rebuild the committed master: python -m planround.server.masters
    print(build_budget_master(budget_master_path()))
