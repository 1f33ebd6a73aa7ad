"""A department's teaching staff from Retendo, and the check of it against the submitted budget.

The template shows the staffing of the round's fiscal year as imported (`StaffingLine`), and
the issue records the planned hours per activity, so a submission is checked against the
staffing the economist saw, whatever was imported since. The check warns (it never blocks)
about an activity with planned teaching but no personnel cost in the budget, and about an
education activity with personnel cost but no planned teaching.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, select

from planround.models import Account, AccountGroup, Activity, OrgUnit, PlanningRound, StaffingLine, TemplateIssue
from planround.server.amounts import format_sek
from planround.server.errors import Problem
from planround.server.organisation import activities_of
from planround.server.validation import LineDraft

PREFILL_KEY = "staffing"
STAFFING_SHEET = "Bemanning"
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class StaffingBasis:
    """What a department's Bemanning sheet shows: the staffing lines and the activities to check."""

    lines: list[tuple[StaffingLine, str | None]]  # each line with its activity's code, None when unmapped
    activities: list[Activity]
    personnel_accounts: list[str]

    def hours(self) -> dict[str, Decimal]:
        """Return the planned hours per activity code, of the lines that mapped to one."""
        hours: dict[str, Decimal] = {}
        for line, code in self.lines:
            if code is not None:
                hours[code] = hours.get(code, ZERO) + line.planned_hours
        return hours

    def prefill(self) -> dict | None:
        """Return the issue's prefill entry (the hours checked on submission), None without staffing."""
        if not self.lines:
            return None
        return {PREFILL_KEY: {"hours": {code: str(h) for code, h in sorted(self.hours().items())}}}


def staffing_basis(session: Session, *, planning_round: PlanningRound, unit: OrgUnit) -> StaffingBasis:
    """Gather the department's staffing of the round's year, its activities and the personnel accounts."""
    activities = activities_of(session, unit)
    codes = {a.id: a.code for a in activities}
    lines = session.exec(select(StaffingLine).where(
        StaffingLine.fiscal_year == planning_round.fiscal_year, StaffingLine.unit_id == unit.id)
        .order_by(StaffingLine.teacher_name, StaffingLine.course_code, StaffingLine.source_row)).all()
    accounts = session.exec(select(Account.code).where(
        Account.group == AccountGroup.personnel, Account.plannable == True).order_by(Account.code)).all()  # noqa: E712
    return StaffingBasis([(line, codes.get(line.activity_id)) for line in lines],
                         sorted(activities, key=lambda a: a.code), list(accounts))


def issued_hours(prefill: list[dict]) -> dict[str, Decimal] | None:
    """Return the planned hours per activity the template was issued with, None when it had no staffing."""
    entry = next((e[PREFILL_KEY] for e in prefill if PREFILL_KEY in e and "row" not in e), None)
    return None if entry is None else {code: Decimal(h) for code, h in entry["hours"].items()}


def staffing_check(session: Session, *, unit: OrgUnit, issue: TemplateIssue, lines: list[LineDraft],
                   account_groups: dict[str, AccountGroup]) -> list[Problem]:
    """Return the staffing check's warnings on a department's valid budget lines."""
    categories = {a.code: a.category for a in activities_of(session, unit)}
    personnel = {code for code, group in account_groups.items() if group == AccountGroup.personnel}
    return staffing_warnings(hours=issued_hours(issue.prefill), categories=categories, lines=lines,
                             personnel_accounts=personnel)


def staffing_warnings(*, hours: dict[str, Decimal] | None, categories: dict[str, str],
                      lines: list[LineDraft], personnel_accounts: set[str]) -> list[Problem]:
    """Warn about teaching without personnel cost, and education with personnel cost but no teaching."""
    if hours is None:
        return []  # no staffing was imported for the department: nothing to compare with
    cost: dict[str, Decimal] = {}
    for line in lines:
        if line.account_code in personnel_accounts:
            cost[line.activity_code] = cost.get(line.activity_code, ZERO) + line.annual
    warnings = []
    for code in sorted(categories):
        planned, paid = hours.get(code, ZERO), cost.get(code, ZERO)
        if planned > 0 and paid == 0:
            warnings.append(Problem("staffing_teaching_without_cost", {"activity": code, "hours": format_sek(planned)},
                                    sheet=STAFFING_SHEET))
        elif planned == 0 and paid != 0 and categories[code] == "education":
            warnings.append(Problem("staffing_cost_without_teaching", {"activity": code, "cost": format_sek(paid)},
                                    sheet=STAFFING_SHEET))
    return warnings
