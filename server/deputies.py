"""Deputies: a role holder names someone to act in the role for a period (vacation)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from planround.models import Deputy, OrgUnit, Role, RoleAssignment, User
from planround.server.audit import record
from planround.server.errors import BadRequest, Forbidden
from planround.server.rights import ROLE_LABELS_SV


@dataclass(frozen=True)
class DeputyView:
    principal: str
    deputy: str
    role: Role
    unit_code: str
    valid_from: date
    valid_to: date


def name_deputy(session: Session, *, principal: User, deputy: User, role: Role, unit: OrgUnit,
                valid_from: date, valid_to: date) -> DeputyView:
    """Let `deputy` act in the principal's role on the unit from `valid_from` to `valid_to`."""
    if deputy.id == principal.id:
        raise BadRequest("deputy_self")
    if valid_to < valid_from:
        raise BadRequest("deputy_dates", start=valid_from.isoformat(), end=valid_to.isoformat())
    assignment = session.exec(select(RoleAssignment).where(
        RoleAssignment.user_id == principal.id, RoleAssignment.role == role,
        RoleAssignment.unit_id == unit.id)).first()
    if assignment is None:
        raise Forbidden("deputy_needs_role", role=ROLE_LABELS_SV[role], unit=unit.code)
    session.add(Deputy(principal_id=principal.id, deputy_id=deputy.id, role_assignment_id=assignment.id,
                       valid_from=valid_from, valid_to=valid_to))
    record(session, action="deputy.name", user=principal, unit_id=unit.id,
           detail={"deputy": deputy.username, "role": role.value, "from": valid_from.isoformat(),
                   "to": valid_to.isoformat()})
    session.flush()
    return DeputyView(principal.username, deputy.username, role, unit.code, valid_from, valid_to)


def deputies_of(session: Session, *, user: User) -> list[DeputyView]:
    """Return the deputies the user named and those naming the user, by start date."""
    principal, deputy = User.__table__.alias("principal_user"), User.__table__.alias("deputy_user")
    rows = session.exec(
        select(principal.c.username, deputy.c.username, RoleAssignment.role, OrgUnit.code,
               Deputy.valid_from, Deputy.valid_to)
        .join(principal, principal.c.id == Deputy.principal_id)
        .join(deputy, deputy.c.id == Deputy.deputy_id)
        .join(RoleAssignment, RoleAssignment.id == Deputy.role_assignment_id)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.unit_id)
        .where((Deputy.principal_id == user.id) | (Deputy.deputy_id == user.id))
        .order_by(Deputy.valid_from)
    ).all()
    return [DeputyView(p, d, Role(r), u, f, t) for p, d, r, u, f, t in rows]
