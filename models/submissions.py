"""Templates issued, submitted workbooks (every version kept) and their budget lines."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import JSON, Column, ForeignKeyConstraint, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from planround.models.types import MONEY, utcnow

MONTHS = tuple(f"m{n:02d}" for n in range(1, 13))


class DistributionKey(str, Enum):
    """How an annual amount is spread over the months (periodiseringsnyckel)."""

    even = "even"  # jämn
    salary = "salary"  # löneprofil
    own = "own"  # egna månadsbelopp


class TemplateIssue(SQLModel, table=True):
    """A template workbook generated for one department in one round."""

    __tablename__ = "template_issue"
    __table_args__ = (UniqueConstraint("round_id", "unit_id", "template_version"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="planning_round.id", index=True)
    unit_id: int = Field(foreign_key="org_unit.id", index=True)
    template_version: int
    checksum: str = Field(max_length=64)  # SHA-256 of the file as generated
    # What was prefilled, row by row, so a changed cell can be named exactly.
    prefill: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    # The file as issued, so every download of this version is the same workbook.
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    issued_at: datetime = Field(default_factory=utcnow)
    issued_by_id: int | None = Field(default=None, foreign_key="user_account.id")


class Submission(SQLModel, table=True):
    """One accepted version of a department's workbook, with the original bytes."""

    __tablename__ = "submission"
    __table_args__ = (
        UniqueConstraint("round_id", "unit_id", "version"),
        # What a budget line's one foreign key refers to (fk_budget_line_submission). A unique index, not a
        # constraint: SQLite adds an index in place but would rebuild the table for a constraint, which
        # its foreign keys forbid once lines refer to it (migration 0011).
        Index("uq_submission_id_round_unit_version", "id", "round_id", "unit_id", "version", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="planning_round.id", index=True)
    unit_id: int = Field(foreign_key="org_unit.id", index=True)
    version: int
    template_version: int
    submitted_by_id: int = Field(foreign_key="user_account.id")
    submitted_at: datetime = Field(default_factory=utcnow)
    filename: str | None = Field(default=None, max_length=255)
    checksum: str = Field(max_length=64)
    file_bytes: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    line_count: int
    total_revenue: Decimal = Field(sa_column=Column(MONEY, nullable=False))
    total_cost: Decimal = Field(sa_column=Column(MONEY, nullable=False))


class MonthlyAmounts(SQLModel):
    """An annual amount and the twelve months it is spread over: a budget line's, or a sum of lines."""

    annual_amount: Decimal = Field(sa_type=MONEY, nullable=False)
    m01: Decimal = Field(sa_type=MONEY, nullable=False)
    m02: Decimal = Field(sa_type=MONEY, nullable=False)
    m03: Decimal = Field(sa_type=MONEY, nullable=False)
    m04: Decimal = Field(sa_type=MONEY, nullable=False)
    m05: Decimal = Field(sa_type=MONEY, nullable=False)
    m06: Decimal = Field(sa_type=MONEY, nullable=False)
    m07: Decimal = Field(sa_type=MONEY, nullable=False)
    m08: Decimal = Field(sa_type=MONEY, nullable=False)
    m09: Decimal = Field(sa_type=MONEY, nullable=False)
    m10: Decimal = Field(sa_type=MONEY, nullable=False)
    m11: Decimal = Field(sa_type=MONEY, nullable=False)
    m12: Decimal = Field(sa_type=MONEY, nullable=False)


class BudgetLine(MonthlyAmounts, table=True):
    """One line of a submission: department × activity × account, annual and by month."""

    __tablename__ = "budget_line"
    # A submission's lines in account order: its sums per account (server/account_sums.py) come in one pass.
    __table_args__ = (
        Index("ix_budget_line_submission_account", "submission_id", "account_code"),
        # One key for a line's submission, round, unit and version: the database holds them to the
        # submission's, and checks one key per line instead of three (submission, round, unit) when
        # lines are stored (10,000 lines on PostgreSQL: ~290 -> ~230 ms, migration 0011). The submission
        # is in its round and unit by its own foreign keys.
        ForeignKeyConstraint(["submission_id", "round_id", "unit_id", "submission_version"],
                             ["submission.id", "submission.round_id", "submission.unit_id", "submission.version"],
                             name="fk_budget_line_submission"),
    )

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int
    # No index on round_id: lines are found by submission; one more index only slows every insert (0010).
    round_id: int
    unit_id: int  # No index either: the joins reach org_unit from the line, by its primary key (0012).
    submission_version: int
    activity_id: int = Field(foreign_key="activity.id")
    account_code: str = Field(foreign_key="account.code", max_length=16)
    distribution_key: DistributionKey = Field(max_length=10)
    comment: str | None = Field(default=None, max_length=2000)


class SubmissionAccountSum(MonthlyAmounts, table=True):
    """A submission's lines summed per account, annual and by month, written with its lines.

    A submission's lines never change once stored, so these sums never go stale: the
    university's consolidation reads one row per department and account instead of every line.
    """

    __tablename__ = "submission_account_sum"

    submission_id: int = Field(foreign_key="submission.id", primary_key=True)
    account_code: str = Field(foreign_key="account.code", max_length=16, primary_key=True)
