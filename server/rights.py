"""Who may do what where: a role on a unit holds for every unit below it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from planround.models import OrgUnit, Role, RoleAssignment, User
from planround.server.errors import Forbidden
from planround.server.organisation import ancestor_ids, get_university

ROLE_LABELS_SV = {
    Role.administrator: "processansvarig",
    Role.economist: "ekonom",
    Role.department_head: "avdelningschef",
    Role.group_head: "dekan/förvaltningschef",
    Role.university: "universitetsnivå",
    Role.system_admin: "systemansvarig",
    Role.superuser: "superanvändare",
}


@dataclass(frozen=True)
class Grant:
    role: Role
    unit_code: str
    unit_name: str


def grants_of(session: Session, user: User) -> list[Grant]:
    """Return the user's role assignments with their units."""
    rows = session.exec(
        select(RoleAssignment.role, OrgUnit.code, OrgUnit.name)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.unit_id)
        .where(RoleAssignment.user_id == user.id)
        .order_by(OrgUnit.code, RoleAssignment.role)
    ).all()
    return [Grant(role=Role(r), unit_code=c, unit_name=n) for r, c, n in rows]


def holds_role(session: Session, user: User, roles: set[Role], unit: OrgUnit) -> bool:
    """Tell whether the user holds one of `roles` on `unit` or on a unit above it."""
    chain = ancestor_ids(session, unit)
    found = session.exec(
        select(RoleAssignment.id).where(
            RoleAssignment.user_id == user.id,
            RoleAssignment.role.in_(list(roles)),
            RoleAssignment.unit_id.in_(chain),
        )
    ).first()
    return found is not None


def require_role(session: Session, user: User, roles: set[Role], unit: OrgUnit) -> None:
    """Raise Forbidden unless the user holds one of `roles` on `unit` or above it."""
    if not holds_role(session, user, roles, unit):
        names = " eller ".join(sorted(ROLE_LABELS_SV[r] for r in roles))
        raise Forbidden("forbidden_role", role=names, unit=f"{unit.code} {unit.name}")


def require_administrator(session: Session, user: User) -> None:
    """Raise Forbidden unless the user is the process administrator at the university."""
    university = get_university(session)
    if not holds_role(session, user, {Role.administrator}, university):
        raise Forbidden("forbidden_role", role=ROLE_LABELS_SV[Role.administrator],
                        unit=f"{university.code} {university.name}")
