"""Users, their roles scoped to an org unit, and their API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from planround.models.types import utcnow


class Role(str, Enum):
    administrator = "administrator"  # processansvarig verktyg
    economist = "economist"  # avdelningsekonom
    department_head = "department_head"  # avdelningschef
    group_head = "group_head"  # dekan / förvaltningschef
    university = "university"  # ekonomispecialist, total universitetsnivå
    system_admin = "system_admin"  # systemansvarig
    system_owner = "system_owner"  # systemägare (ekonomichef): approves the role structure; no data rights
    superuser = "superuser"  # support; no data rights of its own


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    full_name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=200)
    language: str = Field(default="sv", max_length=2)
    active: bool = True


class RoleAssignment(SQLModel, table=True):
    """A user holds a role on an org unit and, through it, on every unit below."""

    __tablename__ = "role_assignment"
    __table_args__ = (UniqueConstraint("user_id", "role", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    role: Role = Field(max_length=20)
    unit_id: int = Field(foreign_key="org_unit.id", index=True)


class ApiToken(SQLModel, table=True):
    """A bearer token; only its SHA-256 hash is stored."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
