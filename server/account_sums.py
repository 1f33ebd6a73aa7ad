"""Each submission's lines summed per account, annual and by month, stored with the lines.

A submission's lines never change once stored, so sums written in the same transaction are an
exact aggregate that never goes stale: a consolidation reads one row per department and account
(12,000 at 300 departments of 40 accounts) instead of scanning every line (600,000). The sums
are computed by the database from the stored lines, never from Python's copy of them, and
`planround db check` compares them with the lines again.
"""

from __future__ import annotations

from sqlalchemy import func, insert
from sqlmodel import Session, select

from planround.models import BudgetLine, SubmissionAccountSum
from planround.models.submissions import MONTHS

AMOUNTS = ("annual_amount", *MONTHS)


def summed_lines():
    """Return the SELECT of the lines summed per submission and account, amounts in `AMOUNTS` order."""
    return (
        select(BudgetLine.submission_id, BudgetLine.account_code,
               *(func.sum(getattr(BudgetLine, name)) for name in AMOUNTS))
        .group_by(BudgetLine.submission_id, BudgetLine.account_code)
    )


def store_account_sums(session: Session, *, submission_id: int) -> None:
    """Write a submission's sums per account from its stored lines: one INSERT ... SELECT ... GROUP BY."""
    # Summed as stored (NUMERIC, or whole öre on SQLite) without a trip through Python: exact.
    columns = ["submission_id", "account_code", *AMOUNTS]
    lines = summed_lines().where(BudgetLine.submission_id == submission_id)
    session.execute(insert(SubmissionAccountSum.__table__).from_select(columns, lines))
