"""Who may do what where: a role on a unit holds for every unit below it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from planround.models import Deputy, OrgUnit, Role, RoleAssignment, User
from planround.server.errors import Forbidden
from planround.server.organisation import ancestor_ids, get_university

ROLE_LABELS_SV = {
    Role.administrator: "processansvarig",
    Role.economist: "ekonom",
    Role.department_head: "avdelningschef",
    Role.group_head: "dekan/förvaltningschef",
    Role.university: "universitetsnivå",
    Role.system_admin: "systemansvarig",
    Role.system_owner: "systemägare",
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


def acting_roles(session: Session, user: User, unit: OrgUnit,
                 on: date | None = None) -> dict[Role, int | None]:
    """Return the roles the user may act in on `unit` today: role -> principal's id, or None.

    A role held on a unit holds for every unit below it. A deputy acts in a principal's
    role for the dates the principal named; the principal's id is kept for the history.
    """
    chain = ancestor_ids(session, unit)
    on = on or date.today()
    own = session.exec(select(RoleAssignment.role).where(
        RoleAssignment.user_id == user.id, RoleAssignment.unit_id.in_(chain))).all()
    deputised = session.exec(
        select(RoleAssignment.role, Deputy.principal_id)
        .join(Deputy, Deputy.role_assignment_id == RoleAssignment.id)
        .where(Deputy.deputy_id == user.id, Deputy.valid_from <= on, Deputy.valid_to >= on,
               RoleAssignment.unit_id.in_(chain))
    ).all()
    roles: dict[Role, int | None] = {Role(role): principal for role, principal in deputised}
    roles.update({Role(role): None for role in own})
    return roles


def holds_role(session: Session, user: User, roles: set[Role], unit: OrgUnit) -> bool:
    """Tell whether the user may act in one of `roles` on `unit`, as holder or deputy."""
    return bool(roles & acting_roles(session, user, unit).keys())


def require_role(session: Session, user: User, roles: set[Role], unit: OrgUnit) -> None:
    """Raise Forbidden unless the user holds one of `roles` on `unit` or above it."""
    if not holds_role(session, user, roles, unit):
        raise_forbidden(roles, unit)


def raise_forbidden(roles: set[Role], unit: OrgUnit) -> None:
    """Raise Forbidden naming the roles that would have been needed on the unit."""
    names = " eller ".join(sorted(ROLE_LABELS_SV[r] for r in roles))
    raise Forbidden("forbidden_role", role=names, unit=f"{unit.code} {unit.name}")


def require_administrator(session: Session, user: User) -> None:
    """Raise Forbidden unless the user is the process administrator at the university."""
    university = get_university(session)
    if not holds_role(session, user, {Role.administrator}, university):
        raise Forbidden("forbidden_role", role=ROLE_LABELS_SV[Role.administrator],
                        unit=f"{university.code} {university.name}")


def role_units(session: Session, user: User, on: date | None = None) -> list[tuple[Role, OrgUnit]]:
    """Return every (role, unit) the user may act in today, their own and as a deputy."""
    on = on or date.today()
    own = session.exec(
        select(RoleAssignment.role, OrgUnit).join(OrgUnit, OrgUnit.id == RoleAssignment.unit_id)
        .where(RoleAssignment.user_id == user.id)).all()
    deputised = session.exec(
        select(RoleAssignment.role, OrgUnit).join(OrgUnit, OrgUnit.id == RoleAssignment.unit_id)
        .join(Deputy, Deputy.role_assignment_id == RoleAssignment.id)
        .where(Deputy.deputy_id == user.id, Deputy.valid_from <= on, Deputy.valid_to >= on)).all()
    seen, pairs = set(), []
    for role, unit in [*own, *deputised]:
        if (role, unit.id) not in seen:
            seen.add((role, unit.id))
            pairs.append((Role(role), unit))
    return pairs
