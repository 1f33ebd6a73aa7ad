"""The demo: a whole budget round on a fictional university, through the real HTTP API.

Loads the shipped reference data and actuals into a fresh SQLite database, opens
"Budget 2027", generates one template per department, fills each as an economist would
(writing into the input cells of the generated xlsx and saving it), submits each over
HTTP to the service on loopback, and prints the departments with their submitted totals.
"""

from __future__ import annotations

import io
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import requests
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries
from sqlmodel import Session, select
from werkzeug.serving import WSGIRequestHandler, make_server

from planround.models import Account, AccountGroup, DistributionKey, OrgUnit, Role, RoundKind, RoundState, User
from planround.server import layout
from planround.server.amounts import format_sek
from planround.server.app import create_app
from planround.server.auth import issue_token
from planround.server.db import make_engine, transaction, upgrade
from planround.server.issuing import issue_templates, write_templates
from planround.server.organisation import departments_below, get_university
from planround.server.reference import holders_of, load_accounts, load_organisation, load_users
from planround.server.rounds import RoundCreate, change_round_state, create_round
from planround.server.settings import Settings
from planround.server.ubw import import_ubw

DEMO_DATA = Path(__file__).parent / "demo_data"
ROUND = RoundCreate(code="budget-2027", name="Budget 2027", kind=RoundKind.budget, fiscal_year=2027,
                    deadline=date(2026, 12, 11))
# How the fictional economists plan next year against last year's actual, per account group.
GROWTH = {AccountGroup.revenue: Decimal("1.04"), AccountGroup.personnel: Decimal("1.035")}
DEFAULT_GROWTH = Decimal("1.02")


def load_demo_reference(session: Session) -> list[str]:
    """Load the shipped organisation, accounts, users and two years of UBW actuals."""
    results = [
        load_organisation(session, organisation_path=DEMO_DATA / "organisation.csv",
                          activities_path=DEMO_DATA / "activities.csv"),
        load_accounts(session, path=DEMO_DATA / "accounts.csv"),
        load_users(session, path=DEMO_DATA / "users.csv"),
        import_ubw(session, path=DEMO_DATA / "ubw_actuals_2025_2026.csv"),
    ]
    return [f"Inläst: {result}" for result in results]


def run_demo(out_dir: Path, *, echo: Callable[[str], Any] = print) -> list[dict[str, Any]]:
    """Run the whole round under `out_dir` and return the submitted totals per department."""
    started = time.perf_counter()
    settings = fresh_settings(out_dir)
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    with transaction(engine) as session:
        for line in load_demo_reference(session):
            echo(line)
        university = get_university(session)
        admin = holders_of(session, Role.administrator, university.code)[0]
        planning_round = create_round(session, round_create=ROUND, user=admin)
        change_round_state(session, planning_round=planning_round, target=RoundState.open, user=admin)
        departments = departments_below(session, university)
        issued = issue_templates(session, planning_round=planning_round, unit_code=None,
                                 secret=settings.secret_key, user=admin)
        tokens = {d.code: issue_token(session, user=economist_of(session, d), days=1) for d in departments}
        groups = account_groups(session)
    write_templates(issued, out_dir=out_dir / "templates", round_code=ROUND.code)
    templates = {t.unit_code: t.content for t in issued}
    echo(f"Omgången {ROUND.name} är öppen; {len(templates)} mallar skapade.")
    with serving(settings) as base_url:
        echo(f"Tjänsten kör på {base_url}")
        show_a_rejected_workbook(base_url, templates, tokens, echo)
        results = [submit_department(base_url, code, templates[code], tokens[code], groups, out_dir)
                   for code in templates]
    print_table(results, echo)
    echo(f"Klart på {time.perf_counter() - started:.1f} s. Filerna ligger under {out_dir}/.")
    engine.dispose()
    return results


def fresh_settings(out_dir: Path) -> Settings:
    """Return settings for an empty SQLite database under `out_dir`, removing an earlier demo."""
    for stale in ("templates", "submitted", "instance"):
        shutil.rmtree(out_dir / stale, ignore_errors=True)
    instance = out_dir / "instance"
    return replace(Settings.from_env({"PLANROUND_INSTANCE_DIR": str(instance)}),
                   database_url=f"sqlite:///{(instance / 'planround.sqlite').resolve()}")


def economist_of(session: Session, unit: OrgUnit) -> User:
    """Return the department's economist (the first by username, where it has several)."""
    return holders_of(session, Role.economist, unit.code)[0]


def account_groups(session: Session) -> dict[str, AccountGroup]:
    """Return the group of every account by its code."""
    return {a.code: a.group for a in session.exec(select(Account)).all()}


