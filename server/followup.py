"""Follow-up (uppföljning): a unit's actuals against its budget and forecast, month by month.

For the fiscal year of a round and any unit of the tree, the data are gathered with SQL
aggregates: the ledger's actuals `GROUP BY` activity (or department), account group and period;
the budget and the forecast as the sums of the months m01..m12 of each department's latest
submission, `GROUP BY` activity (or department) and account group. "To date" runs through the
latest month of the year the ledger holds, or a month the caller names. Amounts stay Decimal;
`followup_workbook` writes them out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable

from sqlalchemy import func
from sqlmodel import Session, select

from planround.models import (
    Account,
    AccountGroup,
    Actual,
    BudgetLine,
    OrgUnit,
    PlanningRound,
    RoundKind,
    Submission,
    UnitKind,
)
from planround.models.submissions import MONTHS
from planround.server.consolidation import (
    ZERO,
    ColumnInfo,
    budget_round_for,
    key_column,
    latest_submission_ids,
    summary_columns,
)
from planround.server.errors import BadRequest
from planround.server.organisation import departments_below
from planround.server.ubw import latest_month

MonthSums = tuple[Decimal, ...]  # twelve months, January first
Cell = tuple[str, AccountGroup]  # (activity or summary column code, account group)
NO_MONTHS: MonthSums = (ZERO,) * 12
THROUGH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass
class Series:
    """One source's sums by (column, account group), twelve months each."""

    cells: dict[Cell, MonthSums] = field(default_factory=dict)

    def months(self, group: AccountGroup, column: str | None = None) -> MonthSums:
        """Return a group's twelve months in one column, or summed over every column."""
        found = [m for (code, g), m in self.cells.items() if g == group and column in (None, code)]
        return tuple(sum(month, ZERO) for month in zip(*found)) if found else NO_MONTHS


@dataclass
class FollowupData:
    """Everything a follow-up workbook shows, gathered once, amounts in Decimal."""

    round_code: str
    round_name: str
    fiscal_year: int
    unit_code: str
    unit_name: str
    unit_kind: UnitKind
    through: int  # months 1..through are "to date"; 0 when the ledger holds none of the year
    budget_round_code: str | None
    forecast_round_code: str | None
    columns: list[ColumnInfo]  # a department's activities, or the units right below
    actual: Series
    budget: Series
    forecast: Series | None  # None when the year has no forecast round

    @property
    def through_period(self) -> str:
        """Return the cut-off as YYYY-MM, empty when no month is to date."""
        return f"{self.fiscal_year}-{self.through:02d}" if self.through else ""


def ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    """Return `part` as a share of the size of `whole`, None where `whole` is 0 (no percentage)."""
    return None if whole == 0 else part / abs(whole)


@dataclass(frozen=True)
class Figures:
    """One row's figures: to date through the cut-off, and for the full year."""

    actual: Decimal  # to date
    budget_to_date: Decimal
    budget: Decimal  # the full year
    forecast: Decimal | None  # the full year; None without a forecast round
    estimate: Decimal  # actual to date + the months after it in the forecast (else the budget)

    @property
    def variance(self) -> Decimal:
        """Return actual minus budget to date."""
        return self.actual - self.budget_to_date

    @property
    def variance_pct(self) -> Decimal | None:
        """Return the variance to date as a share of the budget to date."""
        return ratio(self.variance, self.budget_to_date)

    @property
    def year_variance(self) -> Decimal:
        """Return the full-year estimate minus the full-year budget."""
        return self.estimate - self.budget

    @property
    def year_variance_pct(self) -> Decimal | None:
        """Return the full-year variance as a share of the budget."""
        return ratio(self.year_variance, self.budget)

    def plus(self, other: Figures, sign: int = 1) -> Figures:
        """Return the sum (or with sign -1 the difference) of two rows' figures."""
        forecast = None if self.forecast is None else self.forecast + sign * other.forecast
        return Figures(self.actual + sign * other.actual,
                       self.budget_to_date + sign * other.budget_to_date,
                       self.budget + sign * other.budget, forecast,
                       self.estimate + sign * other.estimate)


def figures_for(data: FollowupData, group: AccountGroup, column: str | None = None) -> Figures:
    """Return an account group's figures in one column, or over the whole unit."""
    through = data.through
    budget = data.budget.months(group, column)
    forecast = data.forecast.months(group, column) if data.forecast is not None else None
    actual = sum(data.actual.months(group, column)[:through], ZERO)
    rest = (budget if forecast is None else forecast)[through:]
    return Figures(actual, sum(budget[:through], ZERO), sum(budget, ZERO),
                   None if forecast is None else sum(forecast, ZERO), actual + sum(rest, ZERO))


def total_of(rows: list[Figures]) -> Figures:
    """Return the sum of rows' figures."""
    first, *others = rows
    for other in others:
        first = first.plus(other)
    return first


