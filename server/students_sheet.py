"""The Studenter sheet of a budget template: HST and HPR per education area (Stina, typed by hand).

One row per education area of the year's price list: area, name and both prices prefilled
and locked; HST and HPR typed; the revenue a live formula. The table `StudentLines` and the
cells named `pr_students_total` and `pr_students_target` are found by name, so an
administrator may restyle the sheet in the master.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from planround.models import Activity
from planround.server import layout
from planround.server.layout import Column
from planround.server.masters import HEADER_FILL, LABEL_FONT, MONEY_FORMAT, add_heading
from planround.server.sheet_tables import (
    add_master_table,
    add_named_cell,
    find_table,
    named_cell,
    protect,
    write_table_rows,
)
from planround.server.stina import AreaPrice
from planround.server.template_package import Filling

STUDENTS_SHEET = "Studenter"
STUDENTS_TABLE = "StudentLines"
NAME_STUDENTS_TOTAL = "pr_students_total"
NAME_STUDENTS_TARGET = "pr_students_target"
PREFILL_KEY = "students"

STUDENT_COLUMNS: tuple[Column, ...] = (
    Column("area", "Utbildningsområde", prefilled=True),
    Column("area_name", "Benämning", prefilled=True),
    Column("price_hst", "Pris per HST", prefilled=True, number=True),
    Column("price_hpr", "Pris per HPR", prefilled=True, number=True),
    Column("hst", "HST", prefilled=False, number=True),
    Column("hpr", "HPR", prefilled=False, number=True),
    Column("revenue", "Intäkt", prefilled=False, number=True, computed=True),
)
STUDENTS = layout.TemplateLayout("students", STUDENTS_SHEET, STUDENTS_TABLE, STUDENT_COLUMNS, (), "revenue")
WIDTHS = {"area": 18, "area_name": 34, "price_hst": 15, "price_hpr": 15, "hst": 12, "hpr": 12, "revenue": 17}
LARGEST_COUNT = "1000000"  # far beyond any department's students


@dataclass(frozen=True)
class StudentBasis:
    """What a department's Studenter sheet shows: the year's prices and where the revenue goes."""

    fiscal_year: int
    activity: Activity | None  # the department's education activity; None: no rows
    prices: list[AreaPrice]

    def prefill(self) -> dict | None:
        """Return the issue's prefill entry for the sheet (under the signature), None when it has no rows."""
        if not self.prices:
            return None
        return {PREFILL_KEY: {"activity": self.activity.code, "areas": [
            {"area": p.area_code, "price_hst": str(p.price_per_hst), "price_hpr": str(p.price_per_hpr),
             "account": p.account_code} for p in self.prices]}}


def build_students_master(wb: Workbook, top: int) -> None:
    """Add the Studenter sheet to a budget master: title, named total and target cells, the table."""
    ws = wb.create_sheet(STUDENTS_SHEET)
    add_heading(ws, top, "Studenter och prestationer (Stina)", "Fyll i förväntade helårsstudenter (HST) och "
                "helårsprestationer (HPR) per utbildningsområde. Intäkten beräknas med årets prislista.")
    add_named_cell(wb, ws, top + 3, "Utbildningsintäkt totalt", NAME_STUDENTS_TOTAL, LABEL_FONT)
    add_named_cell(wb, ws, top + 4, "Förs till", NAME_STUDENTS_TARGET, LABEL_FONT)
    ws.cell(top + 3, 2).number_format, ws.cell(top + 3, 2).fill = MONEY_FORMAT, HEADER_FILL
    ws.cell(top + 4, 2).fill = HEADER_FILL
    add_master_table(ws, STUDENTS, top + 6, 1, WIDTHS)
    ws.freeze_panes = ws.cell(top + 7, 1)


def write_students_sheet(filling: Filling, basis: StudentBasis) -> None:
    """Fill the Studenter sheet: one locked row per area with live revenue, the total and the target."""
    placed = find_table(filling, STUDENTS)
    rows = []
    for offset, price in enumerate(basis.prices):
        row = placed.first_row + offset
        hst, hpr = f"{placed.letter('hst')}{row}", f"{placed.letter('hpr')}{row}"
        rows.append({"area": price.area_code, "area_name": price.area_name,
                     # float only at the cell boundary: prices have two decimals and round-trip
                     "price_hst": float(price.price_per_hst), "price_hpr": float(price.price_per_hpr),
                     "revenue": f"=ROUND(N({hst})*{placed.letter('price_hst')}{row}"
                                f"+N({hpr})*{placed.letter('price_hpr')}{row},2)"})
    last_row = write_table_rows(placed, rows)
    named_cell(filling, NAME_STUDENTS_TOTAL).write(f"=SUM({STUDENTS_TABLE}[Intäkt])")
    named_cell(filling, NAME_STUDENTS_TARGET).write(target_text(basis))
    counts = DataValidation(type="decimal", operator="between", formula1="0", formula2=LARGEST_COUNT,
                            allow_blank=True, showErrorMessage=True, errorTitle="Ogiltigt antal",
                            error="Ange ett antal som inte är negativt, till exempel 12,5.")
    for key in ("hst", "hpr"):
        counts.add(f"{placed.letter(key)}{placed.first_row}:{placed.letter(key)}{last_row}")
    placed.sheet.validations.append(counts)
    protect(placed.sheet)


def target_text(basis: StudentBasis) -> str:
    """Say where the revenue is budgeted, or why the sheet has no rows."""
    if basis.activity is None:
        return "Avdelningen har ingen utbildningsverksamhet; bladet fylls inte i."
    if not basis.prices:
        return f"Ingen prislista för {basis.fiscal_year} är inläst; bladet fylls inte i."
    accounts = ", ".join(sorted({p.account_code for p in basis.prices}))
    return (f"Verksamhet {basis.activity.code} {basis.activity.name}, konto {accounts} "
            "(när raden på bladet Budget lämnas tom)")
