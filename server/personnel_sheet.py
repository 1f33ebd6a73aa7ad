"""The Personal sheet of a budget template: the department's staff from Primula, and planned hires.

The generator copies the personnel master's sheet into the template after the Budget sheet,
fills the round's rates into their named cells, writes one locked row per employee (number,
name, position, current rate, monthly salary, share per activity) and empty rows for planned
hires, with live formulas for each row's salary cost. The Budget rows of the accounts the server
computes (salaries and LKP) are locked and show the computed figure as a formula over the table,
and the summary gets the personnel costs per activity. Only departments with staff in Primula
get the sheet; what was written is recorded in the issue's prefill under `personnel`.
"""

from __future__ import annotations

import io
from copy import copy
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table
from openpyxl.worksheet.worksheet import Worksheet
from planround.models import Account, Activity, Employee, EmployeeFunding, OrgUnit, PlanningRound, RoundKind
from planround.server import layout
from planround.server import personnel_layout as pl
from planround.server.errors import Problem, ValidationFailed
from planround.server.masters import LABEL_FONT, MONEY_FORMAT, TITLE_FONT
from planround.server.personnel_costs import ACCOUNTS, Rates
from planround.server.sheet_tables import named_cell
from planround.server.template_package import Filling, SheetFill, TableFill
from sqlmodel import Session, select

ORE = Decimal("0.01")
LARGEST_SALARY = "99999999"
SHARE_WIDTH = 11


@dataclass(frozen=True)
class StaffMember:
    """An employee as the template shows them."""

    employee_number: str
    name: str
    position: str
    rate: Decimal
    salary: Decimal
    shares: dict[str, Decimal]  # activity code -> percent


@dataclass(frozen=True)
class PersonnelBasis:
    """What a department's Personal sheet is made of: the round's rates, activities, accounts, staff."""

    rates: Rates
    activities: list[tuple[str, str]]  # (code, name) by code
    salary_accounts: dict[str, str]  # activity code -> salary account
    lkp_account: str
    computed_accounts: tuple[str, ...]  # every plannable account the computation owns
    staff: list[StaffMember]


@dataclass
class _PersonnelTable:
    """Where the personnel table stands in a department's copy of the master."""

    sheet: SheetFill
    table: TableFill
    header_row: int
    first_col: int
    columns: dict[str, int]  # column key (shares too) -> column index

    def letter(self, key: str) -> str:
        return get_column_letter(self.columns[key])


def personnel_basis(session: Session, *, planning_round: PlanningRound, unit: OrgUnit) -> PersonnelBasis | None:
    """Return the department's personnel for a budget template; None for a forecast or a unit without staff."""
    if planning_round.kind != RoundKind.budget:
        return None
    employees = session.exec(select(Employee).where(Employee.unit_id == unit.id)
                             .order_by(Employee.employee_number)).all()
    if not employees:
        return None
    activities = session.exec(select(Activity).where(Activity.unit_id == unit.id).order_by(Activity.code)).all()
    salary_accounts = {a.code: ACCOUNTS.salary[a.category] for a in activities}
    plannable = set(session.exec(select(Account.code).where(Account.plannable == True)).all())  # noqa: E712
    _require_accounts({*salary_accounts.values(), ACCOUNTS.lkp}, plannable)
    rates = Rates(planning_round.lkp_pct, planning_round.salary_revision_month, planning_round.salary_revision_pct)
    return PersonnelBasis(rates, [(a.code, a.name) for a in activities], salary_accounts, ACCOUNTS.lkp,
                          tuple(sorted(ACCOUNTS.all & plannable)), _staff(session, employees, activities))


def _require_accounts(needed: set[str], plannable: set[str]) -> None:
    """Refuse to generate when the chart lacks an account personnel costs are booked on."""
    missing = sorted(needed - plannable)
    if missing:
        problems = [Problem("personnel_account_missing", {"account": code}) for code in missing]
        raise ValidationFailed(problems=problems, count=len(problems))


def _staff(session: Session, employees: list[Employee], activities: list[Activity]) -> list[StaffMember]:
    """Return the employees with their funding by activity code."""
    codes = {a.id: a.code for a in activities}
    shares: dict[int, dict[str, Decimal]] = {}
    for row in session.exec(select(EmployeeFunding).where(
            EmployeeFunding.employee_id.in_([e.id for e in employees]))):
        shares.setdefault(row.employee_id, {})[codes[row.activity_id]] = row.share_pct
    return [StaffMember(e.employee_number, e.name, e.position, e.employment_rate, e.monthly_salary,
                        dict(sorted(shares.get(e.id, {}).items()))) for e in employees]


def _text(value: Decimal) -> str:
    return str(Decimal(value).quantize(ORE))


