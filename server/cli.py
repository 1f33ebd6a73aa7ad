"""The `planround` command: each command does I/O and hands the work to domain functions."""

from __future__ import annotations

import functools
import sys
from contextlib import contextmanager
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import click

from planround.models import RoundKind, RoundState
from planround.server.db import make_engine, transaction, upgrade
from planround.server.errors import PlanroundError
from planround.server.settings import Settings, SettingsError

DEMO_DATA = Path(__file__).parent / "demo_data"


class PlanroundGroup(click.Group):
    """A command group that renders every PlanroundError the same way, in Swedish."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except PlanroundError as error:
            report_error(error)
            sys.exit(1)
        except SettingsError as error:
            click.echo(f"Fel i inställningarna: {error}", err=True)
            sys.exit(2)


def report_error(error: PlanroundError) -> None:
    """Print an error and every problem with its place, one per line, to stderr."""
    click.echo(f"Fel: {error.message('sv')}", err=True)
    for problem in error.problems:
        click.echo(f"  {place(problem)}{problem.to_dict('sv')['message']}", err=True)


def place(problem) -> str:
    """Return where a problem is, as Excel names cells (Budget!F12) or as a file line."""
    if problem.sheet and problem.cell:
        return f"{problem.sheet}!{problem.cell}: "
    if problem.line is not None:
        return f"rad {problem.line}: "
    return f"{problem.sheet}: " if problem.sheet else ""


def settings() -> Settings:
    return Settings.from_env()


def engine():
    return make_engine(settings().database_url)


@click.group(cls=PlanroundGroup)
def main() -> None:
    """planround: budget and forecast rounds with Excel as the user interface."""


# --- database -------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Manage the database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target Alembic revision.")
def db_upgrade(revision: str) -> None:
    """Create or upgrade the schema through the migrations."""
    upgrade(settings().database_url, revision)
    click.echo(f"Databasen är uppgraderad till {revision}.")


@db.command("check")
def db_check() -> None:
    """Verify the database's invariants and report every breach (exit 1 when any)."""
    from planround.server.integrity import check_database

    with transaction(engine()) as session:
        breaches = check_database(session)
    for breach in breaches:
        click.echo(f"{breach.check}: {breach.where}: {breach.message}", err=True)
    if breaches:
        click.echo(f"{len(breaches)} fel hittades.", err=True)
        sys.exit(1)
    click.echo("Databasen är hel: alla kontroller håller.")


@db.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def db_backup(target: Path) -> None:
    """Write a consistent copy of the SQLite database (PostgreSQL: use pg_dump)."""
    from planround.server.backup import backup_database

    click.echo(f"Säkerhetskopian är skriven till {backup_database(settings().database_url, target)}.")


