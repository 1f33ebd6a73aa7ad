"""Generating a department's template workbook from the master, and recording what was issued.

Every place in the master is found by name: the header cells by workbook-level defined
names, the lines table by its name (its `ref` and header row give the first data row and
the column letters), the summary by its anchor name. An administrator may therefore move
things around in Excel without touching this code.

The master is read with openpyxl once while its file stays the same; each department's copy
is filled by writing its sheets' XML (`template_package`), which is what makes issuing the
templates of a whole university take seconds rather than minutes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from openpyxl.utils import column_index_from_string, get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import func
from sqlmodel import Session, select

from planround.models import Account, Activity, OrgUnit, PlanningRound, RoundKind, TemplateIssue, UnitKind
from planround.server import layout
from planround.server.amounts import amount_text
from planround.server.errors import BadRequest
from planround.server.forecast import forecast_basis, prefill_entry
from planround.server.masters import LABEL_FONT, MONEY_FORMAT, budget_master_path, forecast_master_path
from planround.server.personnel_master import personnel_master_path
from planround.server.personnel_sheet import (
    PersonnelBasis,
    add_personnel_sheet,
    personnel_basis,
    prefill_entries,
    write_personnel,
)
from planround.server.signature import sign_prefill
from planround.server.sheet_tables import PlacedTable, find_table
from planround.server.sheet_tables import named_cell as _named_cell
from planround.server.source_sheets import SourceSheets, source_sheets
from planround.server.template_package import Filling, PreparedMaster, SheetFill, prepare

ORE = Decimal("0.01")
LARGEST_AMOUNT = "999999999999"  # the decimal validation's bound, far beyond any department budget
# Fixed columns of the hidden lists sheet, which the generator owns (README: do not edit).
LIST_COLUMNS = {"activity": "A", "activity_name": "B", "account": "D", "account_name": "E",
                "account_type": "F", "key": "H", "revenue": "J", "cost": "K"}


@dataclass
class GeneratedTemplate:
    """A generated template workbook and the issue row that records it."""

    filename: str
    content: bytes
    issue: TemplateIssue


Cells = dict[str, Decimal | None]  # a line's prefilled amounts by column key


@dataclass(frozen=True)
class _Line:
    """One prefilled row: activity × account, with its prefilled amounts (None where unknown)."""

    activity: Activity
    account: Account
    cells: Cells


@dataclass(frozen=True)
class _Kind:
    """What differs between a budget and a forecast template."""

    spec: layout.TemplateLayout
    master: Path
    cells: Callable[[Activity, Account], Cells]  # a line's prefilled amounts
    entry: Callable[[Cells], dict[str, Any]]  # what the issue records about them
    header: dict[str, Any]  # extra named header cells
    meta: dict[str, str]  # extra metadata keys
    personnel: PersonnelBasis | None = None  # a budget's Personal sheet, when the department has staff
    sheets: SourceSheets | None = None  # a budget's Studenter and Bemanning sheets


def generate_template(session: Session, *, planning_round: PlanningRound, unit: OrgUnit, secret: str,
                      issued_by_id: int | None = None,
                      last_year: dict[tuple[int, str], Decimal] | None = None,
                      master_path: str | Path | None = None) -> GeneratedTemplate:
    """Generate the template of `unit` for `planning_round` and add its TemplateIssue (flushed)."""
    if unit.kind != UnitKind.department:
        raise BadRequest("not_a_department", unit=unit.code)
    kind = _kind_of(session, planning_round, unit, last_year or {})
    lines = _plan_lines(session, unit, kind.cells)
    prefill = [_prefill_entry(offset, line, kind) for offset, line in enumerate(lines)]
    prefill += (kind.sheets.prefill() if kind.sheets else []) + prefill_entries(kind.personnel)
    issue = TemplateIssue(round_id=planning_round.id, unit_id=unit.id, checksum="",
                          template_version=_next_template_version(session, planning_round, unit),
                          prefill=prefill, issued_by_id=issued_by_id)
    session.add(issue)
    session.flush()  # the signature covers the issue id
    signature = sign_prefill(secret, round_code=planning_round.code, unit_code=unit.code,
                             template_version=issue.template_version, issue_id=issue.id, prefill=prefill)
    content = _render(Path(master_path or kind.master), kind, planning_round, unit, lines, issue, signature)
    issue.checksum = hashlib.sha256(content).hexdigest()
    issue.content = content  # every later download of this version is byte for byte the same
    session.flush()
    return GeneratedTemplate(filename=f"{planning_round.code}_{unit.code}.xlsx", content=content, issue=issue)


def generate_templates(session: Session, *, planning_round: PlanningRound, units: list[OrgUnit], secret: str,
                       out_dir: str | Path, issued_by_id: int | None = None,
                       last_year: dict[tuple[int, str], Decimal] | None = None,
                       master_path: str | Path | None = None) -> list[tuple[Path, GeneratedTemplate]]:
    """Generate one template per department into `<out_dir>/<round code>/<unit code>.xlsx`."""
    folder = Path(out_dir) / planning_round.code
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for unit in units:
        generated = generate_template(session, planning_round=planning_round, unit=unit, secret=secret,
                                      issued_by_id=issued_by_id, last_year=last_year,
                                      master_path=master_path)
        path = folder / f"{unit.code}.xlsx"
        path.write_bytes(generated.content)
        written.append((path, generated))
    return written


def _iso_utc(moment: datetime) -> str:
    """Return `moment` (naive means UTC) as an ISO 8601 UTC timestamp to the second."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds") + "Z"