def prefill_entries(basis: PersonnelBasis | None) -> list[dict[str, Any]]:
    """Return what the issue records about the Personal sheet (covered by the signature), if any."""
    if basis is None:
        return []
    staff = [{"employee_number": s.employee_number, "name": s.name, "position": s.position,
              "rate": _text(s.rate), "salary": _text(s.salary),
              "shares": {code: _text(share) for code, share in s.shares.items()}} for s in basis.staff]
    return [{"personnel": {
        "lkp_pct": _text(basis.rates.lkp_pct), "revision_month": basis.rates.revision_month,
        "revision_pct": _text(basis.rates.revision_pct), "activities": [code for code, _ in basis.activities],
        "salary_accounts": basis.salary_accounts, "lkp_account": basis.lkp_account,
        "computed_accounts": list(basis.computed_accounts), "staff": staff, "hire_rows": pl.HIRE_ROWS}}]


def write_personnel(filling: Filling, basis: PersonnelBasis, budget: Any, lines: list[Any]) -> None:
    """Fill the Personal sheet (copied in by `add_personnel_sheet`) and tie the Budget rows and summary to it.

    `budget` is where the lines table stands (`sheet_tables.PlacedTable`) and `lines` its
    prefilled rows in order, each with `.activity` and `.account`.
    """
    where = _table_layout(filling)
    for name, value in ((pl.NAME_LKP_PCT, basis.rates.lkp_pct), (pl.NAME_REVISION_MONTH, basis.rates.revision_month),
                        (pl.NAME_REVISION_PCT, basis.rates.revision_pct)):
        named_cell(filling, name).write(float(value) if isinstance(value, Decimal) else value)
    _add_share_columns(where, basis)
    last_row = _write_rows(where, basis)
    _resize(where, last_row)
    _add_validations(where, len(basis.staff), last_row)
    _protect(where.sheet)
    _lock_computed_rows(budget, lines, basis)
    _write_summary(filling, basis)


# --- copying the master's sheet -----------------------------------------------------------------

def add_personnel_sheet(wb: Workbook, personnel_master: bytes, *, after_table: str) -> None:
    """Copy the personnel master's sheet, its names and its table into `wb`, after the sheet holding `after_table`."""
    master = load_workbook(io.BytesIO(personnel_master))
    if pl.PERSONNEL_SHEET not in master.sheetnames:
        raise ValidationFailed(problems=[Problem("sheet_missing", {"sheet": pl.PERSONNEL_SHEET},
                                                 sheet=pl.PERSONNEL_SHEET)], count=1)
    source = master[pl.PERSONNEL_SHEET]
    holder = next((ws for ws in wb.worksheets if any(t.casefold() == after_table.casefold() for t in ws.tables)),
                  wb.worksheets[-1])
    ws = wb.create_sheet(source.title, wb.index(holder) + 1)
    _copy_cells(source, ws)
    for name, defined in master.defined_names.items():
        if any(sheet == source.title for sheet, _ in defined.destinations):
            wb.defined_names[name] = DefinedName(name, attr_text=defined.attr_text)
    table = next((t for t in source.tables.values() if t.displayName.casefold() == pl.PERSONNEL_TABLE.casefold()), None)
    if table is None:
        raise ValidationFailed(problems=[Problem("table_missing", {"table": pl.PERSONNEL_TABLE, "sheet": ws.title},
                                                 sheet=ws.title)], count=1)
    ws.add_table(Table(displayName=pl.PERSONNEL_TABLE, ref=table.ref, tableStyleInfo=copy(table.tableStyleInfo)))


def _copy_cells(source: Worksheet, ws: Worksheet) -> None:
    """Copy values, styles, widths, heights, merges and panes from one sheet to another workbook's."""
    for row in source.iter_rows():
        for cell in row:
            target = ws.cell(cell.row, cell.column, cell.value)
            if cell.has_style:
                target.font, target.fill, target.border = copy(cell.font), copy(cell.fill), copy(cell.border)
                target.alignment, target.protection = copy(cell.alignment), copy(cell.protection)
                target.number_format = cell.number_format
    for key, dimension in source.column_dimensions.items():
        ws.column_dimensions[key].width = dimension.width
    for key, dimension in source.row_dimensions.items():
        if dimension.height:
            ws.row_dimensions[key].height = dimension.height
    for merged in source.merged_cells.ranges:
        ws.merge_cells(str(merged))
    ws.freeze_panes = source.freeze_panes


