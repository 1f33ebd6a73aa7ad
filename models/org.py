"""The organisation tree (university, groups, departments) and the activities of departments."""

from __future__ import annotations

from enum import Enum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class UnitKind(str, Enum):
    university = "university"
    faculty = "faculty"  # led by a dean (dekan)
    administration = "administration"  # led by the head of administration (förvaltningschef)
    department = "department"  # avdelning / institution

    @property
    def is_group(self) -> bool:
        return self in (UnitKind.faculty, UnitKind.administration)


class OrgUnit(SQLModel, table=True):
    """A node of the organisation: the university, a group or a department."""

    __tablename__ = "org_unit"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    kind: UnitKind = Field(max_length=20)
    parent_id: int | None = Field(default=None, foreign_key="org_unit.id", index=True)


class Activity(SQLModel, table=True):
    """What a department's money is planned on (verksamhet/aktivitet)."""

    __tablename__ = "activity"
    __table_args__ = (UniqueConstraint("unit_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="org_unit.id", index=True)
    code: str = Field(max_length=32)
    name: str = Field(max_length=200)
    # education, research, commissioned, support, project
    category: str = Field(max_length=20)
