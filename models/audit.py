"""The audit log: who did what, when, to which round and unit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from planround.models.types import utcnow


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: int | None = Field(default=None, foreign_key="user_account.id")
    action: str = Field(max_length=64)
    round_id: int | None = Field(default=None, foreign_key="planning_round.id")
    unit_id: int | None = Field(default=None, foreign_key="org_unit.id")
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
