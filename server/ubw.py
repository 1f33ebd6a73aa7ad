"""Import ledger actuals (utfall) exported from UBW, and sum them for templates.

The export is a semicolon-separated file, UTF-8 or Windows-1252, with the header
`period;account;department;activity;project;amount`: period `YYYYMM`, amount in kronor with a
decimal comma, optional (non-breaking) space thousands separators and a leading minus,
at most two decimals. Any account of the chart is accepted, planned or not (the ledger books
on clearing accounts too). Amounts are stored as the file gives them: the export is expected
in the planning convention, revenue and costs both positive, like budget lines.

A file is checked whole before anything is written; then the actuals of every period in the
file are replaced by the file's lines, one row per line, so loading a file again is harmless.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import delete, func, insert
from sqlmodel import Session, select

from planround.models import Account, Activity, Actual, OrgUnit, UnitKind
from planround.server.errors import Problem, ValidationFailed
from planround.server.messages import render
from planround.server.reference import CsvRow, check_fields, problem, read_csv

UBW_COLUMNS = ("period", "account", "department", "activity", "project", "amount")
MAX_PROBLEMS = 200  # enough to fix a file by; a wholly wrong file is not listed line by line
PERIOD = re.compile(r"^(\d{4})(\d{2})$")
AMOUNT = re.compile(r"^(-?)(\d{1,3}(?: \d{3})+|\d+)(?:,(\d{1,2}))?$")
SPACES = str.maketrans({"\u00a0": " ", "\u202f": " "})  # Excel's thousands separators


@dataclass
class UbwImportResult:
    """What an import did: lines read, periods replaced, rows removed and the total amount."""

    file: str
    lines: int
    periods: tuple[int, ...]
    rows_replaced: int
    total_amount: Decimal

    def summary(self, lang: str = "sv") -> str:
        """Return one line saying what the import did."""
        first, last = (self.periods[0], self.periods[-1]) if self.periods else ("", "")
        total = f"{self.total_amount:.2f}".replace(".", "," if lang == "sv" else ".")
        return render("ubw_result", lang, file=self.file, lines=self.lines,
                      periods=len(self.periods), first=first, last=last,
                      replaced=self.rows_replaced, total=total)

    __str__ = summary


@dataclass
class Ledger:
    """The reference data a UBW line is checked against, read once per import."""

    accounts: set[str]
    units: dict[str, tuple[int, UnitKind]]
    activities: dict[tuple[int, str], int]


def parse_amount(text: str) -> Decimal | None:
    """Return a Swedish-formatted amount ('-1 234,50') as a Decimal, or None if malformed."""
    match = AMOUNT.match(text.translate(SPACES))
    if match is None:
        return None
    sign, whole, ore = match.groups()
    return Decimal(f"{sign}{whole.replace(' ', '')}.{ore or '0'}")


def parse_period(text: str) -> int | None:
    """Return a period `YYYYMM` as an int, or None unless it is a month of 2000-2099."""
    match = PERIOD.match(text)
    if match is None or not 2000 <= int(match[1]) <= 2099 or not 1 <= int(match[2]) <= 12:
        return None
    return int(text)


def import_ubw(session: Session, *, path: str | Path) -> UbwImportResult:
    """Check a UBW export whole, then replace the actuals of the periods it holds."""
    ubw_file = read_csv(path, UBW_COLUMNS)
    ledger = read_ledger(session)
    rows, problems = [], list(ubw_file.problems)
    for row in ubw_file.rows:
        values, found = check_line(ubw_file.name, row, ledger)
        problems += found
        if values is not None:
            rows.append(values)
    if problems:
        raise_capped(ubw_file.name, problems)
    periods = tuple(sorted({values["period"] for values in rows}))
    replaced = 0
    if periods:
        replaced = session.execute(delete(Actual).where(Actual.period.in_(periods))).rowcount
        session.execute(insert(Actual), rows)
    session.flush()
    return UbwImportResult(ubw_file.name, len(rows), periods, replaced,
                           sum((values["amount"] for values in rows), Decimal("0.00")))


def read_ledger(session: Session) -> Ledger:
    """Read the accounts, units and activities that lines may name."""
    accounts = set(session.exec(select(Account.code)).all())
    units = {code: (unit_id, UnitKind(kind))
             for unit_id, code, kind in session.exec(select(OrgUnit.id, OrgUnit.code, OrgUnit.kind))}
    activities = {(unit_id, code): activity_id for activity_id, unit_id, code
                  in session.exec(select(Activity.id, Activity.unit_id, Activity.code))}
    return Ledger(accounts, units, activities)


def check_line(name: str, row: CsvRow, ledger: Ledger) -> tuple[dict | None, list[Problem]]:
    """Return a line's values for the actual table, or None and what is wrong with it."""
    found = check_fields(name, row, ("period", "account", "department", "activity", "amount"),
                         {"project": 32})
    period, amount = parse_period(row["period"]), parse_amount(row["amount"])
    if row["period"] and period is None:
        found.append(problem("ubw_period_invalid", name, row.line, period=row["period"]))
    if row["amount"] and amount is None:
        found.append(problem("ubw_amount_invalid", name, row.line, amount=row["amount"]))
    if row["account"] and row["account"] not in ledger.accounts:
        found.append(problem("ubw_account_unknown", name, row.line, account=row["account"]))
    unit_id, unit_problems = check_department(name, row, ledger)
    found += unit_problems
    activity_id = ledger.activities.get((unit_id, row["activity"]))
    if unit_id is not None and row["activity"] and activity_id is None:
        found.append(problem("ubw_activity_unknown", name, row.line, activity=row["activity"],
                             department=row["department"]))
    if found:
        return None, found
    return {"period": period, "unit_id": unit_id, "activity_id": activity_id,
            "account_code": row["account"], "project": row["project"] or None,
            "amount": amount}, []