class QuietRequestHandler(WSGIRequestHandler):
    """Keep the demo's output to what the round does, not one line per request."""

    def log_request(self, *args, **kwargs) -> None:
        pass


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """Run the service on a free loopback port for the duration of the block."""
    server = make_server("127.0.0.1", 0, create_app(settings), threaded=True,
                         request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/api/v1"
    finally:
        server.shutdown()
        thread.join()


def table_rows(content: bytes) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Yield (worksheet, {column key: cell}) for each data row of the lines table."""
    book = load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:
        table = sheet.tables.get(layout.LINES_TABLE)
        if table is None:
            continue
        first_col, header_row, _last_col, last_row = range_boundaries(table.ref)
        headers = {c.value: c.column for c in sheet[header_row] if c.column >= first_col}
        columns = {col.key: headers[col.header] for col in layout.COLUMNS}
        for row in range(header_row + 1, last_row + 1):
            yield book, {key: sheet.cell(row=row, column=col) for key, col in columns.items()}
        return


def fill_workbook(content: bytes, plan: Callable[[dict[str, Any]], dict[str, Any] | None]) -> bytes:
    """Fill a template like an economist: `plan` gets each row's cells and returns inputs to type."""
    book = None
    for book, cells in table_rows(content):
        inputs = plan(cells) or {}
        for key, value in inputs.items():
            cells[key].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def economist_plan(groups: dict[str, AccountGroup]) -> Callable[[dict[str, Any]], dict[str, Any] | None]:
    """Return the demo economist: last year's actual grown by the group's rate, to the thousand."""
    def plan(cells: dict[str, Any]) -> dict[str, Any] | None:
        last_year, account = cells["last_year"].value, cells["account"].value
        if last_year is None or account is None:
            return None
        group = groups[str(account)]
        growth = GROWTH.get(group, DEFAULT_GROWTH)
        thousands = (Decimal(str(last_year)) * growth / 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        annual = thousands * 1000
        key = layout.KEY_LABELS[_key_for(group)]
        return {"annual": int(annual), "key": key}
    return plan


def _key_for(group: AccountGroup) -> DistributionKey:
    return DistributionKey.salary if group is AccountGroup.personnel else DistributionKey.even


def show_a_rejected_workbook(base_url: str, templates: dict[str, bytes], tokens: dict[str, str],
                             echo: Callable[[str], Any]) -> None:
    """Send one workbook with typing mistakes as a dry run and print the errors the economist gets."""
    code = next(iter(templates))
    mistakes = iter([
        {"annual": "tolv tusen"},
        {"key": "Slumpvis"},
        {"annual": 120000, "key": layout.KEY_LABELS[DistributionKey.own], "m01": 10000},
    ])

    def careless(cells: dict[str, Any]) -> dict[str, Any] | None:
        return next(mistakes, None)

    content = fill_workbook(templates[code], careless)
    answer = post_workbook(base_url, code, content, tokens[code], dry_run=True)
    problems = answer.json().get("errors", [])
    echo(f"Kontroll av en slarvigt ifylld arbetsbok för {code}: HTTP {answer.status_code}, "
         f"{len(problems)} fel, de första:")
    for problem in problems[:4]:
        echo(f"  {problem['sheet']}!{problem['cell']}: {problem['message']}")


def post_workbook(base_url: str, unit_code: str, content: bytes, token: str, *,
                  dry_run: bool = False) -> requests.Response:
    """Send a workbook to the service as an economist would through the add-in."""
    return requests.post(
        f"{base_url}/rounds/{ROUND.code}/units/{unit_code}/submissions",
        params={"dry_run": "1"} if dry_run else None, data=content, timeout=60,
        headers={"Authorization": f"Bearer {token}", "X-Filename": f"{unit_code}.xlsx",
                 "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    )


def submit_department(base_url: str, code: str, template: bytes, token: str,
                      groups: dict[str, AccountGroup], out_dir: Path) -> dict[str, Any]:
    """Fill, save and submit one department's workbook; return the service's summary."""
    content = fill_workbook(template, economist_plan(groups))
    write(out_dir / "submitted" / ROUND.code / f"{code}.xlsx", content)
    answer = post_workbook(base_url, code, content, token)
    if answer.status_code != 201:
        raise RuntimeError(f"{code}: the service refused the demo workbook: {answer.text[:2000]}")
    return answer.json()


def print_table(results: list[dict[str, Any]], echo: Callable[[str], Any]) -> None:
    """Print the departments with their submitted totals, and the university's total."""
    echo(f"\n{'Enhet':<8}{'Version':>8}{'Rader':>7}{'Intäkter':>18}{'Kostnader':>18}{'Resultat':>16}")
    totals = [Decimal(0), Decimal(0), Decimal(0)]
    for r in results:
        figures = [Decimal(r["total_revenue"]), Decimal(r["total_cost"]), Decimal(r["result"])]
        totals = [t + f for t, f in zip(totals, figures)]
        echo(f"{r['unit']:<8}{r['version']:>8}{r['line_count']:>7}"
             + "".join(f"{format_sek(f):>18}" for f in figures[:2]) + f"{format_sek(figures[2]):>16}")
    echo(f"{'Totalt':<23}" + "".join(f"{format_sek(t):>18}" for t in totals[:2]) + f"{format_sek(totals[2]):>16}")


def write(path: Path, content: bytes) -> Path:
    """Write bytes to a file, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path
