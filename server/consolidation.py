"""The figures of a consolidated workbook: a unit's sums from its departments' latest submissions.

For any unit of the organisation and a round, the data are gathered with SQL aggregates
(`GROUP BY`) over the budget lines of each department's latest submission (after the
economist's sign-off a department cannot resubmit, so the latest is the approved one), over
last year's actuals and, for a forecast, over the budget round of the same year. A department's
sums per account are read from its submission's sums, stored with its lines (`account_sums`),
not summed from the lines again. Amounts stay Decimal; `consolidated_workbook` writes them out.

The drill-down of a department or a group lists every line, read from the database while the
workbook is written, never held as a list. The university's drill-down lists each department's
lines summed per account (annual amount and months): every line is in its department's and its
group's workbook already, activities are each department's own, and a list of every line of the
university (600,000 at 300 departments of 2,000 lines) would be a workbook too big to work in
and, past 1,048,576 lines, more rows than an Excel sheet holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, func
from sqlmodel import Session, select

from planround.models import (
    Account,
    AccountGroup,
    Activity,
    Actual,
    BudgetLine,
    OrgUnit,
    PlanningRound,
    RoundKind,
    Submission,
    SubmissionAccountSum,
    UnitKind,
)
from planround.models.submissions import MONTHS
from planround.server.organisation import activities_of, departments_below


ZERO = Decimal("0.00")
LINES_PER_FETCH = 5_000  # the drill-down's rows come from the database in batches of this many
MONTH_COLUMNS = [getattr(BudgetLine, m) for m in MONTHS]
SUM_MONTH_COLUMNS = [getattr(SubmissionAccountSum, m) for m in MONTHS]


# --- the data ---------------------------------------------------------------------------------

Key = tuple[str, str]  # (department, activity or group code; account code)


@dataclass(frozen=True)
class ColumnInfo:
    """One column of the summary: an activity, a department or a group."""

    code: str
    name: str
    name_en: str | None = None

    def label(self, lang: str) -> str:
        """Return the name in `lang`, the Swedish one when there is no English."""
        return self.name_en if lang == "en" and self.name_en else self.name


@dataclass(frozen=True)
class DepartmentInfo:
    """A department at or below the unit, the summary column it adds to, its latest version."""

    code: str
    name: str
    column_code: str
    submission_version: int | None


@dataclass(frozen=True)
class AccountInfo:
    """An account of the chart as the summary shows it."""

    code: str
    name: str
    name_en: str | None
    group: AccountGroup

    def label(self, lang: str) -> str:
        """Return the name in `lang`, the Swedish one when there is no English."""
        return self.name_en if lang == "en" and self.name_en else self.name


@dataclass(frozen=True)
class LineRow:
    """One row of the drill-down: a stored line, or a department's lines of one account summed."""

    unit_code: str
    unit_name: str
    activity_code: str | None  # None: every activity of the department, summed
    activity_name: str | None
    account_code: str
    account_name: str
    account_group: AccountGroup
    annual: Decimal
    months: tuple[Decimal, ...]
    comment: str | None
    submission_version: int


@dataclass
class Figures:
    """Sums keyed by (department, activity or group code, account code)."""

    figure: dict[Key, Decimal] = field(default_factory=dict)  # the round's own figures
    actual: dict[Key, Decimal] = field(default_factory=dict)  # last year's actual
    budget: dict[Key, Decimal] = field(default_factory=dict)  # forecasts: the year's budget

    def cell(self, which: str, code: str, account: str) -> Decimal:
        """Return one sum, zero where nothing was planned or booked."""
        return getattr(self, which).get((code, account), ZERO)


@dataclass
class ConsolidationData:
    """Everything a consolidated workbook shows, gathered once, amounts in Decimal."""

    round_code: str
    round_name: str
    kind: RoundKind
    fiscal_year: int
    unit_code: str
    unit_name: str
    unit_kind: UnitKind
    budget_round_code: str | None
    columns: list[ColumnInfo]
    departments: list[DepartmentInfo]
    accounts: list[AccountInfo]
    by_department: Figures
    by_column: Figures
    lines: Iterable[LineRow]  # the drill-down, in unit, activity and account order

    @property
    def is_forecast(self) -> bool:
        """Say whether the round is a forecast, compared with the year's budget."""
        return self.kind == RoundKind.forecast