def check_department(name: str, row: CsvRow, ledger: Ledger) -> tuple[int | None, list[Problem]]:
    """Return the id of the line's department, or None and why it is not one."""
    if not row["department"]:
        return None, []
    unit = ledger.units.get(row["department"])
    if unit is None:
        return None, [problem("ubw_department_unknown", name, row.line,
                              department=row["department"])]
    if unit[1] != UnitKind.department:
        return None, [problem("ubw_not_department", name, row.line, department=row["department"],
                              kind=unit[1].value)]
    return unit[0], []


def raise_capped(name: str, problems: list[Problem]) -> None:
    """Reject the file listing its first problems and saying how many more there are."""
    shown = problems[:MAX_PROBLEMS]
    if len(problems) > MAX_PROBLEMS:
        shown.append(problem("load_more_problems", name, more=len(problems) - MAX_PROBLEMS))
    raise ValidationFailed("load_failed", problems=shown, file=name, count=len(problems))


def last_year_actuals(session: Session, *, unit_id: int,
                      fiscal_year: int) -> dict[tuple[int, str], Decimal]:
    """Sum a department's actuals of `fiscal_year` by (activity id, account code).

    The caller picks the year: for a budget round for year N that is usually N - 1.
    """
    statement = (
        select(Actual.activity_id, Actual.account_code, func.sum(Actual.amount))
        .where(Actual.unit_id == unit_id,
               Actual.period.between(fiscal_year * 100 + 1, fiscal_year * 100 + 12))
        .group_by(Actual.activity_id, Actual.account_code)
    )
    return {(activity_id, account): Decimal(total).quantize(Decimal("0.01"))
            for activity_id, account, total in session.exec(statement)}


def latest_month(session: Session, *, fiscal_year: int) -> int:
    """Return the last month (1-12) of `fiscal_year` the ledger holds actuals for, 0 when none."""
    latest = session.exec(select(func.max(Actual.period)).where(
        Actual.period.between(fiscal_year * 100 + 1, fiscal_year * 100 + 12))).one()
    return latest % 100 if latest else 0


def monthly_actuals(session: Session, *, unit_id: int, fiscal_year: int,
                    through: int) -> dict[tuple[int, str], dict[int, Decimal]]:
    """Sum a department's actuals of months 1..`through` of `fiscal_year` by (activity, account) and month."""
    statement = (
        select(Actual.activity_id, Actual.account_code, Actual.period, func.sum(Actual.amount))
        .where(Actual.unit_id == unit_id,
               Actual.period.between(fiscal_year * 100 + 1, fiscal_year * 100 + through))
        .group_by(Actual.activity_id, Actual.account_code, Actual.period)
    )
    out: dict[tuple[int, str], dict[int, Decimal]] = {}
    for activity_id, account, period, total in session.exec(statement):
        out.setdefault((activity_id, account), {})[period % 100] = Decimal(total).quantize(Decimal("0.01"))
    return out
