"""The demo: a whole planning year on a fictional university, through the real HTTP API.

Loads the shipped reference data and two years of ledger actuals into a fresh SQLite
database and runs "Budget 2027": one template per department, filled as an economist would
(writing into the input cells of the xlsx and saving it), submitted over HTTP to the service
on loopback, signed off and approved up the hierarchy, with one department rejected once
and resubmitted, the board's decision recorded and the total approved. Then the first
quarter's actuals arrive and a forecast round runs the same climb. Consolidated workbooks of
every unit are saved after each round.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from planround.addin.client import PlanroundClient, ServiceError
from planround.models import Account, AccountGroup, OrgUnit, Role, RoundKind
from planround.server.amounts import format_sek
from planround.server.auth import get_user, issue_token
from planround.server.db import make_engine, transaction, upgrade
from planround.server.filling import careless_plan, economist_plan, fill_template
from planround.server.local_server import serving
from planround.server.organisation import departments_below, get_university
from planround.server.primula import load_personnel
from planround.server.reference import holders_of, load_accounts, load_organisation, load_users
from planround.server.retendo import import_retendo, load_course_activities
from planround.server.rounds import RoundCreate
from planround.server.settings import Settings
from planround.server.stina import load_price_list
from planround.server.ubw import import_ubw

DEMO_DATA = Path(__file__).parent / "demo_data"
BUDGET = RoundCreate(code="budget-2027", name="Budget 2027", kind=RoundKind.budget, fiscal_year=2027,
                     deadline=date(2026, 12, 11))
FORECAST = RoundCreate(code="prognos-1-2027", name="Prognos 1 2027", kind=RoundKind.forecast,
                       fiscal_year=2027, deadline=date(2027, 4, 15))
REJECTED = "D120"  # the department the dean sends back once
DEMO_SYSTEM_OWNER = "agnes.godkannare"  # systemägare in users.csv: approves the demo's role structure
FORECAST_COMMENT = "Ej budgeterat; prognosen följer årets utfall"
Echo = Callable[[str], Any]


@dataclass
class Cast:
    """Who plays which part: usernames per department and group, and everyone's client."""

    economist: dict[str, str]
    head: dict[str, str]
    group_head: dict[str, str]
    group_of: dict[str, str]
    university: str
    admin: str
    clients: dict[str, PlanroundClient]

    def as_user(self, username: str) -> PlanroundClient:
        return self.clients[username]


def load_demo_reference(session: Session) -> list[str]:
    """Load the shipped organisation, accounts, users, two years of UBW actuals and the Primula staff."""
    results = [
        load_organisation(session, organisation_path=DEMO_DATA / "organisation.csv",
                          activities_path=DEMO_DATA / "activities.csv"),
        load_accounts(session, path=DEMO_DATA / "accounts.csv"),
        load_users(session, path=DEMO_DATA / "users.csv", approved_by=DEMO_SYSTEM_OWNER),
        import_ubw(session, path=DEMO_DATA / "ubw_actuals_2025_2026.csv"),
        load_personnel(session, path=DEMO_DATA / "personnel.csv"),
        load_price_list(session, path=DEMO_DATA / "price_list_2027.csv"),
        load_course_activities(session, path=DEMO_DATA / "course_activities.csv"),
        import_retendo(session, path=DEMO_DATA / "retendo_2027.xlsx", fiscal_year=BUDGET.fiscal_year),
    ]
    return [f"Inläst: {result}" for result in results]


def run_demo(out_dir: Path, *, echo: Echo = print) -> list[dict[str, Any]]:
    """Run the whole year under `out_dir` and return the budget's submitted totals per department."""
    started = time.perf_counter()
    settings = fresh_settings(out_dir)
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    with transaction(engine) as session:
        for line in load_demo_reference(session):
            echo(line)
        people, groups = cast_of(session), account_groups(session)
    with serving(settings) as base_url:
        echo(f"Tjänsten kör på {base_url}")
        cast = connect(people, base_url, engine)
        results = run_budget_round(cast, groups, out_dir, echo)
        with transaction(engine) as session:
            loaded = import_ubw(session, path=DEMO_DATA / "ubw_actuals_2027_q1.csv")
        echo(f"\nNattens UBW-laddning i april 2027: {loaded}")
        run_forecast_round(cast, out_dir, echo)
    echo(f"\nKlart på {time.perf_counter() - started:.1f} s. Filerna ligger under {out_dir}/.")
    engine.dispose()
    return results


def fresh_settings(out_dir: Path) -> Settings:
    """Return settings for an empty SQLite database under `out_dir`, removing an earlier demo."""
    for stale in ("templates", "submitted", "consolidated", "instance"):
        shutil.rmtree(out_dir / stale, ignore_errors=True)
    instance = out_dir / "instance"
    return replace(Settings.from_env({"PLANROUND_INSTANCE_DIR": str(instance)}),
                   database_url=f"sqlite:///{(instance / 'planround.sqlite').resolve()}")