@db.command("restore")
@click.argument("backup", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def db_restore(backup: Path) -> None:
    """Replace the SQLite database with a backup (stop the service first)."""
    from planround.server.backup import restore_database

    click.echo(f"Databasen {restore_database(settings().database_url, backup)} är återställd från {backup}.")


# --- reference data -------------------------------------------------------------------


@main.group()
def load() -> None:
    """Load reference data files: organisation, accounts, users."""


def run_load(loader, **paths: Path) -> None:
    """Run a loader on its files in one transaction and print what it did."""
    with transaction(engine()) as session:
        result = loader(session, **paths)
    click.echo(str(result))


@load.command("organisation")
@click.argument("organisation_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--activities", "activities_file", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The activities file (unit;code;name;category).")
def load_organisation_command(organisation_file: Path, activities_file: Path) -> None:
    """Load the organisation tree and the departments' activities."""
    from planround.server.reference import load_organisation

    run_load(load_organisation, organisation_path=organisation_file, activities_path=activities_file)


@load.command("accounts")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_accounts_command(path: Path) -> None:
    """Load the chart of accounts."""
    from planround.server.reference import load_accounts

    run_load(load_accounts, path=path)


@load.command("users")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--approved-by", metavar="USERNAME",
              help="The system owner who approved the role changes; needed when the file grants or revokes a role.")
def load_users_command(path: Path, approved_by: str | None) -> None:
    """Load users and their roles; role changes are audited with who approved them."""
    from planround.server.reference import load_users

    run_load(load_users, path=path, approved_by=approved_by)


@load.command("personnel")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_personnel_command(path: Path) -> None:
    """Load Primula's personnel for budgets; each department in the file gets exactly its staff."""
    from planround.server.primula import load_personnel

    run_load(load_personnel, path=path)


@load.command("prices")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_prices_command(path: Path) -> None:
    """Load Stina's price list per year and education area (year;area;name;price_per_hst;price_per_hpr;account)."""
    from planround.server.stina import load_price_list

    run_load(load_price_list, path=path)


@load.command("courses")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_courses_command(path: Path) -> None:
    """Load which activity each Retendo course is planned on (unit;course;activity)."""
    from planround.server.retendo import load_course_activities

    run_load(load_course_activities, path=path)


@load.command("demo")
def load_demo_command() -> None:
    """Load the shipped fictional university: organisation, accounts, users and the four sources."""
    from planround.server.demo import load_demo_reference

    with transaction(engine()) as session:
        for line in load_demo_reference(session):
            click.echo(line)


@main.group("import")
def import_group() -> None:
    """Import data from the source systems."""


@import_group.command("ubw")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--from-dir", "from_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Load the newest unprocessed *.csv or *.txt file of this folder, then archive it.")
@click.option("--archive", type=click.Path(file_okay=False, path_type=Path),
              help="Where --from-dir moves a loaded file (default: the folder's archive/).")
@click.option("--quarantine", type=click.Path(dir_okay=False, path_type=Path),
              help="Write bad lines to this CSV report and load the rest, instead of rejecting the file.")
@click.option("--revenue-negative", is_flag=True,
              help="The file books revenue negative, as UBW's credits; store it positive.")
def import_ubw_command(path: Path | None, from_dir: Path | None, archive: Path | None,
                       quarantine: Path | None, revenue_negative: bool) -> None:
    """Load a UBW ledger export of actuals; its periods replace what was loaded before."""
    from planround.server.messages import render
    from planround.server.ubw import import_ubw

    if (path is None) == (from_dir is None):
        raise click.UsageError(render("ubw_source_required"))
    if from_dir is not None and quarantine is not None \
            and quarantine.resolve().parent == from_dir.resolve():
        raise click.UsageError(render("ubw_quarantine_in_folder", directory=from_dir))
    options = {"quarantine": quarantine, "revenue_negative": revenue_negative,
               "progress": terminal_progress()}
    if path is not None:
        run_load(import_ubw, path=path, **options)
    else:
        import_newest_ubw(from_dir, archive or from_dir / "archive", options)


def import_newest_ubw(directory: Path, archive: Path, options: dict) -> None:
    """Load the newest unprocessed ledger file of a folder in one transaction, then archive it."""
    from planround.server.messages import render
    from planround.server.ubw import import_ubw, unprocessed_files

    with stderr_log("planround.ubw") as log:
        waiting = unprocessed_files(directory)
        if not waiting:
            click.echo(render("ubw_nothing_new", directory=directory))
            return
        path = waiting[0]
        if waiting[1:]:
            log.warning(render("ubw_older_left", directory=directory,
                               files=", ".join(older.name for older in waiting[1:])))
        log.info(render("ubw_picked", file=path.name, directory=directory))
        try:
            with transaction(engine()) as session:
                result = import_ubw(session, path=path, **options)
        except Exception as error:
            reason = error.message("sv") if isinstance(error, PlanroundError) else repr(error)
            log.error(render("ubw_left_in_place", file=path.name, directory=directory, reason=reason))
            raise
        click.echo(str(result))
        if result.quarantined:
            log.warning(render("ubw_quarantined", count=result.quarantined, report=result.report))
        archive_loaded(log, path, archive)


def archive_loaded(log, path: Path, archive: Path) -> None:
    """Move a loaded file to the archive; a failure exits 1, though the load itself stands."""
    from planround.server.messages import render
    from planround.server.ubw import archive_file

    try:
        target = archive_file(path, archive)
    except OSError as error:
        log.error(render("ubw_archive_failed", file=path.name, archive=archive,
                         reason=error.strerror or repr(error)))
        sys.exit(1)
    log.info(render("ubw_archived", file=path.name, target=target))


@contextmanager
def stderr_log(name: str):
    """Send a logger's records to stderr, with time and level, while the block runs."""
    import logging

    log = logging.getLogger(name)
    handler = logging.StreamHandler(sys.stderr)  # the stream of this moment: a test's capture too
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        yield log
    finally:
        log.removeHandler(handler)


def terminal_progress():
    """Return a progress bar maker when stderr is a terminal, else None: a log gets no bars."""
    if not sys.stderr.isatty():
        return None
    return functools.partial(click.progressbar, file=sys.stderr)


@import_group.command("retendo")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--year", "fiscal_year", type=int, required=True, help="The fiscal year the staffing plans.")
@click.option("--report", "report", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the rows that do not map to this CSV file.")
def import_retendo_command(path: Path, fiscal_year: int, report: Path | None) -> None:
    """Import Retendo's xlsx export of teaching staff; it replaces the year's staffing of its departments."""
    from planround.server.retendo import import_retendo, write_report

    with transaction(engine()) as session:
        result = import_retendo(session, path=path, fiscal_year=fiscal_year)
    click.echo(str(result))
    for row in result.unmapped:
        click.echo(f"  {row.sheet}!rad {row.row}: {row.teacher}, {row.course}: {row.reason_text()}")
    if report is not None:
        click.echo(f"Rapport: {write_report(result, report)}")


# --- users ----------------------------------------------------------------------------


@main.group()
def users() -> None:
    """Manage users' API tokens and review role changes."""


@users.command("token")
@click.argument("username")
def users_token(username: str) -> None:
    """Print a new API token for a user (only its hash is stored)."""
    from planround.server.auth import get_user, issue_token

    with transaction(engine()) as session:
        token = issue_token(session, user=get_user(session, username), days=settings().token_days)
    click.echo(token)


@users.command("revoke")
@click.argument("username")
def users_revoke(username: str) -> None:
    """Revoke every token of a user (a lost laptop, a person who left)."""
    from planround.server.auth import get_user, revoke_tokens

    with transaction(engine()) as session:
        count = revoke_tokens(session, user=get_user(session, username))
    click.echo(f"{count} token(s) för {username} är spärrade.")


@users.command("role-changes")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="Only changes on or after this date.")
def users_role_changes(since: datetime | None) -> None:
    """List every role granted or revoked, with who approved it (the audit log)."""
    from planround.server.role_changes import GRANTED, role_change_log

    with transaction(engine()) as session:
        changes = role_change_log(session, since=since.replace(tzinfo=timezone.utc) if since else None)
    for change in changes:
        verb = "tilldelad" if change.action == GRANTED else "borttagen"
        click.echo(f"{change.at:%Y-%m-%d %H:%M} {change.username}: {change.role} på {change.unit} {verb}, "
                   f"godkänd av {change.approved_by} (körd av {change.run_by})")
    if not changes:
        click.echo("Inga rolländringar.")


# --- rounds ---------------------------------------------------------------------------


@main.group()
def rounds() -> None:
    """Create, open, close and list planning rounds."""


@rounds.command("create")
@click.argument("code")
@click.option("--name", required=True, help='Shown to users, for example "Budget 2027".')
@click.option("--kind", type=click.Choice([k.value for k in RoundKind]), default="budget", show_default=True,
              help="A budget for next year or a forecast during the year.")
@click.option("--year", "fiscal_year", type=int, required=True, help="The fiscal year planned.")
@click.option("--deadline", type=click.DateTime(formats=["%Y-%m-%d"]), help="Last day to submit.")
@click.option("--comment-threshold-pct", type=Decimal, default=Decimal("20"), show_default=True,
              help="A line needs a comment when it moves this many percent (against last year's actual in a budget, the budget in a forecast)...")
@click.option("--comment-threshold-amount", type=Decimal, default=Decimal("100000"), show_default=True,
              help="...and this many kronor.")
@click.option("--lkp-pct", type=Decimal, default=Decimal("48.50"), show_default=True,
              help="Lönekostnadspålägg (LKP) in percent of salaries, for a budget's personnel costs.")
@click.option("--salary-revision-month", type=click.IntRange(1, 12), default=4, show_default=True,
              help="The month the year's salary revision takes effect.")
@click.option("--salary-revision-pct", type=Decimal, default=Decimal("3.00"), show_default=True,
              help="The salary revision in percent.")
def rounds_create(code, name, kind, fiscal_year, deadline, comment_threshold_pct,
                  comment_threshold_amount, **personnel_rates) -> None:
    """Create a planning round in draft."""
    from planround.server.rounds import RoundCreate, create_round

    with transaction(engine()) as session:
        planning_round = create_round(session, user=None, round_create=RoundCreate(
            code=code, name=name, kind=RoundKind(kind), fiscal_year=fiscal_year,
            deadline=deadline.date() if deadline else None,
            comment_threshold_pct=comment_threshold_pct,
            comment_threshold_amount=comment_threshold_amount, **personnel_rates))
    click.echo(f"Omgången {planning_round.code} ({planning_round.name}) är skapad som utkast.")


@rounds.command("open")
@click.argument("code")
@click.option("--deadline", type=click.DateTime(formats=["%Y-%m-%d"]), help="Set the deadline too.")
def rounds_open(code: str, deadline) -> None:
    """Open a round for submissions."""
    _change_round_state(code, RoundState.open, deadline.date() if deadline else None)


@rounds.command("close")
@click.argument("code")
def rounds_close(code: str) -> None:
    """Close a round: no more submissions."""
    _change_round_state(code, RoundState.closed, None)


def _change_round_state(code: str, target: RoundState, deadline: date | None) -> None:
    from planround.server.rounds import change_round_state, get_round

    with transaction(engine()) as session:
        planning_round = change_round_state(session, planning_round=get_round(session, code),
                                            target=target, user=None, deadline=deadline)
    click.echo(f"Omgången {planning_round.code} är nu {planning_round.state.value}.")


@rounds.command("list")
def rounds_list() -> None:
    """List the planning rounds."""
    from planround.server.rounds import list_rounds

    with transaction(engine()) as session:
        for r in list_rounds(session):
            click.echo(f"{r.code}\t{r.name}\t{r.kind.value}\t{r.fiscal_year}\t{r.state.value}\t{r.deadline or '-'}")


# --- templates and submissions --------------------------------------------------------


@main.group()
def templates() -> None:
    """Generate template workbooks."""


@templates.command("generate")
@click.argument("round_code")
@click.option("--unit", "unit_code", help="Only this department (default: every department).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write <round>/<unit>.xlsx into.")
def templates_generate(round_code: str, unit_code: str | None, out_dir: Path) -> None:
    """Generate a new template version per department and write the files."""
    from planround.server.issuing import issue_templates, write_templates
    from planround.server.rounds import get_round

    with transaction(engine()) as session:
        issued = issue_templates(session, planning_round=get_round(session, round_code),
                                 unit_code=unit_code, secret=settings().secret_key, user=None)
    for path in write_templates(issued, out_dir=out_dir, round_code=round_code):
        click.echo(str(path))


@main.command("submit")
@click.argument("round_code")
@click.argument("unit_code")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--user", "username", required=True, help="The economist submitting.")
@click.option("--dry-run", is_flag=True, help="Only validate; store nothing.")
def submit_command(round_code: str, unit_code: str, path: Path, username: str, dry_run: bool) -> None:
    """Validate a filled workbook and store it as the department's next version."""
    from planround.models import Role
    from planround.server.auth import get_user
    from planround.server.organisation import get_department
    from planround.server.rights import require_role
    from planround.server.rounds import get_round
    from planround.server.submissions import submit_workbook

    with transaction(engine()) as session:
        user, unit = get_user(session, username), get_department(session, unit_code)
        require_role(session, user, {Role.economist}, unit)
        summary = submit_workbook(
            session, planning_round=get_round(session, round_code), unit=unit, user=user,
            content=path.read_bytes(), filename=path.name, secret=settings().secret_key,
            max_cells=settings().max_cells, dry_run=dry_run)
    what = "är giltig (inget sparat)" if dry_run else f"är sparad som version {summary.version}"
    click.echo(f"{unit_code}: arbetsboken {what}: {summary.line_count} rader, "
               f"intäkter {summary.total_revenue}, kostnader {summary.total_cost}, "
               f"resultat {summary.result}.")
    for warning in summary.warnings:
        click.echo(f"  Varning: {warning.to_dict('sv')['message']}")


# --- the approval climb -------------------------------------------------------------------


def workflow_call(round_code: str, unit_code: str, username: str | None, work) -> None:
    """Run one workflow step as a user in one transaction and print the transitions."""
    from planround.server.auth import get_user
    from planround.server.organisation import get_unit
    from planround.server.rounds import get_round

    with transaction(engine()) as session:
        user = get_user(session, username) if username else None
        steps = work(session, get_round(session, round_code), get_unit(session, unit_code), user)
    for step in steps:
        click.echo(f"{step.unit_code}: {step.from_state.value} -> {step.to_state.value} ({step.action})")


@main.command("approve")
@click.argument("round_code")
@click.argument("unit_code")
@click.option("--user", "username", required=True, help="Who approves (their role decides the level).")
@click.option("--comment", help="A comment kept in the history.")
@click.option("--version", "consolidated_version", type=int,
              help="The consolidated workbook version reviewed; refused when a newer one exists.")
def approve_command(round_code, unit_code, username, comment, consolidated_version) -> None:
    """Approve a department, a group's departments or the university total."""
    from planround.server.workflow import approve

    workflow_call(round_code, unit_code, username, lambda s, r, u, user: approve(
        s, planning_round=r, unit=u, user=user, comment=comment, consolidated_version=consolidated_version))


@main.command("reject")
@click.argument("round_code")
@click.argument("unit_code")
@click.option("--user", "username", required=True, help="Who rejects.")
@click.option("--comment", required=True, help="The reason; the economist sees it.")
def reject_command(round_code, unit_code, username, comment) -> None:
    """Send a department back to its economist with a reason."""
    from planround.server.workflow import reject

    workflow_call(round_code, unit_code, username, lambda s, r, u, user: [reject(
        s, planning_round=r, unit=u, user=user, comment=comment)])


@main.command("withdraw")
@click.argument("round_code")
@click.argument("unit_code")
@click.option("--user", "username", required=True, help="The economist.")
def withdraw_command(round_code, unit_code, username) -> None:
    """Take back the economist's sign-off while the department head has not acted."""
    from planround.server.workflow import withdraw

    workflow_call(round_code, unit_code, username, lambda s, r, u, user: [withdraw(
        s, planning_round=r, unit=u, user=user)])


@main.command("reopen")
@click.argument("round_code")
@click.argument("unit_code")
@click.option("--comment", help="Why, kept in the history.")
def reopen_command(round_code, unit_code, comment) -> None:
    """Reopen a department for its economist, clearing its approvals (administrator)."""
    from planround.server.workflow import reopen

    workflow_call(round_code, unit_code, None, lambda s, r, u, user: [reopen(
        s, planning_round=r, unit=u, user=None, comment=comment)])


@main.command("status")
@click.argument("round_code")
@click.argument("unit_code", required=False)
def status_command(round_code: str, unit_code: str | None) -> None:
    """Print the state of a unit (default: the university) and every department below it."""
    from planround.server.organisation import get_unit, get_university
    from planround.server.rounds import get_round
    from planround.server.workflow import unit_status

    with transaction(engine()) as session:
        unit = get_unit(session, unit_code) if unit_code else get_university(session)
        status = unit_status(session, planning_round=get_round(session, round_code), unit=unit)
    click.echo(f"{status.unit_code} {status.unit_name}: {status.label}")
    for group in status.groups:
        click.echo(f"  {group.unit_code} {group.unit_name}: {group.label}")
    for d in status.departments:
        when = f"{d.changed_at:%Y-%m-%d %H:%M}" if d.changed_at else ""
        click.echo(f"    {d.unit_code:<8}{d.label():<45}{d.changed_by or '':<25}{when}")


@main.command("tasks")
@click.option("--user", "username", required=True, help="Whose tasks.")
def tasks_command(username: str) -> None:
    """Print what waits for a user now, overdue first."""
    from planround.server.auth import get_user
    from planround.server.tasks import tasks_for

    with transaction(engine()) as session:
        tasks = tasks_for(session, user=get_user(session, username))
    for t in tasks:
        flag = "FÖRSENAD " if t.overdue else ""
        click.echo(f"{flag}{t.deadline or '-'}\t{t.round_code}\t{t.unit_code}\t{t.message}")
    if not tasks:
        click.echo("Inget väntar på dig just nu.")


@main.command("consolidate")
@click.argument("round_code")
@click.argument("unit_code")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the workbook.")
def consolidate_command(round_code: str, unit_code: str, out_file: Path) -> None:
    """Write a unit's consolidated workbook as things stand (a new version when anything changed)."""
    from planround.server.consolidated_workbook import current_consolidated
    from planround.server.organisation import get_unit
    from planround.server.rounds import get_round

    with transaction(engine()) as session:
        planning_round, unit = get_round(session, round_code), get_unit(session, unit_code)
        workbook = current_consolidated(session, planning_round=planning_round, unit=unit)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_bytes(workbook.content)
    click.echo(f"{out_file} (version {workbook.version})")


@rounds.command("board-decision")
@click.argument("code")
@click.option("--date", "decided_on", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The day the university board decided the budget.")
@click.option("--reference", required=True, help="The decision's reference (diarienummer).")
def rounds_board_decision(code: str, decided_on, reference: str) -> None:
    """Record the university board's decision on the budget."""
    from planround.server.rounds import get_round, record_board_decision

    with transaction(engine()) as session:
        record_board_decision(session, planning_round=get_round(session, code),
                              decided_on=decided_on.date(), reference=reference, user=None)
    click.echo(f"Styrelsebeslutet för {code} är registrerat ({decided_on:%Y-%m-%d}, {reference}).")


@main.command("followup")
@click.argument("round_code")
@click.argument("unit_code")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the workbook.")
@click.option("--through", help="The last month to date, YYYY-MM (default: the latest month with actuals).")
def followup_command(round_code: str, unit_code: str, out_file: Path, through: str | None) -> None:
    """Write a unit's follow-up: actual against budget and forecast, per month and to date."""
    from planround.server.followup import parse_through
    from planround.server.followup_workbook import followup_workbook
    from planround.server.organisation import get_unit
    from planround.server.rounds import get_round

    with transaction(engine()) as session:
        planning_round, unit = get_round(session, round_code), get_unit(session, unit_code)
        content = followup_workbook(session, planning_round=planning_round, unit=unit,
                                    through=parse_through(through, planning_round.fiscal_year))
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_bytes(content)
    click.echo(str(out_file))


# --- the Excel add-in ----------------------------------------------------------------


@main.group()
def addin() -> None:
    """Build the Excel add-in."""


@addin.command("build")
@click.option("--out", "out_file", default="dist/planround.xlam", show_default=True,
              type=click.Path(dir_okay=False, path_type=Path), help="Where to write the add-in.")
def addin_build(out_file: Path) -> None:
    """Write the Excel add-in (.xlam) from addin/vba and addin/ribbon, the same bytes on every build."""
    from planround.addin.build import BuildError, build_addin

    try:
        path = build_addin(out_file)
    except BuildError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{path} ({path.stat().st_size} byte)")


# --- service and demo -----------------------------------------------------------------


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, type=int, help="Requests served at once (waitress).")
@click.option("--production", is_flag=True,
              help="Run under gunicorn with several workers; sets PLANROUND_ENV=production (PostgreSQL, secret key).")
@click.option("--workers", type=click.IntRange(1, 64),
              help="gunicorn worker processes with --production (default: 2 × cores + 1, at most 8).")
@click.option("--bind", help="gunicorn's address with --production, HOST:PORT or unix:PATH (default: --host:--port).")
@click.option("--proxies", type=click.IntRange(0, 5),
              help="Reverse proxies in front whose X-Forwarded-For/-Proto are trusted, with --production (default 1; 0: none).")
def serve(host: str, port: int, threads: int, production: bool, workers: int | None, bind: str | None,
          proxies: int | None) -> None:
    """Run the service with waitress, or gunicorn with --production (upgrades the schema first)."""
    if production:
        serve_production(bind or f"{host}:{port}", workers, 1 if proxies is None else proxies)
        return
    if workers is not None or bind is not None or proxies is not None:
        raise click.UsageError("--workers, --bind och --proxies gäller bara med --production.")
    from waitress import serve as waitress_serve

    from planround.server.app import create_app

    current = settings()
    upgrade(current.database_url)
    click.echo(f"planround lyssnar på http://{host}:{port}/api/v1 (databas: {_safe_url(current.database_url)})")
    waitress_serve(create_app(current), host=host, port=port, threads=threads)


def serve_production(bind: str, workers: int | None, proxies: int) -> None:
    """Check the production settings, then hand over to gunicorn's master process."""
    import os

    if sys.platform == "win32":
        raise click.UsageError("--production kräver gunicorn, som inte finns för Windows.")
    os.environ["PLANROUND_ENV"] = "production"
    current = settings()
    from planround.server.production import default_workers, run_production

    count = workers or default_workers()
    click.echo(f"planround lyssnar på {bind} med {count} processer (databas: {_safe_url(current.database_url)})")
    run_production(current, bind, count, proxies)


def _safe_url(url: str) -> str:
    """Return a database URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@main.command("demo")
@click.option("--out", "out_dir", default="demo_out", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder for the demo's files.")
def demo_command(out_dir: Path) -> None:
    """Run a whole budget round on a fresh SQLite database under the output folder."""
    from planround.server.demo import run_demo

    run_demo(out_dir, echo=click.echo)



def command_reference() -> str:
    """Return the README's command reference, made from the commands' own help."""
    lines: list[str] = []

    def walk(command: click.Command, path: list[str]) -> None:
        if isinstance(command, click.Group):
            for name in sorted(command.commands):
                walk(command.commands[name], [*path, name])
            return
        ctx = click.Context(command, info_name=" ".join(path))
        pieces = command.collect_usage_pieces(ctx)
        lines.append(f"- `{' '.join([*path, *pieces])}`: {command.get_short_help_str(limit=200)}")
        for param in command.params:
            if isinstance(param, click.Option) and param.help:
                lines.append(f"  - `{', '.join(param.opts)}`: {param.help}")

    walk(main, ["planround"])
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
