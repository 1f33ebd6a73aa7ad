"""Looking up the organisation tree: units by code, ancestors and descendants."""

from __future__ import annotations

from sqlmodel import Session, select

from planround.models import Activity, OrgUnit, UnitKind
from planround.server.errors import BadRequest, NotFound


def get_unit(session: Session, code: str) -> OrgUnit:
    """Return the unit with this code, or raise NotFound."""
    # No code holds a NUL, and PostgreSQL refuses one in a query: such a code is simply not there.
    unit = None if "\x00" in code else session.exec(select(OrgUnit).where(OrgUnit.code == code)).first()
    if unit is None:
        raise NotFound("unit_not_found", unit=code)
    return unit


def get_department(session: Session, code: str) -> OrgUnit:
    """Return the department with this code; other kinds of unit are refused."""
    unit = get_unit(session, code)
    if unit.kind != UnitKind.department:
        raise BadRequest("not_a_department", unit=code)
    return unit


def ancestor_ids(session: Session, unit: OrgUnit) -> list[int]:
    """Return the ids of the unit and every unit above it, nearest first."""
    parents = dict(session.exec(select(OrgUnit.id, OrgUnit.parent_id)).all())
    chain: list[int] = []
    current: int | None = unit.id
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain


def departments_below(session: Session, unit: OrgUnit) -> list[OrgUnit]:
    """Return the departments at or below a unit, ordered by code."""
    units = session.exec(select(OrgUnit)).all()
    children: dict[int | None, list[OrgUnit]] = {}
    for candidate in units:
        children.setdefault(candidate.parent_id, []).append(candidate)
    found, stack = [], [unit]
    while stack:
        current = stack.pop()
        if current.kind == UnitKind.department:
            found.append(current)
        stack.extend(children.get(current.id, []))
    return sorted(found, key=lambda u: u.code)


def activities_of(session: Session, unit: OrgUnit) -> list[Activity]:
    """Return a department's activities ordered by code."""
    return list(
        session.exec(select(Activity).where(Activity.unit_id == unit.id).order_by(Activity.code)).all()
    )


def get_university(session: Session) -> OrgUnit:
    """Return the root of the organisation."""
    university = session.exec(select(OrgUnit).where(OrgUnit.kind == UnitKind.university)).first()
    if university is None:
        raise NotFound("unit_not_found", unit="universitet")
    return university
