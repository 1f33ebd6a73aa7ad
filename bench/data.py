"""The benchmark's own data: databases, an organisation, a round, templates, filled workbooks, lines.

Set-up goes through SQL bulk inserts, not the service, so that building 600,000 stored lines
takes seconds; only what a metric times goes through the service's functions.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, SQLModel, select

from planround.models import (
    Account,
    AccountGroup,
    Activity,
    Actual,
    BudgetLine,
    DistributionKey,
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
from planround.server import layout
from planround.server.account_sums import store_account_sums
from planround.server.db import make_engine
from planround.server.filling import fill_template
from planround.server.issuing import issue_template

SECRET = "bench-secret-" + "x" * 32  # templates are signed with it; the gunicorn server gets it too
FISCAL_YEAR = 2027
CHUNK = 10_000  # rows per bulk INSERT statement
# How many of the 40 accounts each group gets: a realistic chart, revenue first.
GROUP_SHARES = ((AccountGroup.revenue, 8), (AccountGroup.personnel, 12), (AccountGroup.premises, 5),
                (AccountGroup.operating, 10), (AccountGroup.depreciation, 3), (AccountGroup.financial, 2))
DEPARTMENTS_PER_FACULTY = 30
PG_URL_ENV = "PLANROUND_BENCH_DATABASE_URL"


# --- databases -----------------------------------------------------------------------------------


def database_url(out_dir: Path, name: str, base: str | None = None) -> str:
    """Return the URL of a fresh, empty database for one scenario: SQLite by default, else PostgreSQL.

    PostgreSQL's server is `base`, or PLANROUND_BENCH_DATABASE_URL when not given.
    """
    base = base or os.environ.get(PG_URL_ENV)
    if not base:
        path = out_dir / f"{name}.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path.resolve()}"
    url = make_url(base)
    fresh = f"{url.database}_bench_{name}"
    _recreate_pg_database(base, fresh)
    return url.set(database=fresh).render_as_string(hide_password=False)


def _recreate_pg_database(base_url: str, name: str) -> None:
    """Drop and create a PostgreSQL database of the benchmark's own, beside the one named."""
    admin = make_engine(base_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def drop_database(url: str, base: str | None = None) -> None:
    """Drop a benchmark database when done (PostgreSQL); SQLite files stay in the output folder."""
    if url.startswith("sqlite"):
        return
    parsed = make_url(url)
    base = base or os.environ[PG_URL_ENV]
    admin = make_engine(base).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


def fresh_engine(url: str) -> Engine:
    """Return an engine on `url` with the models' schema created."""
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    return engine


# --- the organisation ----------------------------------------------------------------------------


@dataclass
class Organisation:
    """What a scenario built: the round, the university, its departments and the economist."""

    round_code: str
    university_code: str
    department_codes: list[str]
    economists: dict[str, str]  # department code -> username of its economist
    accounts: list[tuple[str, AccountGroup]]


def bulk_insert(session: Session, model, rows: list[dict]) -> None:
    """Insert rows with executemany statements of CHUNK rows."""
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(model), rows[start:start + CHUNK])