def _next_template_version(session: Session, planning_round: PlanningRound, unit: OrgUnit) -> int:
    """Return 1 + the highest template version issued so far for this round and unit."""
    highest = session.exec(select(func.max(TemplateIssue.template_version)).where(
        TemplateIssue.round_id == planning_round.id, TemplateIssue.unit_id == unit.id)).one()
    return (highest or 0) + 1


def _kind_of(session: Session, planning_round: PlanningRound, unit: OrgUnit,
             last_year: dict[tuple[int, str], Decimal]) -> _Kind:
    """Return the round's kind of template: a budget against last year, or a forecast."""
    if planning_round.kind == RoundKind.forecast:
        basis = forecast_basis(session, planning_round=planning_round, unit=unit)
        return _Kind(layout.FORECAST, forecast_master_path(), lambda a, k: basis.cells(a.id, k.code),
                     lambda cells: prefill_entry(cells, basis.closed),
                     {layout.NAME_ACTUALS_THROUGH: basis.through_label()},
                     {"actuals_through": basis.through_period()})
    return _Kind(layout.BUDGET, budget_master_path(),
                 lambda a, k: {"last_year": _money(last_year.get((a.id, k.code)))},
                 lambda cells: {"last_year": amount_text(cells["last_year"])},
                 {}, {}, personnel_basis(session, planning_round=planning_round, unit=unit),
                 source_sheets(session, planning_round=planning_round, unit=unit))


def _plan_lines(session: Session, unit: OrgUnit, cells: Callable[[Activity, Account], Cells]) -> list[_Line]:
    """Return activity × plannable account lines, by activity code then account code."""
    activities = session.exec(select(Activity).where(Activity.unit_id == unit.id).order_by(Activity.code)).all()
    accounts = _plannable_accounts(session)
    return [_Line(activity, account, cells(activity, account)) for activity in activities for account in accounts]


def _plannable_accounts(session: Session) -> list[Account]:
    """Return the accounts that go into templates, by code."""
    return list(session.exec(select(Account).where(Account.plannable == True).order_by(Account.code)).all())  # noqa: E712


