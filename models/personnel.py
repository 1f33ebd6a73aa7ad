"""Personnel from Primula (payroll/HR), loaded for budget rounds: employees and their funding."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from planround.models.types import MONEY, utcnow
from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

# Percentages have two decimals, like money: the same exact column type serves both
# (NUMERIC(18, 2); whole hundredths on SQLite).
PERCENT = MONEY


class Employee(SQLModel, table=True):
    """A person on a department's payroll as Primula last reported them."""

    __tablename__ = "employee"

    id: int | None = Field(default=None, primary_key=True)
    employee_number: str = Field(max_length=32, unique=True, index=True)  # anställningsnummer
    name: str = Field(max_length=200)
    unit_id: int = Field(foreign_key="org_unit.id", index=True)  # the department
    position: str = Field(max_length=200)  # befattning
    employment_rate: Decimal = Field(sa_column=Column(PERCENT, nullable=False))  # sysselsättningsgrad, 0-100
    monthly_salary: Decimal = Field(sa_column=Column(MONEY, nullable=False))  # at full time, kronor
    loaded_at: datetime = Field(default_factory=utcnow)  # when a load last created or changed the row


class EmployeeFunding(SQLModel, table=True):
    """The share of an employee's salary paid by one activity; an employee's shares add up to 100."""

    __tablename__ = "employee_funding"
    __table_args__ = (UniqueConstraint("employee_id", "activity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    employee_id: int = Field(foreign_key="employee.id", index=True)
    activity_id: int = Field(foreign_key="activity.id", index=True)
    share_pct: Decimal = Field(sa_column=Column(PERCENT, nullable=False))
