"""The Bemanning sheet of a budget template: the department's teaching staff from Retendo, read only.

Two tables found by name: `StaffingLines` (teacher, employee number, course, Retendo's kind
of teaching, activity, planned hours, share of full time) and, beside it, `StaffingCheck`
(per activity: planned hours, the personnel cost typed on the Budget sheet as a live
formula, and the check's result). The whole sheet is locked; nothing on it is read back.
"""

from __future__ import annotations

from openpyxl import Workbook

from planround.models import Activity
from planround.server import layout
from planround.server.layout import Column
from planround.server.masters import LABEL_FONT, add_heading
from planround.server.sheet_tables import (
    PlacedTable,
    add_master_table,
    add_named_cell,
    find_table,
    named_cell,
    protect,
    write_table_rows,
)
from planround.server.staffing import STAFFING_SHEET, StaffingBasis
from planround.server.template_package import Filling

STAFFING_TABLE = "StaffingLines"
CHECK_TABLE = "StaffingCheck"
NAME_STAFFING_SOURCE = "pr_staffing_source"
UNMAPPED = "ej kopplad"
CHECK_TEXTS = {"ok": "OK", "no_cost": "Undervisning utan personalkostnad",
               "no_teaching": "Personalkostnad utan undervisning"}

STAFFING_COLUMNS: tuple[Column, ...] = (
    Column("teacher", "Lärare", prefilled=True),
    Column("employee_number", "Anställningsnr", prefilled=True),
    Column("course", "Kurskod", prefilled=True),
    Column("retendo_activity", "Aktivitet", prefilled=True),
    Column("activity", "Verksamhet", prefilled=True),
    Column("hours", "Planerade timmar", prefilled=True, number=True),
    Column("share", "Andel av heltid %", prefilled=True, number=True),
)
CHECK_COLUMNS: tuple[Column, ...] = (
    Column("activity", "Verksamhet", prefilled=True),
    Column("activity_name", "Verksamhetsnamn", prefilled=True),
    Column("hours", "Planerade timmar", prefilled=True, number=True),
    Column("cost", "Personalkostnad", prefilled=False, number=True, computed=True),
    Column("check", "Kontroll", prefilled=False, computed=True),
)
STAFFING = layout.TemplateLayout("staffing", STAFFING_SHEET, STAFFING_TABLE, STAFFING_COLUMNS, (), "hours")
CHECK = layout.TemplateLayout("staffing_check", STAFFING_SHEET, CHECK_TABLE, CHECK_COLUMNS, (), "hours")
WIDTHS = {"teacher": 26, "employee_number": 15, "course": 12, "retendo_activity": 16, "activity": 12,
          "hours": 14, "share": 14, "activity_name": 30, "cost": 17, "check": 34}


def build_staffing_master(wb: Workbook, top: int) -> None:
    """Add the Bemanning sheet to a budget master: title, the named source cell and both tables."""
    ws = wb.create_sheet(STAFFING_SHEET)
    add_heading(ws, top, "Bemanning från Retendo", "Lärarnas planerade undervisning enligt Retendo. "
                "Kontrollen jämför med personalkostnaderna på bladet Budget.")
    add_named_cell(wb, ws, top + 3, "Källa", NAME_STAFFING_SOURCE, LABEL_FONT)
    add_master_table(ws, STAFFING, top + 5, 1, WIDTHS)
    add_master_table(ws, CHECK, top + 5, len(STAFFING_COLUMNS) + 2, WIDTHS)
    ws.freeze_panes = ws.cell(top + 6, 1)


def write_staffing_sheet(filling: Filling, basis: StaffingBasis) -> None:
    """Fill the Bemanning sheet with the staffing lines and the per-activity check, all locked."""
    write_table_rows(find_table(filling, STAFFING), [
        {"teacher": line.teacher_name, "employee_number": line.employee_number, "course": line.course_code,
         "retendo_activity": line.retendo_activity, "activity": code or UNMAPPED,
         # float only at the cell boundary: hours and shares have two decimals and round-trip
         "hours": float(line.planned_hours), "share": float(line.share_pct)}
        for line, code in basis.lines])
    check = find_table(filling, CHECK)
    hours = basis.hours()
    write_table_rows(check, [check_row(check, check.first_row + offset, activity, hours, basis.personnel_accounts)
                             for offset, activity in enumerate(basis.activities)])
    named_cell(filling, NAME_STAFFING_SOURCE).write(source_text(basis))
    protect(check.sheet)


def check_row(check: PlacedTable, row: int, activity: Activity, hours: dict, accounts: list[str]) -> dict:
    """Return one activity's check row: hours, a live personnel cost and the check as formulas."""
    codes = ",".join(f'"{code}"' for code in accounts) or '""'
    cost = (f'=SUMPRODUCT(SUMIFS({layout.LINES_TABLE}[Årsbelopp],{layout.LINES_TABLE}[Verksamhet],'
            f'{check.letter("activity")}{row},{layout.LINES_TABLE}[Konto],{{{codes}}}))')
    planned, paid = f"{check.letter('hours')}{row}", f"{check.letter('cost')}{row}"
    no_teaching = f'IF(AND({planned}=0,{paid}<>0),"{CHECK_TEXTS["no_teaching"]}","{CHECK_TEXTS["ok"]}")'
    otherwise = no_teaching if activity.category == "education" else f'"{CHECK_TEXTS["ok"]}"'
    return {"activity": activity.code, "activity_name": activity.name,
            "hours": float(hours.get(activity.code, 0)),
            "cost": cost, "check": f'=IF(AND({planned}>0,{paid}=0),"{CHECK_TEXTS["no_cost"]}",{otherwise})'}


def source_text(basis: StaffingBasis) -> str:
    """Say which Retendo export the sheet shows, or that none was imported."""
    files = sorted({line.source_file for line, _ in basis.lines})
    if not files:
        return "Ingen bemanning från Retendo är inläst för avdelningen."
    unmapped = sum(1 for _, code in basis.lines if code is None)
    note = f"; {unmapped} rader saknar koppling till verksamhet" if unmapped else ""
    return f"Retendo-export {', '.join(files)}: {len(basis.lines)} rader{note}"
