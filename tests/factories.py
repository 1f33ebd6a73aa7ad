"""Plain factory functions for test data: small, explicit, on a real session."""

from __future__ import annotations

import csv
import hashlib
from datetime import date
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, select

from planround.models import (
    Account,
    AccountGroup,
    Activity,
    Actual,
    BudgetLine,
    OrgUnit,
    PlanningRound,
    Role,
    RoleAssignment,
    RoundKind,
    RoundState,
    Submission,
    UnitKind,
    User,
)
from planround.server.account_sums import store_account_sums
from planround.server.demo_data import DEMO_DATA_DIR as DEMO_DATA


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


def make_university_in_round(session: Session) -> dict:
    """The small university with an open round (`round`) and its first department (`dept`), committed."""
    org = make_small_university(session)
    org["round"], org["dept"] = make_round(session), org["departments"][0]
    session.commit()
    return org


def spread_evenly(annual: Decimal) -> list[Decimal]:
    """Twelve months adding up to `annual` exactly; the last month takes the öre left over."""
    month = (annual / 12).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    return [month] * 11 + [annual - month * 11]


def make_submission(session: Session, planning_round: PlanningRound, unit: OrgUnit, user: User,
                    lines: dict[tuple[str, str], Decimal | tuple[Decimal, str]]) -> Submission:
    """Store a department's next version with these (activity, account) lines, as submitted."""
    version = (session.exec(select(func.max(Submission.version)).where(
        Submission.round_id == planning_round.id, Submission.unit_id == unit.id)).one() or 0) + 1
    activities = {a.code: a.id for a in session.exec(select(Activity).where(Activity.unit_id == unit.id))}
    groups = {a.code: AccountGroup(a.group) for a in session.exec(select(Account))}
    amounts = {pair: (v if isinstance(v, tuple) else (v, None)) for pair, v in lines.items()}
    revenue = sum((Decimal(a) for (_, acc), (a, _) in amounts.items() if groups[acc].is_revenue),
                  Decimal("0.00"))
    cost = sum((Decimal(a) for (_, acc), (a, _) in amounts.items() if not groups[acc].is_revenue),
               Decimal("0.00"))
    submission = Submission(round_id=planning_round.id, unit_id=unit.id, version=version, template_version=1,
                            submitted_by_id=user.id, checksum=hashlib.sha256(b"").hexdigest(), file_bytes=b"",
                            line_count=len(lines), total_revenue=revenue, total_cost=cost)
    session.add(submission)
    session.flush()
    for (activity, account), (annual, comment) in amounts.items():
        annual = Decimal(annual)
        months = dict(zip((f"m{n:02d}" for n in range(1, 13)), spread_evenly(annual)))
        session.add(BudgetLine(submission_id=submission.id, round_id=planning_round.id, unit_id=unit.id,
                               submission_version=version, activity_id=activities[activity],
                               account_code=account, distribution_key="even", annual_amount=annual,
                               comment=comment, **months))
    session.flush()
    store_account_sums(session, submission_id=submission.id)
    return submission


def make_actual(session: Session, unit: OrgUnit, activity: str, account: str, period: int,
                amount: Decimal) -> None:
    """Book one ledger actual for a department's activity and account in a period (YYYYMM)."""
    activity_id = session.exec(select(Activity.id).where(Activity.unit_id == unit.id,
                                                         Activity.code == activity)).one()
    session.add(Actual(period=period, unit_id=unit.id, activity_id=activity_id, account_code=account,
                       amount=Decimal(amount)))
    session.flush()


def economist_of_d110() -> str:
    """The economist the shipped users file names for department D110."""
    return holder("economist", "D110")


def holder(role: str, unit: str) -> str:
    """The first user the shipped users file names for a role on a unit."""
    with open(DEMO_DATA / "users.csv", encoding="utf-8-sig") as handle:
        names = sorted(r["username"] for r in csv.DictReader(handle, delimiter=";")
                       if r["role"] == role and r["unit"] == unit)
    return names[0]
