"""The master template workbook: built once here, restyled by administrators in Excel.

The master carries everything the generator needs to find by name, never by address:
the header cells (workbook-level defined names), the lines table (`BudgetLines` or
`ForecastLines`) with one styled template row, the summary anchor, and the hidden lists and
metadata sheets. One builder serves both kinds; `MasterText` holds what differs.
"""

from __future__ import annotations

from dataclasses import dataclass
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
NOTE_FONT = Font(italic=True, color="595959")
THIN = Side(style="thin", color="BFBFBF")
INPUT_BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)

HEADER_LABELS = {
    layout.NAME_UNIT_CODE: "Avdelning (kod)",
    layout.NAME_UNIT_NAME: "Avdelningens namn",
    layout.NAME_ROUND_NAME: "Planeringsomgång",
    layout.NAME_DEADLINE: "Sista inlämningsdag",
    layout.NAME_FISCAL_YEAR: "Budgetår",
}
COLUMN_WIDTHS = {"activity": 12, "activity_name": 28, "account": 9, "account_name": 26,
                 "last_year": 15, "annual": 15, "key": 15, "comment": 40,
                 "budget": 15, "actual_to_date": 15, "forecast": 15, "deviation": 15}
MONTH_WIDTH = 12
SUMMARY_HEADERS = ("Verksamhet", "Verksamhetsnamn", "Intäkter", "Kostnader", "Resultat")
LISTS_HEADERS = {"A": "Verksamhet", "B": "Verksamhetsnamn", "D": "Konto", "E": "Kontonamn",
                 "F": "Typ", "H": "Fördelning", "J": "Intäktskonton", "K": "Kostnadskonton"}


@dataclass(frozen=True)
class MasterText:
    """What one kind of master says to its reader: file name, title, notes and header labels."""

    spec: layout.TemplateLayout
    filename: str
    title: str
    summary_note: str
    header_labels: dict[str, str]


BUDGET_MASTER = MasterText(layout.BUDGET, "budget.xlsx", "Budgetunderlag",
                           "Beräknas från tabellen på bladet Budget (årsbelopp).", HEADER_LABELS)
FORECAST_MASTER = MasterText(
    layout.FORECAST, "forecast.xlsx", "Prognosunderlag",
    "Beräknas från tabellen på bladet Prognos (helårsprognos).",
    {**HEADER_LABELS, layout.NAME_FISCAL_YEAR: "Räkenskapsår", layout.NAME_ACTUALS_THROUGH: "Utfall till och med"})


def budget_master_path() -> Path:
    """Return where the shipped budget master lives (a package-data file)."""
    return _shipped_master(BUDGET_MASTER.filename)


def forecast_master_path() -> Path:
    """Return where the shipped forecast master lives (a package-data file)."""
    return _shipped_master(FORECAST_MASTER.filename)


def _shipped_master(filename: str) -> Path:
    """Return the path of a master in the templates_xlsx package data."""
    import planround.templates_xlsx as package  # a namespace package: no __init__, just data

    for entry in package.__path__:
        candidate = Path(entry) / filename
        if candidate.exists():
            return candidate
    return Path(__file__).resolve().parent.parent / "templates_xlsx" / filename


def build_budget_master(path: str | Path, *, extra_rows_above: int = 0) -> Path:
    """Write the budget master template to `path`, optionally with blank rows above everything."""
    return build_master(BUDGET_MASTER, path, extra_rows_above=extra_rows_above)


def build_forecast_master(path: str | Path, *, extra_rows_above: int = 0) -> Path:
    """Write the forecast master template to `path`, optionally with blank rows above everything."""
    return build_master(FORECAST_MASTER, path, extra_rows_above=extra_rows_above)


