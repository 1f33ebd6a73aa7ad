"""The chart of accounts, kept as data."""

from __future__ import annotations

from enum import Enum

from sqlmodel import Field, SQLModel


class AccountGroup(str, Enum):
    """Account groups of the Swedish agencies' standard chart, in report order."""

    revenue = "revenue"  # class 3: anslag, avgifter, bidrag, finansiella intäkter
    personnel = "personnel"  # class 4
    premises = "premises"  # class 5 (lokaler)
    operating = "operating"  # class 5-6: övriga driftkostnader
    depreciation = "depreciation"  # class 7: avskrivningar
    financial = "financial"  # class 8: finansiella kostnader

    @property
    def is_revenue(self) -> bool:
        return self is AccountGroup.revenue


class Account(SQLModel, table=True):
    """An account of the chart; revenue is planned positive, costs positive too."""

    __tablename__ = "account"

    code: str = Field(primary_key=True, max_length=16)
    name: str = Field(max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    group: AccountGroup = Field(max_length=20)
    # Accounts that are not planned (for example internal clearing) stay out of templates.
    plannable: bool = True