def account_chart(count: int) -> list[tuple[str, AccountGroup]]:
    """Return `count` account codes spread over the groups like a real chart (40 by default)."""
    groups = [group for group, share in GROUP_SHARES for _ in range(share)]
    picked = [groups[i * len(groups) // count] for i in range(count)]
    first_digit = {AccountGroup.revenue: 3, AccountGroup.personnel: 4, AccountGroup.premises: 5,
                   AccountGroup.operating: 6, AccountGroup.depreciation: 7, AccountGroup.financial: 8}
    return [(f"{first_digit[group]}{n:03d}", group) for n, group in enumerate(picked)]


def build_organisation(engine: Engine, *, departments: int, activities: int | list[int], accounts: int,
                       one_economist_each: bool = False, per_faculty: int = DEPARTMENTS_PER_FACULTY) -> Organisation:
    """Build a university of faculties, `departments` × `activities` (or a count each), accounts, an open round.

    Every (activity, account) gets last year's actual, so templates are prefilled as in real
    life; the round's comment thresholds are set out of reach, so no filled line needs a comment.
    """
    chart = account_chart(accounts)
    with Session(engine) as session:
        bulk_insert(session, Account, [{"code": code, "name": f"Konto {code}", "group": group.value,
                                        "plannable": True} for code, group in chart])
        codes = _insert_units(session, departments, per_faculty)
        ids = _ids(session, OrgUnit, codes)
        counts = activities if isinstance(activities, list) else [activities] * departments
        bulk_insert(session, Activity, [
            {"unit_id": ids[code], "code": f"V{a:04d}", "name": f"Verksamhet {a} vid {code}",
             "category": "education" if a == 0 else "research"}
            for code, count in zip(codes, counts) for a in range(count)])
        _insert_actuals(session, [ids[c] for c in codes], chart)
        _insert_round(session)
        economists = _insert_economists(session, codes, ids, one_economist_each)
        session.commit()
    return Organisation("budget-bench", "UNI", codes, economists, chart)


def _insert_units(session: Session, departments: int, per_faculty: int) -> list[str]:
    """Insert the university, a faculty per `per_faculty` departments and the departments; return their codes."""
    session.execute(insert(OrgUnit), [{"code": "UNI", "name": "Benchuniversitetet", "kind": UnitKind.university.value}])
    uni = _ids(session, OrgUnit, ["UNI"])["UNI"]
    faculties = [f"F{n:02d}" for n in range(1 + (departments - 1) // per_faculty)]
    session.execute(insert(OrgUnit), [{"code": f, "name": f"Fakultet {f}", "kind": UnitKind.faculty.value,
                                       "parent_id": uni} for f in faculties])
    faculty_ids = _ids(session, OrgUnit, faculties)
    codes = [f"D{n:04d}" for n in range(departments)]
    session.execute(insert(OrgUnit), [
        {"code": code, "name": f"Institution {code}", "kind": UnitKind.department.value,
         "parent_id": faculty_ids[faculties[n // per_faculty]]} for n, code in enumerate(codes)])
    return codes


def _ids(session: Session, model, codes: list[str]) -> dict[str, int]:
    """Return the ids of the rows with these codes."""
    wanted = set(codes)
    return {code: id_ for id_, code in session.execute(select(model.id, model.code)) if code in wanted}


def _insert_actuals(session: Session, unit_ids: list[int], chart: list[tuple[str, AccountGroup]]) -> None:
    """Book last year's actual of every (activity, account) in December."""
    rows = []
    for number, (activity_id, unit_id) in enumerate(session.execute(
            select(Activity.id, Activity.unit_id).where(Activity.unit_id.in_(unit_ids)))):
        for offset, (code, _) in enumerate(chart):
            rows.append({"period": (FISCAL_YEAR - 1) * 100 + 12, "unit_id": unit_id, "activity_id": activity_id,
                         "account_code": code, "amount": last_year_amount(number, offset)})
    bulk_insert(session, Actual, rows)


def last_year_amount(number: int, offset: int) -> Decimal:
    """Return a varied, deterministic amount in whole kronor and öre."""
    return Decimal(10_000 + (number * 7919 + offset * 104_729) % 2_000_000) + Decimal((number + offset) % 100) / 100


def _insert_round(session: Session) -> None:
    """Insert the open budget round; thresholds out of reach, so no line needs a comment."""
    # One row, through the model, so the columns' Python defaults apply as the service sets them.
    session.add(PlanningRound(
        code="budget-bench", name="Budget bench", kind=RoundKind.budget, fiscal_year=FISCAL_YEAR,
        state=RoundState.open, deadline=date(FISCAL_YEAR - 1, 10, 15),
        comment_threshold_pct=Decimal("100000"), comment_threshold_amount=Decimal("999999999999"),
    ))
    session.flush()


def _insert_economists(session: Session, codes: list[str], ids: dict[str, int],
                       one_each: bool) -> dict[str, str]:
    """Insert one economist on the university, or one per department (concurrent clients)."""
    usernames = {code: (f"ekonom.{code.lower()}" if one_each else "ekonom.bench") for code in codes}
    session.execute(insert(User), [{"username": name, "full_name": name, "language": "sv", "active": True}
                                   for name in sorted(set(usernames.values()))])
    user_ids = dict(session.execute(select(User.username, User.id)).all())
    university = _ids(session, OrgUnit, ["UNI"])["UNI"]
    session.execute(insert(RoleAssignment), [
        {"user_id": user_ids[name], "role": Role.economist.value, "unit_id": ids[code] if one_each else university}
        for code, name in (usernames.items() if one_each else [("UNI", "ekonom.bench")])])
    return usernames


# --- templates and filled workbooks ------------------------------------------------------------


def load(session: Session, org: Organisation, unit_code: str) -> tuple[PlanningRound, OrgUnit]:
    """Return the round and a unit as the service's functions take them."""
    planning_round = session.exec(select(PlanningRound).where(PlanningRound.code == org.round_code)).one()
    unit = session.exec(select(OrgUnit).where(OrgUnit.code == unit_code)).one()
    return planning_round, unit


def issue_and_fill(engine: Engine, org: Organisation, unit_code: str) -> bytes:
    """Issue the department's template (committed) and return it filled on every prefilled row."""
    with Session(engine, expire_on_commit=False) as session:
        planning_round, unit = load(session, org, unit_code)
        issued = issue_template(session, planning_round=planning_round, unit=unit, secret=SECRET, user=None)
        session.commit()
    return fill_template(issued.content, economist)


def economist(cells: dict) -> dict | None:
    """Plan a row as a busy economist: last year plus 2 %; a tenth typed by month, some commented."""
    last_year, account = cells["last_year"].value, cells["account"].value
    if account is None:
        return None  # a spare row stays empty
    annual = round(float(last_year or 50_000) * 1.02)
    row = cells["annual"].row
    if row % 10 == 0:  # "Egna månader": twelve typed months that add up to the annual amount
        month = annual // 12
        months = {key: month for key in layout.MONTH_KEYS[:-1]}
        return {"annual": annual, "key": layout.KEY_LABELS[DistributionKey.own], **months,
                layout.MONTH_KEYS[-1]: annual - 11 * month}
    plan = {"annual": annual, "key": "Jämn"}
    if row % 20 == 1:
        plan["comment"] = f"Rad {row}: ökad volym enligt verksamhetsplanen"
    return plan



# --- stored lines for consolidation ------------------------------------------------------------


def store_latest_lines(engine: Engine, org: Organisation) -> int:
    """Store one submission per department with a line per (activity, account); return the line count."""
    with Session(engine) as session:
        planning_round, _ = load(session, org, org.university_code)
        user_id = session.exec(select(User.id)).first()
        unit_ids = _ids(session, OrgUnit, org.department_codes)
        session.execute(insert(Submission), [
            {"round_id": planning_round.id, "unit_id": unit_ids[code], "version": 1, "template_version": 1,
             "submitted_by_id": user_id, "checksum": hashlib.sha256(b"").hexdigest(), "file_bytes": b"",
             "line_count": 0, "total_revenue": Decimal("0.00"), "total_cost": Decimal("0.00")}
            for code in org.department_codes])
        submissions = dict(session.execute(select(Submission.unit_id, Submission.id)).all())
        count = _insert_lines(session, planning_round.id, submissions, org.accounts)
        for submission_id in submissions.values():
            store_account_sums(session, submission_id=submission_id)  # as a submission stores them
        session.commit()
    return count


def _insert_lines(session: Session, round_id: int, submissions: dict[int, int],
                  chart: list[tuple[str, AccountGroup]]) -> int:
    """Insert a line per (activity, account) of every department, months spread evenly."""
    spreads: dict[Decimal, dict[str, Decimal]] = {}
    rows = []
    activities = session.execute(select(Activity.id, Activity.unit_id).where(Activity.unit_id.in_(list(submissions))))
    for number, (activity_id, unit_id) in enumerate(activities):
        for offset, (code, _) in enumerate(chart):
            annual = last_year_amount(number % 997, offset)  # a bounded set of amounts: spreads are cached
            months = spreads.get(annual) or spreads.setdefault(annual, _spread(annual))
            rows.append({"submission_id": submissions[unit_id], "round_id": round_id, "unit_id": unit_id,
                         "submission_version": 1, "activity_id": activity_id, "account_code": code,
                         "distribution_key": "even", "annual_amount": annual, "comment": None, **months})
        if len(rows) >= CHUNK:
            bulk_insert(session, BudgetLine, rows)
            rows = []
    bulk_insert(session, BudgetLine, rows)
    return session.execute(select(text("count(*)")).select_from(BudgetLine)).scalar_one()


def _spread(annual: Decimal) -> dict[str, Decimal]:
    """Return twelve months adding up to `annual`; the last takes the öre left over."""
    month = (annual / 12).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    return {**{key: month for key in layout.MONTH_KEYS[:-1]}, layout.MONTH_KEYS[-1]: annual - month * 11}
