"""Forecast rounds (prognos): what a forecast template shows and how a forecast is stored.

A forecast template shows, per activity × plannable account, the year's budget (the lines of
the department's newest submission in the year's newest budget round, the budget the
consolidated workbooks compare with), the actuals of the closed months and their sum to date;
the economist types the full-year forecast. A forecast is stored as a budget line: the closed
months are the actuals, the rest of the forecast is spread evenly over the open months,
exactly to the öre (negative when the forecast is below the actual to date).

The closed months ("actuals through month M") are fixed when a template is issued: M is the
latest month of the fiscal year the ledger holds actuals for, but no later than the month
before the round's deadline, since the nightly UBW load also brings the month still being
booked. M is recorded in the issue's prefill (every row's `actuals` list has M entries), so
the signature covers it and a later ledger load does not change how a workbook is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from planround.models import BudgetLine, OrgUnit, PlanningRound
from planround.server import layout
from planround.server.amounts import amount_text, text_amount
from planround.server.consolidation import budget_round_for, latest_submission_ids
from planround.server.periodisation import spread_evenly
from planround.server.ubw import latest_month, monthly_actuals

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ForecastBasis:
    """What one department's forecast template is prefilled with."""

    fiscal_year: int
    closed: int  # months 1..closed are closed and show actuals
    budget: dict[tuple[int, str], Decimal]  # (activity id, account) -> the year's budget
    actuals: dict[tuple[int, str], dict[int, Decimal]]  # (activity id, account) -> month -> actual

    def cells(self, activity_id: int, account_code: str) -> dict[str, Decimal | None]:
        """Return one line's prefilled cells by column key."""
        months = self.actuals.get((activity_id, account_code), {})
        closed = [months.get(month) for month in range(1, self.closed + 1)]
        return line_cells(self.budget.get((activity_id, account_code)), closed)

    def through_label(self) -> str:
        """Return the last closed month as the header shows it: 'Apr 2026'."""
        if not self.closed:
            return "Inga stängda månader"
        return f"{layout.MONTH_LABELS[self.closed - 1]} {self.fiscal_year}"

    def through_period(self) -> str:
        """Return the last closed month as YYYY-MM for the metadata sheet, empty when none."""
        return f"{self.fiscal_year}-{self.closed:02d}" if self.closed else ""


def forecast_basis(session: Session, *, planning_round: PlanningRound, unit: OrgUnit) -> ForecastBasis:
    """Gather the budget and the closed months' actuals a department's forecast starts from."""
    year = planning_round.fiscal_year
    closed = closed_months(session, planning_round=planning_round)
    actuals = monthly_actuals(session, unit_id=unit.id, fiscal_year=year, through=closed) if closed else {}
    return ForecastBasis(year, closed, year_budget(session, planning_round=planning_round, unit_id=unit.id), actuals)


def closed_months(session: Session, *, planning_round: PlanningRound) -> int:
    """Return how many months of the round's year are closed: see the module docstring."""
    latest = latest_month(session, fiscal_year=planning_round.fiscal_year)
    deadline = planning_round.deadline
    if deadline is None:
        return latest
    before_deadline = (deadline.year - planning_round.fiscal_year) * 12 + deadline.month - 1
    return max(0, min(latest, before_deadline))


def year_budget(session: Session, *, planning_round: PlanningRound, unit_id: int) -> dict[tuple[int, str], Decimal]:
    """Return the department's budget of the forecast's year by (activity id, account), empty when none."""
    # Consolidation's choice of round and submission, so the template and the consolidated workbooks agree.
    budget_round = budget_round_for(session, planning_round)
    if budget_round is None:
        return {}
    statement = (
        select(BudgetLine.activity_id, BudgetLine.account_code, func.sum(BudgetLine.annual_amount))
        .where(BudgetLine.submission_id.in_(latest_submission_ids(budget_round.id, [unit_id])))
        .group_by(BudgetLine.activity_id, BudgetLine.account_code)
    )
    return {(activity_id, account): Decimal(total).quantize(ZERO)
            for activity_id, account, total in session.exec(statement)}


def line_cells(budget: Decimal | None, closed: list[Decimal | None]) -> dict[str, Decimal | None]:
    """Return a line's prefilled cells from its budget and its closed months' actuals."""
    months = closed + [None] * (12 - len(closed))
    booked = [amount for amount in closed if amount is not None]
    return {"budget": budget, **dict(zip(layout.ACTUAL_MONTH_KEYS, months)),
            "actual_to_date": sum(booked, ZERO) if booked else None}


def prefill_entry(cells: dict[str, Decimal | None], closed: int) -> dict[str, Any]:
    """Return what the issue records about a line beyond its codes: budget and closed actuals."""
    return {"budget": amount_text(cells["budget"]),
            "actuals": [amount_text(cells[key]) for key in layout.ACTUAL_MONTH_KEYS[:closed]]}


def expected_cells(entry: dict[str, Any]) -> dict[str, Decimal | None]:
    """Return the prefilled cells an issued row must still hold, from its prefill entry."""
    return line_cells(text_amount(entry.get("budget")), [text_amount(a) for a in entry.get("actuals", [])])


def closed_of(prefill: list[dict[str, Any]]) -> int:
    """Return how many months were closed when the template was issued."""
    return len(prefill[0].get("actuals", [])) if prefill else 0


def stored_months(forecast: Decimal, closed: list[Decimal | None]) -> tuple[Decimal, ...]:
    """Return the 12 months of a forecast: the closed months' actuals, then the rest spread evenly."""
    booked = [amount or ZERO for amount in closed]
    return (*booked, *spread_evenly(forecast - sum(booked, ZERO), 12 - len(booked)))