def cast_of(session: Session) -> dict[str, Any]:
    """Find who holds each part in the loaded users file."""
    university = get_university(session)
    groups = session.exec(select(OrgUnit).where(OrgUnit.parent_id == university.id)).all()
    departments = departments_below(session, university)
    first = lambda role, code: holders_of(session, role, code)[0].username  # noqa: E731
    codes = {u.id: u.code for u in groups}
    return {
        "economist": {d.code: first(Role.economist, d.code) for d in departments},
        "head": {d.code: first(Role.department_head, d.code) for d in departments},
        "group_head": {g.code: first(Role.group_head, g.code) for g in groups},
        "group_of": {d.code: codes[d.parent_id] for d in departments},
        "university": first(Role.university, university.code),
        "admin": first(Role.administrator, university.code),
    }


def connect(people: dict[str, Any], base_url: str, engine) -> Cast:
    """Give everyone in the cast a token and a client of their own."""
    usernames = {people["university"], people["admin"], *people["economist"].values(),
                 *people["head"].values(), *people["group_head"].values()}
    with transaction(engine) as session:
        tokens = {name: issue_token(session, user=get_user(session, name), days=1) for name in usernames}
    return Cast(**people, clients={name: PlanroundClient(base_url, token) for name, token in tokens.items()})


def account_groups(session: Session) -> dict[str, AccountGroup]:
    """Return the group of every account by its code."""
    return {a.code: a.group for a in session.exec(select(Account)).all()}


# --- the budget round ---------------------------------------------------------------------------


def open_round(cast: Cast, planned: RoundCreate, out_dir: Path, echo: Echo) -> dict[str, bytes]:
    """Create and open a round as the administrator, generate its templates and download each."""
    admin = cast.as_user(cast.admin)
    admin.create_round(code=planned.code, name=planned.name, kind=planned.kind.value,
                       fiscal_year=planned.fiscal_year, deadline=planned.deadline.isoformat())
    admin.open_round(planned.code)
    units = [t["unit"] for t in admin.generate_templates(planned.code)]
    echo(f"\n{planned.name} är öppen; {len(units)} mallar skapade.")
    return {u: save(out_dir / "templates" / planned.code / f"{u}.xlsx",
                    cast.as_user(cast.economist[u]).template(planned.code, u)) for u in units}


def submit_all(cast: Cast, planned: RoundCreate, templates: dict[str, bytes], plan, out_dir: Path) -> list[dict]:
    """Fill, save and submit every department's template as its economist; return the summaries."""
    results = []
    for unit, template in templates.items():
        content = save(out_dir / "submitted" / planned.code / f"{unit}.xlsx", fill_template(template, plan))
        results.append(cast.as_user(cast.economist[unit]).submit(planned.code, unit, content,
                                                                 filename=f"{unit}.xlsx"))
    return results


def run_budget_round(cast: Cast, groups: dict[str, AccountGroup], out_dir: Path, echo: Echo) -> list[dict]:
    """Open the budget round, fill and submit every department, climb, save the consolidated books."""
    templates = open_round(cast, BUDGET, out_dir, echo)
    units = list(templates)
    show_a_careless_workbook(cast, units[0], templates[units[0]], echo)
    results = submit_all(cast, BUDGET, templates, economist_plan(groups), out_dir)
    print_totals(results, echo)
    climb(cast, BUDGET.code, units, echo, resubmit=lambda: resubmit(cast, templates[REJECTED], groups))
    save_consolidated(cast, BUDGET.code, units, out_dir, echo)
    print_status(cast.as_user(cast.admin).status(BUDGET.code, "UNI"), echo)
    return results


def run_forecast_round(cast: Cast, out_dir: Path, echo: Echo) -> list[dict]:
    """Run the first forecast of 2027 against the approved budget and the first quarter's actuals."""
    templates = open_round(cast, FORECAST, out_dir, echo)
    results = submit_all(cast, FORECAST, templates, forecast_like_budget, out_dir)
    print_totals(results, echo)
    climb(cast, FORECAST.code, list(templates), echo, board=False)
    save_consolidated(cast, FORECAST.code, list(templates), out_dir, echo)
    print_status(cast.as_user(cast.admin).status(FORECAST.code, "UNI"), echo)
    return results


def forecast_like_budget(cells: dict[str, Any]) -> dict[str, Any] | None:
    """The demo economist forecasts the budget; an unbudgeted line follows the year's actuals."""
    budget, to_date = cells["budget"].value, cells["actual_to_date"].value
    if budget is not None:
        return {"forecast": budget}
    if to_date is None:
        return None
    months = len([c for c in cells if c.startswith("actual_m") and cells[c].value is not None]) or 1
    return {"forecast": round(to_date * 12 / months, 2), "comment": FORECAST_COMMENT}


