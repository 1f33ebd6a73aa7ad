"""Plain factory functions for test data: small, explicit, on a real session."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlmodel import Session

from planround.models import (
    Account,
    AccountGroup,
    Activity,
    OrgUnit,
    PlanningRound,
    Role,
    RoleAssignment,
    RoundKind,
    RoundState,
    UnitKind,
    User,
)


def make_unit(session: Session, code: str, kind: UnitKind, parent: OrgUnit | None = None, **kw) -> OrgUnit:
    unit = OrgUnit(code=code, name=kw.pop("name", f"Enhet {code}"), kind=kind,
                   parent_id=parent.id if parent else None, **kw)
    session.add(unit)
    session.flush()
    return unit


def make_activity(session: Session, unit: OrgUnit, code: str, category: str = "education") -> Activity:
    activity = Activity(unit_id=unit.id, code=code, name=f"Verksamhet {code}", category=category)
    session.add(activity)
    session.flush()
    return activity


def make_account(session: Session, code: str, group: AccountGroup, name: str | None = None) -> Account:
    account = Account(code=code, name=name or f"Konto {code}", group=group)
    session.add(account)
    session.flush()
    return account


def make_user(session: Session, username: str, *roles: tuple[Role, OrgUnit]) -> User:
    user = User(username=username, full_name=username.replace(".", " ").title())
    session.add(user)
    session.flush()
    for role, unit in roles:
        session.add(RoleAssignment(user_id=user.id, role=role, unit_id=unit.id))
    session.flush()
    return user


def make_round(session: Session, code: str = "budget-2027", *, state: RoundState = RoundState.open,
               kind: RoundKind = RoundKind.budget, fiscal_year: int = 2027) -> PlanningRound:
    planning_round = PlanningRound(
        code=code, name=code.replace("-", " ").title(), kind=kind, fiscal_year=fiscal_year,
        state=state, deadline=date(fiscal_year - 1, 10, 15),
        comment_threshold_pct=Decimal("20"), comment_threshold_amount=Decimal("100000"),
    )
    session.add(planning_round)
    session.flush()
    return planning_round


def make_small_university(session: Session) -> dict:
    """A university with one faculty, the administration and three departments."""
    uni = make_unit(session, "UNI", UnitKind.university, name="Exempeluniversitetet")
    fac = make_unit(session, "FAK1", UnitKind.faculty, uni, name="Fakulteten för exempel")
    adm = make_unit(session, "FORV", UnitKind.administration, uni, name="Förvaltningen")
    d1 = make_unit(session, "D101", UnitKind.department, fac, name="Institutionen för data")
    d2 = make_unit(session, "D102", UnitKind.department, fac, name="Institutionen för matematik")
    d3 = make_unit(session, "D201", UnitKind.department, adm, name="Ekonomiavdelningen")
    for dept in (d1, d2, d3):
        make_activity(session, dept, "UTB", "education")
        make_activity(session, dept, "FOR", "research")
    accounts = [
        make_account(session, "3010", AccountGroup.revenue, "Anslag utbildning"),
        make_account(session, "3110", AccountGroup.revenue, "Avgifter"),
        make_account(session, "4010", AccountGroup.personnel, "Löner"),
        make_account(session, "5010", AccountGroup.premises, "Lokalhyror"),
        make_account(session, "6010", AccountGroup.operating, "Förbrukningsmaterial"),
        make_account(session, "7010", AccountGroup.depreciation, "Avskrivningar"),
    ]
    session.commit()
    return {"uni": uni, "faculty": fac, "admin": adm, "departments": [d1, d2, d3],
            "accounts": accounts}
