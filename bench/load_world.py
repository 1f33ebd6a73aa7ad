"""The load test's university: groups of departments, a role holder at every level, tokens, workbooks.

The organisation and the open round come from `bench.data` (bulk inserts); the people who act
get their roles and tokens here. The workbooks each economist will send are filled before the
clock starts, from templates the administrator generated and the economist downloaded over HTTP,
so the load measures the service and not openpyxl on the client.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import insert, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bench import data
from planround.addin.client import PlanroundClient
from planround.models import AccountGroup, DistributionKey, OrgUnit, Role, RoleAssignment, UnitKind, User
from planround.server import layout
from planround.server.auth import issue_token
from planround.server.filling import fill_template

ACCOUNTS = 10  # per activity; a workbook has ACCOUNTS × ACTIVITIES lines
ACTIVITIES = 2
VALID_VARIANTS = 4  # versions an economist cycles through (a rejection asks for one more)
INVALID_VARIANTS = 2
ADMIN, UNIVERSITY = "admin.load", "univ.load"


@dataclass(frozen=True)
class Workbook:
    """A filled workbook and what the economist typed into it: the lines and their totals."""

    content: bytes
    line_count: int
    revenue: Decimal
    cost: Decimal

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass
class Department:
    """A department, its group, its economist and head, and the workbooks its economist will send."""

    code: str
    group: str
    economist: str
    head: str
    valid: list[Workbook] = field(default_factory=list)
    invalid: list[Workbook] = field(default_factory=list)


@dataclass
class LoadWorld:
    """Everything the actors need: the round, the units, who holds which role, and their tokens."""

    round_code: str
    university: str
    groups: dict[str, str]  # group code -> its dean (or head of administration)
    departments: dict[str, Department]
    heads: dict[str, list[str]]  # department head -> the departments they head
    tokens: dict[str, str]
    revenue_accounts: set[str]

    def client(self, username: str, base_url: str, timeout: float) -> PlanroundClient:
        return PlanroundClient(base_url, self.tokens[username], timeout=timeout)


def build_world(engine: Engine, *, economists: int, approvers: int, groups: int) -> LoadWorld:
    """Build `economists` departments in `groups` groups; `approvers` people: heads, deans, the university."""
    if approvers < groups + 2:
        raise ValueError(f"--approvers must be at least {groups + 2}: a dean per group, the university "
                         f"level and at least one department head")
    org = data.build_organisation(engine, departments=economists, activities=ACTIVITIES, accounts=ACCOUNTS,
                                  one_economist_each=True, per_faculty=math.ceil(economists / groups))
    head_count = approvers - groups - 1
    with Session(engine) as session:
        units = {u.code: u for u in session.exec(select(OrgUnit)).all()}
        group_codes = sorted(c for c, u in units.items() if u.kind == UnitKind.faculty)
        if len(group_codes) > 1:  # the last group is the administration (förvaltningen), led by its head
            session.execute(update(OrgUnit).where(OrgUnit.code == group_codes[-1])
                            .values(kind=UnitKind.administration.value))
        heads = {f"chef.{n:03d}": org.department_codes[n::head_count] for n in range(head_count)}
        deans = {code: f"dekan.{code.lower()}" for code in group_codes}
        grants = [(name, Role.department_head, d) for name, codes in heads.items() for d in codes]
        grants += [(dean, Role.group_head, code) for code, dean in deans.items()]
        grants += [(UNIVERSITY, Role.university, org.university_code), (ADMIN, Role.administrator, org.university_code)]
        add_people(session, grants, units)
        tokens = {user.username: issue_token(session, user=user, days=2) for user in session.exec(select(User)).all()}
        session.commit()
        parents = {u.id: u.code for u in units.values()}
    head_of = {d: name for name, codes in heads.items() for d in codes}
    departments = {code: Department(code, parents[units[code].parent_id], org.economists[code], head_of[code])
                   for code in org.department_codes}
    revenue = {code for code, group in org.accounts if group == AccountGroup.revenue}
    return LoadWorld(org.round_code, org.university_code, deans, departments, heads, tokens, revenue)


def add_people(session: Session, grants: list[tuple[str, Role, str]], units: dict[str, OrgUnit]) -> None:
    """Insert the users named in `grants` and their roles on the units."""
    names = sorted({name for name, _, _ in grants})
    session.execute(insert(User), [{"username": n, "full_name": n, "language": "sv", "active": True} for n in names])
    ids = dict(session.exec(select(User.username, User.id)).all())
    session.execute(insert(RoleAssignment), [{"user_id": ids[name], "role": role.value, "unit_id": units[code].id}
                                             for name, role, code in grants])


# --- the workbooks ---------------------------------------------------------------------------


def prepare_workbooks(world: LoadWorld, base_url: str, timeout: float) -> None:
    """Generate every template (administrator), then let each economist download and fill theirs."""
    world.client(ADMIN, base_url, timeout).generate_templates(world.round_code)
    for department in world.departments.values():
        template = world.client(department.economist, base_url, timeout).template(world.round_code, department.code)
        department.valid = [fill(template, world.revenue_accounts, variant) for variant in range(VALID_VARIANTS)]
        department.invalid = [fill(template, world.revenue_accounts, variant, mistake=True)
                              for variant in range(INVALID_VARIANTS)]


def fill(template: bytes, revenue_accounts: set[str], variant: int, mistake: bool = False) -> Workbook:
    """Fill every prefilled row at last year's actual grown by `variant` percent, in öre; or with mistakes."""
    typed: list[tuple[str, Decimal]] = []

    def plan(cells: dict) -> dict | None:
        last_year, account = cells["last_year"].value, cells["account"].value
        if account is None:
            return None  # a spare row stays empty
        growth = Decimal(100 + variant) / 100
        annual = (Decimal(str(last_year or 50_000)) * growth).quantize(Decimal("0.01")) + Decimal(len(typed)) / 100
        typed.append((str(account), annual))
        if mistake and len(typed) == 1:
            return {"annual": "tolv tusen"}  # a word where an amount belongs
        if mistake and len(typed) == 2:  # "Egna månader" whose months do not add up to the annual amount
            return {"annual": annual, "key": layout.KEY_LABELS[DistributionKey.own], "m01": annual / 2}
        return {"annual": annual, "key": "Jämn"}

    content = fill_template(template, plan)
    revenue = sum((a for code, a in typed if code in revenue_accounts), Decimal("0.00"))
    cost = sum((a for code, a in typed if code not in revenue_accounts), Decimal("0.00"))
    return Workbook(content, len(typed), revenue, cost)