def build_master(text: MasterText, path: str | Path, *, extra_rows_above: int = 0) -> Path:
    """Write the master of one kind of template to `path`."""
    wb = Workbook()
    top = 1 + extra_rows_above
    _build_input_sheet(wb, wb.active, top, text)
    _build_summary_sheet(wb, wb.create_sheet(layout.SUMMARY_SHEET), top, text.summary_note)
    if text.spec.kind == layout.TEMPLATE_KIND_BUDGET:
        from planround.server.source_sheets import build_source_masters  # it styles with this module's constants

        build_source_masters(wb, top)
    _build_lists_sheet(wb.create_sheet(layout.LISTS_SHEET))
    _build_meta_sheet(wb.create_sheet(layout.META_SHEET), text.spec.kind)
    wb.active = 0
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def add_heading(ws: Worksheet, top: int, title: str, note: str) -> None:
    """Write a sheet's title at row `top` and its grey note below it."""
    ws.cell(top, 1, title).font = TITLE_FONT
    ws.cell(top + 1, 1, note).font = NOTE_FONT


def _build_input_sheet(wb: Workbook, ws: Worksheet, top: int, text: MasterText) -> None:
    """Lay out the title, the named header cells and the lines table starting at row `top`."""
    ws.title = text.spec.input_sheet
    add_heading(ws, top, text.title, "Fyll i de gula cellerna. Ändra inte bladnamn, kolumnrubriker eller grå celler.")
    for offset, name in enumerate(text.spec.header_names):
        row = top + 3 + offset
        ws.cell(row, 1, text.header_labels[name]).font = LABEL_FONT
        value = ws.cell(row, 2)
        value.fill, value.alignment = HEADER_FILL, Alignment(horizontal="left")
        if name == layout.NAME_DEADLINE:
            value.number_format = DATE_FORMAT
        _define_name(wb, name, ws.title, f"$B${row}")
    header_row = top + 3 + len(text.spec.header_names) + 1
    _build_lines_table(ws, header_row, text.spec)
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    ws.sheet_view.zoomScale = 90


def _build_lines_table(ws: Worksheet, header_row: int, spec: layout.TemplateLayout) -> None:
    """Add the lines table: the header row and one styled template row."""
    for index, column in enumerate(spec.columns, start=1):
        header = ws.cell(header_row, index, column.header)
        header.alignment = Alignment(wrap_text=True, vertical="center")
        _style_template_cell(ws.cell(header_row + 1, index), column)
        width = COLUMN_WIDTHS.get(column.key, MONTH_WIDTH)
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.row_dimensions[header_row].height = 32
    last = get_column_letter(len(spec.columns))
    table = Table(displayName=spec.table, ref=f"A{header_row}:{last}{header_row + 1}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)


def _style_template_cell(cell, column: layout.Column) -> None:
    """Give a template-row cell its number format and, for input columns, the input look."""
    if column.number:
        cell.number_format = MONEY_FORMAT
    if column.prefilled or column.computed:
        cell.protection = Protection(locked=True)
        return
    cell.fill, cell.border = INPUT_FILL, INPUT_BORDER
    cell.protection = Protection(locked=False)
    if column.key == "comment":
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _build_summary_sheet(wb: Workbook, ws: Worksheet, top: int, note: str) -> None:
    """Lay out the summary's title and column headers; the generator writes the formulas."""
    add_heading(ws, top, "Sammanställning per verksamhet", note)
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


def _build_meta_sheet(ws: Worksheet, kind: str) -> None:
    """Write the format keys the generator keeps; it adds the round, unit and signature."""
    rows = (("format", layout.TEMPLATE_FORMAT), ("format_version", str(layout.TEMPLATE_FORMAT_VERSION)),
            ("kind", kind))
    for row, (key, value) in enumerate(rows, start=1):
        ws.cell(row, 1, key)
        ws.cell(row, 2, value)
    ws.sheet_state = "veryHidden"


def _define_name(wb: Workbook, name: str, sheet: str, coordinate: str) -> None:
    """Add a workbook-level defined name pointing at `coordinate` on `sheet`."""
    quoted = "'" + sheet.replace("'", "''") + "'"
    wb.defined_names[name] = DefinedName(name, attr_text=f"{quoted}!{coordinate}")


if __name__ == "__main__":  # rebuild the committed masters: python -m planround.server.masters
    print(build_budget_master(budget_master_path()))
    print(build_forecast_master(forecast_master_path()))