# --- gathering --------------------------------------------------------------------------------


def followup_data(session: Session, *, planning_round: PlanningRound, unit: OrgUnit,
                  through: int | None = None) -> FollowupData:
    """Gather the actuals, budget and forecast of every department at or below `unit`."""
    departments = departments_below(session, unit)
    dept_ids, year = [d.id for d in departments], planning_round.fiscal_year
    columns, column_of = summary_columns(session, unit, departments)
    by = "activity" if unit.kind == UnitKind.department else "department"
    budget_round = round_of_kind(session, planning_round, RoundKind.budget, dept_ids)
    forecast_round = round_of_kind(session, planning_round, RoundKind.forecast, dept_ids)
    return FollowupData(
        round_code=planning_round.code, round_name=planning_round.name, fiscal_year=year,
        unit_code=unit.code, unit_name=unit.name, unit_kind=UnitKind(unit.kind),
        through=latest_month(session, fiscal_year=year) if through is None else through,
        budget_round_code=budget_round.code if budget_round else None,
        forecast_round_code=forecast_round.code if forecast_round else None,
        columns=columns,
        actual=series_of(actual_months(session, by, year, dept_ids), column_of),
        budget=line_series(session, by, budget_round, dept_ids, column_of) or Series(),
        forecast=line_series(session, by, forecast_round, dept_ids, column_of),
    )


def round_of_kind(session: Session, planning_round: PlanningRound, kind: RoundKind,
                  unit_ids: list[int]) -> PlanningRound | None:
    """Return the round of `kind` to follow up: the round named, else the year's newest.

    The budget is the one the consolidated workbooks compare with. A forecast round counts
    once a department of the unit has submitted in it: a newly opened one would show zeros.
    """
    if RoundKind(planning_round.kind) == kind:
        return planning_round
    if kind == RoundKind.budget:
        return budget_round_for(session, planning_round)
    submitted = select(Submission.round_id).where(Submission.unit_id.in_(unit_ids))
    return session.exec(
        select(PlanningRound)
        .where(PlanningRound.kind == kind, PlanningRound.fiscal_year == planning_round.fiscal_year,
               PlanningRound.id.in_(submitted))
        .order_by(PlanningRound.id.desc())
    ).first()


def actual_months(session: Session, by: str, year: int, unit_ids: list[int]):
    """Sum the ledger's actuals of `year`, GROUP BY key, account group and period."""
    code, join_on = key_column(by, Actual.unit_id, Actual.activity_id)
    statement = (
        select(code, Account.group, Actual.period, func.sum(Actual.amount))
        .join(code.class_, join_on)
        .join(Account, Account.code == Actual.account_code)
        .where(Actual.unit_id.in_(unit_ids), Actual.period.between(year * 100 + 1, year * 100 + 12))
        .group_by(code, Account.group, Actual.period)
    )
    return ((key, group, period % 100, amount) for key, group, period, amount in session.exec(statement))


def line_series(session: Session, by: str, planning_round: PlanningRound | None,
                unit_ids: list[int], column_of: dict[str, str]) -> Series | None:
    """Sum each month of the latest submissions' lines, GROUP BY key and account group."""
    if planning_round is None:
        return None
    code, join_on = key_column(by, BudgetLine.unit_id, BudgetLine.activity_id)
    statement = (
        select(code, Account.group, *(func.sum(getattr(BudgetLine, m)) for m in MONTHS))
        .join(code.class_, join_on)
        .join(Account, Account.code == BudgetLine.account_code)
        .where(BudgetLine.submission_id.in_(latest_submission_ids(planning_round.id, unit_ids)))
        .group_by(code, Account.group)
    )
    sums = ((key, group, month, amount) for key, group, *months in session.exec(statement)
            for month, amount in enumerate(months, start=1))
    return series_of(sums, column_of)


def series_of(sums: Iterable[tuple[str, str, int, Decimal]], column_of: dict[str, str]) -> Series:
    """Add sums (key, group, month, amount) into their columns' months (few cells: sums, not lines)."""
    cells: dict[Cell, list[Decimal]] = {}
    for key, group, month, amount in sums:
        months = cells.setdefault((column_of.get(key, key), AccountGroup(group)), list(NO_MONTHS))
        months[month - 1] += amount
    return Series({cell: tuple(months) for cell, months in cells.items()})


def parse_through(value: str | None, fiscal_year: int) -> int | None:
    """Return the month (1-12) of a 'YYYY-MM' cut-off in the fiscal year; None when not given."""
    if value is None or value.strip() == "":
        return None
    match = THROUGH.match(value.strip())
    if match is None or int(match[1]) != fiscal_year or not 1 <= int(match[2]) <= 12:
        raise BadRequest("followup_through_invalid", value=value[:20], year=fiscal_year)
    return int(match[2])