def _table_layout(filling: Filling) -> _PersonnelTable:
    """Map the table's header cells to the personnel columns; a missing one is a problem."""
    table = filling.table(pl.PERSONNEL_TABLE)
    ws = filling.sheet(table.master.sheet)
    first_col, header_row, last_col, _ = range_boundaries(table.ref)
    found = {str(ws.value(header_row, col) or "").strip().casefold(): col
             for col in range(first_col, last_col + 1)}
    missing = [c for c in pl.PERSONNEL_COLUMNS if c.header.casefold() not in found]
    if missing:
        problems = [Problem("table_column_missing", {"column": c.header, "table": pl.PERSONNEL_TABLE},
                            sheet=ws.title, cell=f"{get_column_letter(first_col)}{header_row}") for c in missing]
        raise ValidationFailed(problems=problems, count=len(problems))
    columns = {c.key: found[c.header.casefold()] for c in pl.PERSONNEL_COLUMNS}
    return _PersonnelTable(ws, table, header_row, first_col, columns)


# --- the table's rows ---------------------------------------------------------------------------

def _add_share_columns(where: _PersonnelTable, basis: PersonnelBasis) -> None:
    """Add one share column per activity to the right of the table's columns."""
    _, _, last_col, _ = range_boundaries(where.table.ref)
    ws, header_style = where.sheet, where.sheet.style(where.header_row, last_col)
    for offset, (code, _name) in enumerate(basis.activities, start=1):
        col = last_col + offset
        ws.write(where.header_row, col, pl.share_header(code), header_style)
        ws.widths[col] = SHARE_WIDTH
        where.columns[pl.share_key(code)] = col


def _write_rows(where: _PersonnelTable, basis: PersonnelBasis) -> int:
    """Write a locked row per employee and open rows for hires; return the last row."""
    ws, template = where.sheet, where.header_row + 1
    styles = {key: ws.style(template, col) for key, col in where.columns.items()
              if not key.startswith(pl.SHARE_PREFIX)}
    locked_share, open_share = styles["rate"], styles["planned_rate"]
    first_hire = template + len(basis.staff)
    last_row = first_hire + pl.HIRE_ROWS - 1
    for first, last, share_style in ((template, first_hire - 1, locked_share), (first_hire, last_row, open_share)):
        ws.style_rows(first, last, {col: share_style if key.startswith(pl.SHARE_PREFIX) else styles[key]
                                    for key, col in where.columns.items()})
    for row in range(template, last_row + 1):
        ws.write(row, where.columns["annual_cost"], _cost_formula(where, row))
    for row, member in enumerate(basis.staff, start=template):
        _write_member(where, row, member)
    for row in range(first_hire, last_row + 1):
        _open_hire_row(where, row, open_share)
    return last_row


def _write_member(where: _PersonnelTable, row: int, member: StaffMember) -> None:
    """Write an employee's prefilled cells; floats only at the cell boundary (two decimals round-trip)."""
    values = {"employee_number": member.employee_number, "name": member.name, "position": member.position,
              "rate": float(member.rate), "salary": float(member.salary),
              **{pl.share_key(code): float(share) for code, share in member.shares.items()}}
    for key, value in values.items():
        where.sheet.write(row, where.columns[key], value)
    where.sheet.format(row, where.columns["employee_number"], number_format="@")


def _open_hire_row(where: _PersonnelTable, row: int, input_style: int) -> None:
    """Make name, position and salary typeable on a hire row."""
    for key, number_format in (("name", "@"), ("position", "@"), ("salary", MONEY_FORMAT)):
        where.sheet.set_style(row, where.columns[key], where.sheet.master.derive(input_style, number_format=number_format))


def _cost_formula(where: _PersonnelTable, row: int) -> str:
    """Return a row's salary cost for the year (before LKP), as Excel previews what the server computes."""
    salary, current, planned, start, end = (f"{where.letter(k)}{row}" for k in
                                            ("salary", "rate", "planned_rate", "start", "end"))
    rate = f'IF({planned}="",N({current}),{planned})'
    first, last = f'IF({start}="",1,{start})', f'IF({end}="",12,{end})'
    month, pct = pl.NAME_REVISION_MONTH, pl.NAME_REVISION_PCT
    months = (f"MAX(0,MIN({last},{month}-1)-{first}+1)"
              f"+MAX(0,{last}-MAX({first},{month})+1)*(1+{pct}/100)")
    return f'=IF(N({salary})=0,"",ROUND(N({salary})*{rate}/100*({months}),2))'


def _resize(where: _PersonnelTable, last_row: int) -> None:
    """Stretch the table over the written rows and the share columns; Excel's column names follow the headers."""
    last_col = max(where.columns.values())
    where.table.ref = f"{get_column_letter(where.first_col)}{where.header_row}:{get_column_letter(last_col)}{last_row}"
    where.table.columns = [str(where.sheet.value(where.header_row, col))
                           for col in range(where.first_col, last_col + 1)]


