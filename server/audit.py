"""Writing the audit log: every change of state says who, when and what."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from planround.models import AuditEvent, User


def record(session: Session, *, action: str, user: User | None, round_id: int | None = None,
           unit_id: int | None = None, detail: dict[str, Any] | None = None) -> AuditEvent:
    """Add an audit event to the session's transaction, so it lands with the change or not at all."""
    event = AuditEvent(action=action, user_id=user.id if user else None, round_id=round_id,
                       unit_id=unit_id, detail=detail or {})
    session.add(event)
    return event
