"""Answers to writes sent with an Idempotency-Key, kept so a retry gets the same answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from planround.models.types import utcnow


class IdempotencyRecord(SQLModel, table=True):
    """One user's key, the request it came with and the answer given; stored with the write itself."""

    __tablename__ = "idempotency_record"
    # A twin of a request still in flight fails on this constraint instead of writing twice.
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id")
    key: str = Field(max_length=255)
    method: str = Field(max_length=10)
    path: str = Field(max_length=1000)
    # SHA-256 of the method, path, query and body (an uploaded workbook's bytes included).
    fingerprint: str = Field(max_length=64)
    status: int
    body: str = Field(sa_column=Column(Text, nullable=False))  # the JSON answer as sent
    created_at: datetime = Field(default_factory=utcnow, index=True)