def _add_validations(where: _PersonnelTable, staff: int, last_row: int) -> None:
    """Let Excel refuse rates and shares outside 0-100, months outside 1-12 and negative salaries."""
    first, first_hire = where.header_row + 1, where.header_row + 1 + staff
    span = lambda key, top: f"{where.letter(key)}{top}:{where.letter(key)}{last_row}"  # noqa: E731
    checks = [("decimal", "0", "100", "Ange en omfattning i procent, 0–100.", [span("planned_rate", first)]),
              ("whole", "1", "12", "Ange en månad, 1–12.", [span("start", first), span("end", first)]),
              ("decimal", "0", LARGEST_SALARY, "Ange månadslönen i kronor.", [span("salary", first_hire)]),
              ("decimal", "0", "100", "Ange andelen i procent, 0–100.",
               [span(key, first_hire) for key in where.columns if key.startswith(pl.SHARE_PREFIX)])]
    for kind, low, high, error, ranges in checks:
        if not ranges:
            continue
        dv = DataValidation(type=kind, operator="between", formula1=low, formula2=high, allow_blank=True,
                            showErrorMessage=True, errorTitle="Ogiltigt värde", error=error)
        for cells in ranges:
            dv.add(cells)
        where.sheet.validations.append(dv)


def _protect(ws: SheetFill) -> None:
    """Protect the sheet without a password, as the Budget sheet: a guard against mistakes only."""
    ws.protect(autoFilter=False, formatColumns=False, formatRows=False)


# --- the Budget rows and the summary ------------------------------------------------------------

def _structured(header: str) -> str:
    """Return the structured reference to a personnel table column, escaped as Excel wants it."""
    escaped = "".join("'" + ch if ch in "[]#'" else ch for ch in header)
    return f"{pl.PERSONNEL_TABLE}[{escaped}]"


def salary_formula(activity: str) -> str:
    """Return the activity's salary cost for the year as a formula over the personnel table."""
    cost = _structured(pl.PERSONNEL_BY_KEY["annual_cost"].header)
    return f"ROUND(SUMPRODUCT({cost},{_structured(pl.share_header(activity))})/100,2)"


def lkp_formula(activity: str) -> str:
    """Return the activity's LKP for the year as a formula over the personnel table."""
    return f"ROUND({salary_formula(activity)}*{pl.NAME_LKP_PCT}/100,2)"


def _lock_computed_rows(budget: Any, lines: list[Any], basis: PersonnelBasis) -> None:
    """Lock the amount cells of the computed accounts' Budget rows; show the computed figure on each."""
    ws, computed = budget.sheet, set(basis.computed_accounts)
    inputs = ("annual", "key", *layout.MONTH_KEYS)
    for offset, line in enumerate(lines):
        account, activity = line.account.code, line.activity.code
        if account not in computed:
            continue
        row = budget.first_row + offset
        locked = ws.style(row, budget.columns["last_year"])
        for key in inputs:
            ws.set_style(row, budget.columns[key], locked)
        if account == basis.lkp_account:
            ws.write(row, budget.columns["annual"], f"={lkp_formula(activity)}")
        elif basis.salary_accounts.get(activity) == account:
            ws.write(row, budget.columns["annual"], f"={salary_formula(activity)}")


SUMMARY_HEADERS = ("Verksamhet", "Verksamhetsnamn", "Löner", "LKP", "Summa")


def _write_summary(filling: Filling, basis: PersonnelBasis) -> None:
    """Write the personnel costs per activity below the summary, as live formulas over the table."""
    anchor = named_cell(filling, layout.NAME_SUMMARY_ANCHOR)
    ws, col = anchor.sheet, anchor.col
    top = ws.max_row + 3
    ws.write(top, col, "Personalkostnader per verksamhet (från bladet Personal)")
    ws.format(top, col, font=TITLE_FONT)
    for index, text in enumerate(SUMMARY_HEADERS):
        ws.write(top + 1, col + index, text)
        ws.format(top + 1, col + index, font=LABEL_FONT)
    letters = [get_column_letter(col + index) for index in range(len(SUMMARY_HEADERS))]
    rows = list(range(top + 2, top + 2 + len(basis.activities)))
    for row, (code, name) in zip(rows, basis.activities):
        values = (code, name, f"={salary_formula(code)}", f"={lkp_formula(code)}",
                  f"={letters[2]}{row}+{letters[3]}{row}")
        for index, value in enumerate(values):
            ws.write(row, col + index, value)
            ws.format(row, col + index, number_format=MONEY_FORMAT if index >= 2 else "@")
    total = top + 2 + len(basis.activities)
    ws.write(total, col, "Totalt")
    ws.format(total, col, font=LABEL_FONT)
    for index in (2, 3, 4):
        column = letters[index]
        ws.write(total, col + index, f"=SUM({column}{rows[0]}:{column}{rows[-1]})" if rows else "=0")
        ws.format(total, col + index, number_format=MONEY_FORMAT, font=LABEL_FONT)
