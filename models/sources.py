"""What the source systems without a machine transfer give: Stina's prices and Retendo's staffing.

Stina (student forecasts) has no transfer: the price list per education area is loaded as
data and the economist types expected full-time students (HST) and performance (HPR) into
the budget template; `StudentPlanLine` keeps what was typed with each submission. Retendo
(teaching-staff planning) exports an xlsx that is imported into `StaffingLine`s; courses
are mapped to a department's activities by `CourseActivity`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from planround.models.types import MONEY, utcnow


class PriceList(SQLModel, table=True):
    """The price per full-time student and per performance of one education area in one year."""

    __tablename__ = "price_list"
    __table_args__ = (UniqueConstraint("fiscal_year", "area_code"),)

    id: int | None = Field(default=None, primary_key=True)
    fiscal_year: int = Field(index=True)
    area_code: str = Field(max_length=16)  # utbildningsområde, e.g. HUM
    area_name: str = Field(max_length=200)
    price_per_hst: Decimal = Field(sa_column=Column(MONEY, nullable=False))  # kronor per helårsstudent
    price_per_hpr: Decimal = Field(sa_column=Column(MONEY, nullable=False))  # kronor per helårsprestation
    # The revenue account the area's revenue is budgeted on (anslag utbildning): data, not code.
    account_code: str = Field(foreign_key="account.code", max_length=16)


class CourseActivity(SQLModel, table=True):
    """Which activity of a department a Retendo course code is planned on."""

    __tablename__ = "course_activity"
    __table_args__ = (UniqueConstraint("unit_id", "course_code"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="org_unit.id", index=True)
    course_code: str = Field(max_length=32)
    activity_id: int = Field(foreign_key="activity.id")


class StaffingLine(SQLModel, table=True):
    """One row of a Retendo export: a teacher's planned hours on a course, mapped where possible."""

    __tablename__ = "staffing_line"

    id: int | None = Field(default=None, primary_key=True)
    fiscal_year: int = Field(index=True)
    unit_id: int = Field(foreign_key="org_unit.id", index=True)
    teacher_name: str = Field(max_length=200)
    # The Primula employee the teacher was matched to; None when the row did not map.
    employee_number: str | None = Field(default=None, max_length=32)
    course_code: str = Field(max_length=32)
    retendo_activity: str = Field(max_length=100)  # Retendo's kind of teaching: Föreläsning, Seminarium...
    # The department's activity the course maps to; None when the course has no mapping.
    activity_id: int | None = Field(default=None, foreign_key="activity.id")
    planned_hours: Decimal = Field(sa_column=Column(MONEY, nullable=False))  # hours, two decimals
    share_pct: Decimal = Field(sa_column=Column(MONEY, nullable=False))  # share of full time, percent
    source_file: str = Field(max_length=255)
    source_row: int  # the Excel row of the export, 1-based
    imported_at: datetime = Field(default_factory=utcnow)


class StudentPlanLine(SQLModel, table=True):
    """What the economist typed for one education area in a submission, and the revenue it gives."""

    __tablename__ = "student_plan_line"

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    area_code: str = Field(max_length=16)
    # HST and HPR are counts of full-time equivalents with at most two decimals: exact like money.
    hst: Decimal = Field(sa_column=Column(MONEY, nullable=False))
    hpr: Decimal = Field(sa_column=Column(MONEY, nullable=False))
    price_per_hst: Decimal = Field(sa_column=Column(MONEY, nullable=False))  # as issued in the template
    price_per_hpr: Decimal = Field(sa_column=Column(MONEY, nullable=False))
    revenue: Decimal = Field(sa_column=Column(MONEY, nullable=False))
