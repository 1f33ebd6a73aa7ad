"""The approval climb: each department's state in a round, its history, deputies."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from planround.models.types import utcnow


class UnitState(str, Enum):
    """A department's place in the climb, in order; each level acts only on the one below it."""

    not_started = "not_started"
    in_progress = "in_progress"  # at least one valid submission
    economist_approved = "economist_approved"  # the economist's sign-off (klarmarkerad)
    head_approved = "head_approved"  # the department head (avdelningschef)
    group_approved = "group_approved"  # the dean or the head of administration
    university_approved = "university_approved"  # the university level, after the board

    @property
    def rank(self) -> int:
        return list(UnitState).index(self)


class DepartmentStatus(SQLModel, table=True):
    """Where one department stands in one round; one row per round and department."""

    __tablename__ = "department_status"
    __table_args__ = (UniqueConstraint("round_id", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="planning_round.id", index=True)
    unit_id: int = Field(foreign_key="org_unit.id", index=True)
    state: UnitState = Field(default=UnitState.not_started, max_length=24)
    # Bumped on every change, so two users acting at once cannot both win (optimistic lock).
    revision: int = 0
    changed_at: datetime = Field(default_factory=utcnow)
    changed_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    rejection_reason: str | None = Field(default=None, max_length=2000)


class ApprovalEvent(SQLModel, table=True):
    """One step of the climb, kept forever: who acted (for whom), from which state to which."""

    __tablename__ = "approval_event"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="planning_round.id", index=True)
    unit_id: int = Field(foreign_key="org_unit.id", index=True)  # the department
    action: str = Field(max_length=20)  # submit, approve, reject, withdraw, reopen
    from_state: UnitState = Field(max_length=24)
    to_state: UnitState = Field(max_length=24)
    user_id: int | None = Field(default=None, foreign_key="user_account.id")
    acting_for_id: int | None = Field(default=None, foreign_key="user_account.id")  # a deputy's principal
    comment: str | None = Field(default=None, max_length=2000)
    consolidated_version: int | None = None
    at: datetime = Field(default_factory=utcnow, index=True)


class Deputy(SQLModel, table=True):
    """A role holder names a deputy who may act in that role on that unit for a period."""

    __tablename__ = "deputy"

    id: int | None = Field(default=None, primary_key=True)
    principal_id: int = Field(foreign_key="user_account.id", index=True)
    deputy_id: int = Field(foreign_key="user_account.id", index=True)
    role_assignment_id: int = Field(foreign_key="role_assignment.id")
    valid_from: date
    valid_to: date
    created_at: datetime = Field(default_factory=utcnow)


class ConsolidatedWorkbook(SQLModel, table=True):
    """A consolidated workbook of a unit: made anew when what it shows has changed since the last."""

    __tablename__ = "consolidated_workbook"
    __table_args__ = (UniqueConstraint("round_id", "unit_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="planning_round.id", index=True)
    unit_id: int = Field(foreign_key="org_unit.id", index=True)
    version: int
    checksum: str = Field(max_length=64)
    # A fingerprint of what the workbook shows (each department's state revision and latest
    # submission): a stored version is current while the fingerprint still matches.
    basis: str | None = Field(default=None, max_length=64)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