def consolidation_data(session: Session, *, planning_round: PlanningRound,
                       unit: OrgUnit) -> ConsolidationData:
    """Gather the figures, actuals, budget and drill-down of every department at or below `unit`."""
    departments = departments_below(session, unit)
    dept_ids = [d.id for d in departments]
    budget_round = budget_round_for(session, planning_round)
    latest = latest_submissions(session, planning_round.id, dept_ids)
    versions = {unit_id: version for unit_id, (_, version) in latest.items()}
    sums = department_sums(session, latest, departments)
    # The departments' sums per account are the summary's figures too: one read of the stored sums.
    by_department = gather_figures(session, "department", planning_round, budget_round, dept_ids,
                                   figure={(s.unit_code, s.account_code): s.annual for s in sums})
    columns, column_of = summary_columns(session, unit, departments)
    if unit.kind == UnitKind.department:
        by_column = gather_figures(session, "activity", planning_round, budget_round, dept_ids)
    else:
        by_column = regroup(by_department, column_of)
    return ConsolidationData(
        round_code=planning_round.code, round_name=planning_round.name,
        kind=RoundKind(planning_round.kind), fiscal_year=planning_round.fiscal_year,
        unit_code=unit.code, unit_name=unit.name, unit_kind=UnitKind(unit.kind),
        budget_round_code=budget_round.code if budget_round else None,
        columns=columns,
        departments=[DepartmentInfo(d.code, d.name, column_of[d.code], versions.get(d.id))
                     for d in departments],
        accounts=accounts_used(session, by_department),
        by_department=by_department, by_column=by_column,
        lines=sums if unit.kind == UnitKind.university else StoredLines(session, submission_ids(latest)),
    )


def budget_round_for(session: Session, planning_round: PlanningRound) -> PlanningRound | None:
    """Return the budget round a forecast is compared with: same year, the newest if several."""
    if RoundKind(planning_round.kind) != RoundKind.forecast:
        return None
    return session.exec(
        select(PlanningRound)
        .where(PlanningRound.kind == RoundKind.budget,
               PlanningRound.fiscal_year == planning_round.fiscal_year)
        .order_by(PlanningRound.id.desc())
    ).first()


def latest_submission_ids(round_id: int, unit_ids: list[int]):
    """Return a subquery of the ids of each department's latest submission in the round."""
    newest = (
        select(Submission.unit_id, func.max(Submission.version).label("version"))
        .where(Submission.round_id == round_id, Submission.unit_id.in_(unit_ids))
        .group_by(Submission.unit_id)
        .subquery()
    )
    return (
        select(Submission.id)
        .join(newest, and_(Submission.unit_id == newest.c.unit_id,
                           Submission.version == newest.c.version))
        .where(Submission.round_id == round_id)
    )