def show_a_careless_workbook(cast: Cast, unit: str, template: bytes, echo: Echo) -> None:
    """Check a workbook with typing mistakes and print the first errors the economist sees."""
    try:
        cast.as_user(cast.economist[unit]).submit(BUDGET.code, unit, fill_template(template, careless_plan()),
                                                  dry_run=True)
    except ServiceError as refused:
        echo(f"Kontroll av en slarvigt ifylld arbetsbok för {unit}: HTTP {refused.status}, "
             f"{len(refused.errors)} fel, de första:")
        for problem in refused.errors[:4]:
            echo(f"  {problem['sheet']}!{problem['cell']}: {problem['message']}")


def resubmit(cast: Cast, template: bytes, groups: dict[str, AccountGroup]) -> dict[str, Any]:
    """The rejected department's economist plans revenue more carefully and submits again."""
    plan = economist_plan(groups, growth={AccountGroup.revenue: Decimal("1.01")})
    economist = cast.as_user(cast.economist[REJECTED])
    answer = economist.submit(BUDGET.code, REJECTED, fill_template(template, plan), filename=f"{REJECTED}.xlsx")
    economist.act(BUDGET.code, REJECTED, "approve", comment="Intäkterna räknade upp med 1 % i stället för 4 %")
    return answer


def climb(cast: Cast, round_code: str, units: list[str], echo: Echo, *, resubmit=None,
          board: bool = True) -> None:
    """Sign off and approve every department, send one back once, then the groups and the total."""
    for unit in units:
        cast.as_user(cast.economist[unit]).act(round_code, unit, "approve", comment="Klar")
        cast.as_user(cast.head[unit]).act(round_code, unit, "approve")
    echo(f"Alla {len(units)} avdelningar är klarmarkerade och godkända av avdelningscheferna.")
    if resubmit is not None:
        group = cast.group_of[REJECTED]
        reason = "Intäkterna ökar mer än fakultetens ram medger; räkna om och skicka igen."
        cast.as_user(cast.group_head[group]).act(round_code, REJECTED, "reject", comment=reason)
        echo(f"{group} avslog {REJECTED}: {reason}")
        resubmit()
        cast.as_user(cast.head[REJECTED]).act(round_code, REJECTED, "approve")
        echo(f"{REJECTED} har lämnats in igen, klarmarkerats och godkänts av avdelningschefen.")
    for group, username in sorted(cast.group_head.items()):
        client = cast.as_user(username)
        _content, version = client.consolidated(round_code, group)
        client.act(round_code, group, "approve", consolidated_version=version)
        echo(f"{group} godkänd av {username} (sammanställning version {version}).")
    if board:
        cast.as_user(cast.admin).record_board_decision(round_code, "2026-12-17", "US 2026/412")
        echo("Universitetsstyrelsens beslut är registrerat (2026-12-17, US 2026/412).")
    university = cast.as_user(cast.university)
    _content, version = university.consolidated(round_code, "UNI")
    university.act(round_code, "UNI", "approve", consolidated_version=version, comment="Total enligt US beslut")
    echo(f"Universitetsnivån har godkänt totalen (sammanställning version {version}).")


def save_consolidated(cast: Cast, round_code: str, units: list[str], out_dir: Path, echo: Echo) -> None:
    """Download the consolidated workbook of every department, group and the university."""
    reader = cast.as_user(cast.university)
    every = [*units, *sorted(cast.group_head), "UNI"]
    for unit in every:
        content, _version = reader.consolidated(round_code, unit)
        save(out_dir / "consolidated" / round_code / f"{unit}.xlsx", content)
    echo(f"{len(every)} sammanställningar sparade under {out_dir / 'consolidated' / round_code}/.")


def print_totals(results: list[dict[str, Any]], echo: Echo) -> None:
    """Print the departments with their submitted totals, and the university's total."""
    echo(f"\n{'Enhet':<8}{'Version':>8}{'Rader':>7}{'Intäkter':>18}{'Kostnader':>18}{'Resultat':>16}")
    totals = [Decimal(0), Decimal(0), Decimal(0)]
    for r in results:
        figures = [Decimal(r["total_revenue"]), Decimal(r["total_cost"]), Decimal(r["result"])]
        totals = [t + f for t, f in zip(totals, figures)]
        echo(f"{r['unit']:<8}{r['version']:>8}{r['line_count']:>7}"
             + "".join(f"{format_sek(f):>18}" for f in figures[:2]) + f"{format_sek(figures[2]):>16}")
    echo(f"{'Totalt':<23}" + "".join(f"{format_sek(t):>18}" for t in totals[:2]) + f"{format_sek(totals[2]):>16}\n")


def print_status(status: dict[str, Any], echo: Echo) -> None:
    """Print the state of the university, its groups and every department."""
    echo(f"\nStatus {status['unit']} {status['name']}: {status['label']}")
    for group in status["groups"]:
        echo(f"  {group['unit']:<6}{group['name'][:38]:<40}{group['label']}")
        for d in group["departments"]:
            echo(f"      {d['unit']:<6}{d['name'][:38]:<40}{d['label']:<40}{d['changed_by'] or ''}")


def save(path: Path, content: bytes) -> bytes:
    """Write bytes to a file, creating its folder, and return them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return content
