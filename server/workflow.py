"""The approval climb: economist, department head, group, university, in strict order.

Every step is taken on a department's `DepartmentStatus` row with an optimistic lock (its
revision), so two users acting at once cannot produce a state outside the order: one wins,
the other gets 409. Every step is kept in `ApprovalEvent` and the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from planround.models import DepartmentStatus, OrgUnit, PlanningRound, UnitState, User
from planround.server.organisation import departments_below

STATE_LABELS = {
    UnitState.not_started: {"sv": "Ej påbörjad", "en": "Not started"},
    UnitState.in_progress: {"sv": "Pågår", "en": "In progress"},
    UnitState.economist_approved: {"sv": "Klarmarkerad av ekonom", "en": "Signed off by the economist"},
    UnitState.head_approved: {"sv": "Godkänd av avdelningschef", "en": "Approved by the department head"},
    UnitState.group_approved: {"sv": "Godkänd av dekan/förvaltningschef", "en": "Approved by the dean/head of administration"},
    UnitState.university_approved: {"sv": "Godkänd av universitetsnivån", "en": "Approved by the university level"},
}


@dataclass(frozen=True)
class DepartmentState:
    """Where one department stands, with who moved it there and when."""

    unit_code: str
    unit_name: str
    parent_code: str | None
    state: UnitState
    changed_at: datetime | None
    changed_by: str | None  # full name
    rejection_reason: str | None

    def label(self, lang: str = "sv") -> str:
        return STATE_LABELS[self.state][lang]


def department_states(session: Session, *, planning_round: PlanningRound,
                      unit: OrgUnit) -> list[DepartmentState]:
    """Return the state of every department at or below `unit`, ordered by code."""
    departments = departments_below(session, unit)
    parents = {u.id: u.code for u in session.exec(select(OrgUnit)).all()}
    rows = session.exec(
        select(DepartmentStatus, User)
        .join(User, User.id == DepartmentStatus.changed_by_id, isouter=True)
        .where(DepartmentStatus.round_id == planning_round.id)
    ).all()
    by_unit = {status.unit_id: (status, user) for status, user in rows}
    states = []
    for department in departments:
        status, user = by_unit.get(department.id, (None, None))
        states.append(DepartmentState(
            unit_code=department.code, unit_name=department.name,
            parent_code=parents.get(department.parent_id),
            state=status.state if status else UnitState.not_started,
            changed_at=status.changed_at if status else None,
            changed_by=user.full_name if user else None,
            rejection_reason=status.rejection_reason if status else None,
        ))
    return states