def latest_submissions(session: Session, round_id: int, unit_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Return each department's latest submission in the round: unit id -> (submission id, version)."""
    rows = session.exec(
        select(Submission.unit_id, Submission.id, Submission.version)
        .where(Submission.id.in_(latest_submission_ids(round_id, unit_ids)))
    ).all()
    return {unit_id: (submission_id, version) for unit_id, submission_id, version in rows}


def submission_ids(latest: dict[int, tuple[int, int]]) -> list[int]:
    """Return the submission ids of `latest_submissions`, sorted.

    Queries over the lines take these ids as a list rather than the subquery: PostgreSQL then
    knows how many lines to expect and aggregates them in one pass instead of spilling to disk.
    """
    return sorted(submission_id for submission_id, _ in latest.values())


def gather_figures(session: Session, by: str, planning_round: PlanningRound,
                   budget_round: PlanningRound | None, unit_ids: list[int],
                   figure: dict[Key, Decimal] | None = None) -> Figures:
    """Sum the round's lines (unless `figure` has), last year's actual and the budget by key and account."""
    figures = Figures(
        figure=sum_lines(session, by, planning_round.id, unit_ids) if figure is None else figure,
        actual=sum_actuals(session, by, planning_round.fiscal_year - 1, unit_ids),
    )
    if budget_round is not None:
        figures.budget = sum_lines(session, by, budget_round.id, unit_ids)
    return figures


def key_column(by: str, unit_column, activity_column):
    """Return the code column a sum is grouped by, joined on the line's unit or activity."""
    if by == "department":
        return OrgUnit.code, OrgUnit.id == unit_column
    return Activity.code, Activity.id == activity_column


def sum_lines(session: Session, by: str, round_id: int, unit_ids: list[int]) -> dict[Key, Decimal]:
    """Sum the annual amounts of the latest submissions by key and account.

    A department's sums are its submission's stored sums per account; an activity's are summed
    from the lines, GROUP BY activity and account.
    """
    latest = submission_ids(latest_submissions(session, round_id, unit_ids))
    if by == "department":
        statement = (
            select(OrgUnit.code, SubmissionAccountSum.account_code, SubmissionAccountSum.annual_amount)
            .join(Submission, Submission.id == SubmissionAccountSum.submission_id)
            .join(OrgUnit, OrgUnit.id == Submission.unit_id)
            .where(SubmissionAccountSum.submission_id.in_(latest))
        )
    else:
        statement = (
            select(Activity.code, BudgetLine.account_code, func.sum(BudgetLine.annual_amount))
            .join(Activity, Activity.id == BudgetLine.activity_id)
            .where(BudgetLine.submission_id.in_(latest))
            .group_by(Activity.code, BudgetLine.account_code)
        )
    return {(key, account): total for key, account, total in session.exec(statement)}


def sum_actuals(session: Session, by: str, year: int, unit_ids: list[int]) -> dict[Key, Decimal]:
    """Sum the ledger's actuals of `year` by unit or activity and account, keyed by their codes.

    Grouped by the unit's id (the activity's within one department), in the order of the index on
    (unit, account, period, amount), the sums come out of the index in one ordered pass: no join
    per row and no sort of the rows (600,000 at the university); the few codes are looked up after.
    """
    key, model = (Actual.unit_id, OrgUnit) if by == "department" else (Actual.activity_id, Activity)
    rows = session.exec(
        select(key, Actual.account_code, func.sum(Actual.amount))
        .where(Actual.unit_id.in_(unit_ids), Actual.period.between(year * 100 + 1, year * 100 + 12))
        .group_by(key, Actual.account_code)
    ).all()
    codes = dict(session.exec(select(model.id, model.code).where(model.id.in_({row[0] for row in rows}))).all())
    return {(codes[key_id], account): total for key_id, account, total in rows}


def summary_columns(session: Session, unit: OrgUnit,
                    departments: list[OrgUnit]) -> tuple[list[ColumnInfo], dict[str, str]]:
    """Return the summary's columns and the column each department adds to.

    A department's columns are its activities; any other unit's are the units right below it
    that hold departments (a group's departments, the university's groups).
    """
    if unit.kind == UnitKind.department:
        columns = [ColumnInfo(a.code, a.name) for a in activities_of(session, unit)]
        return columns, {unit.code: unit.code}
    units = {u.id: u for u in session.exec(select(OrgUnit)).all()}
    column_of: dict[str, str] = {}
    for department in departments:
        chain = _chain(units, department)
        column_of[department.code] = units[chain[chain.index(unit.id) - 1]].code
    used = sorted((u for u in units.values() if u.code in set(column_of.values())), key=lambda u: u.code)
    return [ColumnInfo(u.code, u.name, u.name_en) for u in used], column_of


def _chain(units: dict[int, OrgUnit], unit: OrgUnit) -> list[int]:
    """Return the ids from `unit` up to the root, nearest first."""
    chain, current = [], unit.id
    while current is not None and current not in chain:
        chain.append(current)
        current = units[current].parent_id
    return chain


def regroup(figures: Figures, column_of: dict[str, str]) -> Figures:
    """Add the departments' sums into their summary columns (few cells: sums, not lines)."""
    grouped = Figures()
    for which in ("figure", "actual", "budget"):
        target = getattr(grouped, which)
        for (department, account), amount in getattr(figures, which).items():
            key = (column_of[department], account)
            target[key] = target.get(key, ZERO) + amount
    return grouped


def accounts_used(session: Session, figures: Figures) -> list[AccountInfo]:
    """Return the accounts that carry a figure, an actual or a budget, in report order."""
    codes = {account for sums in (figures.figure, figures.actual, figures.budget) for _, account in sums}
    if not codes:
        return []
    rows = session.exec(select(Account).where(Account.code.in_(codes))).all()
    order = list(AccountGroup)
    accounts = [AccountInfo(a.code, a.name, a.name_en, AccountGroup(a.group)) for a in rows]
    return sorted(accounts, key=lambda a: (order.index(a.group), a.code))


def department_sums(session: Session, latest: dict[int, tuple[int, int]],
                    departments: list[OrgUnit]) -> list[LineRow]:
    """Return each department's latest lines summed per account, annual and each month, as stored at submission."""
    statement = (
        select(SubmissionAccountSum.submission_id, SubmissionAccountSum.account_code,
               SubmissionAccountSum.annual_amount, *SUM_MONTH_COLUMNS)
        .where(SubmissionAccountSum.submission_id.in_(submission_ids(latest)))
    )
    units = {d.id: d for d in departments}
    department_of = {submission_id: (units[unit_id], version)
                     for unit_id, (submission_id, version) in latest.items()}
    accounts = {a.code: a for a in session.exec(select(Account)).all()}
    rows = []
    for submission_id, account, annual, *months in session.exec(statement):
        department, version = department_of[submission_id]
        rows.append(LineRow(department.code, department.name, None, None, account, accounts[account].name,
                            AccountGroup(accounts[account].group), annual, tuple(months), None, version))
    return sorted(rows, key=lambda row: (row.unit_code, row.account_code))


@dataclass(frozen=True)
class StoredLines:
    """Every line of the departments' latest submissions, fetched in batches each time it is read."""

    session: Session
    submission_ids: list[int]

    def __iter__(self) -> Iterator[LineRow]:
        statement = (
            select(OrgUnit.code, OrgUnit.name, Activity.code, Activity.name, Account.code,
                   Account.name, Account.group, BudgetLine.annual_amount, BudgetLine.comment,
                   BudgetLine.submission_version, *MONTH_COLUMNS)
            .join(OrgUnit, OrgUnit.id == BudgetLine.unit_id)
            .join(Activity, Activity.id == BudgetLine.activity_id)
            .join(Account, Account.code == BudgetLine.account_code)
            .where(BudgetLine.submission_id.in_(self.submission_ids))
            .order_by(OrgUnit.code, Activity.code, Account.code)
            .execution_options(yield_per=LINES_PER_FETCH)  # a server-side cursor on PostgreSQL
        )
        with self.session.exec(statement) as result:
            for r in result:
                yield LineRow(r[0], r[1], r[2], r[3], r[4], r[5], AccountGroup(r[6]), r[7], tuple(r[10:]),
                              r[8], r[9])