def _money(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(ORE)


def _prefill_entry(offset: int, line: _Line, kind: _Kind) -> dict[str, Any]:
    """Return what the issue records about one prefilled row (also what the signature covers)."""
    return {"row": offset, "activity": line.activity.code, "account": line.account.code, **kind.entry(line.cells)}


def _render(master: Path, kind: _Kind, planning_round: PlanningRound, unit: OrgUnit, lines: list[_Line],
            issue: TemplateIssue, signature: str) -> bytes:
    """Fill a copy of the master for one department and return the xlsx bytes."""
    filling = Filling(_prepared(master.read_bytes(), kind.spec.table,
                                personnel_master_path().read_bytes() if kind.personnel else None))
    where = find_table(filling, kind.spec)
    _fill_header(filling, planning_round, unit, kind.header)
    activities = sorted({line.activity.code: line.activity for line in lines}.values(), key=lambda a: a.code)
    accounts = sorted({line.account.code: line.account for line in lines}.values(), key=lambda a: a.code)
    _write_lists(filling, activities, accounts)
    last_row = _write_rows(where, lines)
    where.resize(last_row)
    _add_validations(where, last_row)
    _write_summary(filling, where, activities, has_revenue=any(a.group.is_revenue for a in accounts),
                   has_cost=any(not a.group.is_revenue for a in accounts))
    _write_meta(filling, _meta_values(planning_round, unit, issue, len(lines), signature, kind))
    if kind.sheets:
        kind.sheets.write(filling)
    if kind.personnel is not None:
        write_personnel(filling, kind.personnel, where, lines)
    _protect(where.sheet)
    return filling.content()


@lru_cache(maxsize=8)
def _prepared(master: bytes, table: str, personnel_master: bytes | None) -> PreparedMaster:
    """Prepare a master once for as long as its file (and the personnel master's) stays the same.

    A budget template of a department with staff gets the personnel master's sheet after the
    sheet that holds the lines table, so its master is prepared with that sheet copied in.
    """
    if personnel_master is None:
        return prepare(master)
    return prepare(master, lambda wb: add_personnel_sheet(wb, personnel_master, after_table=table))


def _fill_header(filling: Filling, planning_round: PlanningRound, unit: OrgUnit, extra: dict[str, Any]) -> None:
    """Write the department and round (and what the kind adds) into the named header cells."""
    values = {layout.NAME_UNIT_CODE: unit.code, layout.NAME_UNIT_NAME: unit.name,
              layout.NAME_ROUND_NAME: planning_round.name, layout.NAME_DEADLINE: planning_round.deadline,
              layout.NAME_FISCAL_YEAR: planning_round.fiscal_year, **extra}
    for name, value in values.items():
        _named_cell(filling, name).write(value)


def _write_rows(where: PlacedTable, lines: list[_Line]) -> int:
    """Write the prefilled rows and the spare rows with the template row's styles; return the last row."""
    ws = where.sheet
    styles = {col: ws.style(where.first_row, col) for col in range(where.first_col, where.last_col + 1)}
    input_style = styles[where.columns[where.spec.input_amount_keys[0]]]
    last_row = where.first_row + len(lines) + layout.SPARE_ROWS - 1
    ws.style_rows(where.first_row, last_row, styles)
    for row in range(where.first_row, last_row + 1):
        _write_formulas(where, row)
    for offset, line in enumerate(lines):
        _write_line(where, where.first_row + offset, line)
    for row in range(where.first_row + len(lines), last_row + 1):
        _open_spare_row(where, row, input_style)
    return last_row


def _write_line(where: PlacedTable, row: int, line: _Line) -> None:
    """Write one prefilled row's locked cells."""
    values = {"activity": line.activity.code, "activity_name": line.activity.name,
              "account": line.account.code, "account_name": line.account.name,
              # float only at the cell boundary: amounts have at most two decimals and round-trip
              **{key: None if amount is None else float(amount) for key, amount in line.cells.items()}}
    for key, value in values.items():
        where.sheet.write(row, where.columns[key], value)


def _write_formulas(where: PlacedTable, row: int) -> None:
    """Write a row's live formulas: a forecast's deviation from the budget, blank until typed."""
    if "deviation" in where.columns:
        forecast, budget = f"{where.letter('forecast')}{row}", f"{where.letter('budget')}{row}"
        where.sheet.write(row, where.columns["deviation"], f'=IF({forecast}="","",{forecast}-N({budget}))')


def _open_spare_row(where: PlacedTable, row: int, input_style: int) -> None:
    """Make activity and account typeable on a spare row; look their names up from the lists."""
    ws = where.sheet
    # text, so a typed account code stays "3010", not the number 3010
    text_input = ws.master.derive(input_style, number_format="@")
    for key in ("activity", "account"):
        ws.set_style(row, where.columns[key], text_input)
    lists = quote_sheetname(layout.LISTS_SHEET)
    lookups = {"activity_name": ("activity", layout.NAME_LIST_ACTIVITIES, LIST_COLUMNS["activity_name"]),
               "account_name": ("account", layout.NAME_LIST_ACCOUNTS, LIST_COLUMNS["account_name"])}
    for key, (source, list_name, name_col) in lookups.items():
        code = f"{where.letter(source)}{row}"
        ws.write(row, where.columns[key],
                 f'=IF({code}="","",IFERROR(INDEX({lists}!${name_col}:${name_col},1+MATCH({code},{list_name},0)),""))')


def _write_lists(filling: Filling, activities: list[Activity], accounts: list[Account]) -> None:
    """Fill the hidden lists sheet and name the ranges the dropdowns and summary use."""
    ws = filling.sheet(layout.LISTS_SHEET)
    _write_column(ws, "activity", [a.code for a in activities])
    _write_column(ws, "activity_name", [a.name for a in activities])
    _write_column(ws, "account", [a.code for a in accounts])
    _write_column(ws, "account_name", [a.name for a in accounts])
    _write_column(ws, "account_type", ["Intäkt" if a.group.is_revenue else "Kostnad" for a in accounts])
    _write_column(ws, "key", list(layout.KEY_LABELS.values()))
    revenue = [a.code for a in accounts if a.group.is_revenue]
    cost = [a.code for a in accounts if not a.group.is_revenue]
    _write_column(ws, "revenue", revenue)
    _write_column(ws, "cost", cost)
    for name, key, count in ((layout.NAME_LIST_ACTIVITIES, "activity", len(activities)),
                             (layout.NAME_LIST_ACCOUNTS, "account", len(accounts)),
                             (layout.NAME_LIST_KEYS, "key", len(layout.KEY_LABELS)),
                             (layout.NAME_LIST_REVENUE_ACCOUNTS, "revenue", len(revenue)),
                             (layout.NAME_LIST_COST_ACCOUNTS, "cost", len(cost))):
        col = LIST_COLUMNS[key]
        filling.names[name] = f"{quote_sheetname(ws.title)}!${col}$2:${col}${max(count, 1) + 1}"
    ws.protect()


def _write_column(ws: SheetFill, key: str, values: list[Any]) -> None:
    """Write `values` under the header of a lists column, as text so codes stay codes."""
    col = column_index_from_string(LIST_COLUMNS[key])
    for row, value in enumerate(values, start=2):
        ws.write(row, col, value, ws.master.derive(ws.style(row, col), number_format="@"))


def _add_validations(where: PlacedTable, last_row: int) -> None:
    """Add the dropdowns on activity, account and key, and decimal checks on the amounts."""
    ws, first = where.sheet, where.first_row
    column_range = lambda key: f"{where.letter(key)}{first}:{where.letter(key)}{last_row}"  # noqa: E731
    for key, list_name, prompt in (("activity", layout.NAME_LIST_ACTIVITIES, "Välj en verksamhet i listan."),
                                   ("account", layout.NAME_LIST_ACCOUNTS, "Välj ett konto i listan."),
                                   ("key", layout.NAME_LIST_KEYS, "Välj en fördelningsnyckel i listan.")):
        if key not in where.columns:
            continue  # a forecast has no distribution key
        dv = DataValidation(type="list", formula1=list_name, allow_blank=True, showErrorMessage=True,
                            errorTitle="Ogiltigt värde", error=prompt)
        dv.add(column_range(key))
        ws.validations.append(dv)
    amounts = DataValidation(type="decimal", operator="between", formula1=f"-{LARGEST_AMOUNT}",
                             formula2=LARGEST_AMOUNT, allow_blank=True, showErrorMessage=True,
                             errorTitle="Ogiltigt belopp", error="Ange ett belopp i kronor, till exempel 125000,50.")
    for key in where.spec.input_amount_keys:
        amounts.add(column_range(key))
    ws.validations.append(amounts)


def _structured(spec: layout.TemplateLayout, key: str) -> str:
    """Return the structured reference to a table column, escaped as Excel wants it."""
    header = spec.by_key[key].header
    escaped = "".join("'" + ch if ch in "[]#'" else ch for ch in header)
    return f"{spec.table}[{escaped}]"


def _sum_formula(spec: layout.TemplateLayout, list_name: str | None, activity_cell: str | None) -> str:
    """Return the annual sum over the accounts of a named list, for one activity or all."""
    if list_name is None:
        return "=0"
    by_activity = f",{_structured(spec, 'activity')},{activity_cell}" if activity_cell else ""
    return (f"=SUMPRODUCT(SUMIFS({_structured(spec, spec.summary_key)}{by_activity},"
            f"{_structured(spec, 'account')},{list_name}))")


def _write_summary(filling: Filling, where: PlacedTable, activities: list[Activity], *,
                   has_revenue: bool, has_cost: bool) -> None:
    """Write one summary row per activity and a total row, as live formulas over the table."""
    anchor = _named_cell(filling, layout.NAME_SUMMARY_ANCHOR)
    ws, col = anchor.sheet, anchor.col
    revenue = layout.NAME_LIST_REVENUE_ACCOUNTS if has_revenue else None
    cost = layout.NAME_LIST_COST_ACCOUNTS if has_cost else None
    rows = [(a.code, a.name) for a in activities] + [("Totalt", None)]
    for offset, (code, name) in enumerate(rows, start=1):
        row = anchor.row + offset
        code_cell = None if name is None else f"${get_column_letter(col)}{row}"
        values = [code, name, _sum_formula(where.spec, revenue, code_cell), _sum_formula(where.spec, cost, code_cell),
                  f"={get_column_letter(col + 2)}{row}-{get_column_letter(col + 3)}{row}"]
        for index, value in enumerate(values):
            ws.write(row, col + index, value)
            ws.format(row, col + index, number_format=MONEY_FORMAT if index >= 2 else "@",
                      font=LABEL_FONT if name is None else None)
    ws.protect()


def _meta_values(planning_round: PlanningRound, unit: OrgUnit, issue: TemplateIssue, rows: int,
                 signature: str, kind: _Kind) -> dict[str, str]:
    """Return the metadata sheet's keys and values, all as text."""
    return {"format": layout.TEMPLATE_FORMAT, "format_version": str(layout.TEMPLATE_FORMAT_VERSION),
            "kind": kind.spec.kind, "round": planning_round.code, "unit": unit.code,
            "template_version": str(issue.template_version), "issue_id": str(issue.id),
            "generated_at": _iso_utc(issue.issued_at), "rows": str(rows), **kind.meta,
            "signature": signature}


def _write_meta(filling: Filling, values: dict[str, str]) -> None:
    """Set each key's value in columns A/B of the metadata sheet, adding missing keys at the end."""
    ws = filling.sheet(layout.META_SHEET)
    rows = {str(ws.value(row, 1)).strip(): row for row in range(1, ws.max_row + 1) if ws.value(row, 1)}
    next_row = max(rows.values(), default=0) + 1
    for key, value in values.items():
        row = rows.get(key)
        if row is None:
            row, next_row = next_row, next_row + 1
            ws.write(row, 1, key)
        ws.write(row, 2, value)
        ws.format(row, 2, number_format="@")


def _protect(ws: SheetFill) -> None:
    """Protect the input sheet without a password; allow filtering and resizing columns."""
    ws.protect(autoFilter=False, formatColumns=False, formatRows=False)
