"""Actuals (utfall) from the ledger, UBW, by period."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from planround.models.types import MONEY


class Actual(SQLModel, table=True):
    __tablename__ = "actual"
    # Covers the sums per unit and account over a year, in the order they are grouped: read from
    # the index alone, in one ordered pass (a year's periods of an account are next to each other).
    __table_args__ = (Index("ix_actual_unit_account_period", "unit_id", "account_code", "period", "amount"),)

    id: int | None = Field(default=None, primary_key=True)
    period: int = Field(index=True)  # YYYYMM
    unit_id: int = Field(foreign_key="org_unit.id")
    activity_id: int = Field(foreign_key="activity.id")
    account_code: str = Field(foreign_key="account.code", max_length=16)
    project: str | None = Field(default=None, max_length=32)
    amount: Decimal = Field(sa_column=Column(MONEY, nullable=False))
