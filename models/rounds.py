"""Planning rounds: a budget for next year or a forecast during the year."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from sqlmodel import Field, SQLModel

from planround.models.types import MONEY, utcnow
from sqlalchemy import Column


class RoundKind(str, Enum):
    budget = "budget"
    forecast = "forecast"  # prognos


class RoundState(str, Enum):
    draft = "draft"
    open = "open"
    closed = "closed"


class PlanningRound(SQLModel, table=True):
    __tablename__ = "planning_round"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)  # used in URLs: budget-2027
    name: str = Field(max_length=200)  # shown to users: Budget 2027
    kind: RoundKind = Field(max_length=20)
    fiscal_year: int
    state: RoundState = Field(default=RoundState.draft, max_length=20)
    deadline: date | None = None
    # A comment is required on a line whose change against last year's actual passes both.
    comment_threshold_pct: Decimal = Field(default=Decimal("20"), sa_column=Column(MONEY, nullable=False))
    comment_threshold_amount: Decimal = Field(
        default=Decimal("100000"), sa_column=Column(MONEY, nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow)
    # Personnel costs of a budget (Primula): lönekostnadspålägg on salaries, and the yearly
    # salary revision that raises salaries by a percentage from a month of the year on.
    lkp_pct: Decimal = Field(default=Decimal("48.50"), sa_column=Column(MONEY, nullable=False))
    salary_revision_month: int = Field(default=4, ge=1, le=12)
    salary_revision_pct: Decimal = Field(default=Decimal("3.00"), sa_column=Column(MONEY, nullable=False))
    # The university board's (universitetsstyrelsen) decision on the budget, entered by the
    # process administrator; the university level approves the total only after it.
    board_decision_date: date | None = None
    board_decision_reference: str | None = Field(default=None, max_length=100)
