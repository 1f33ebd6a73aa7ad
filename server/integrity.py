"""`planround db check`: the database's invariants, each breach reported in Swedish.

What must always hold: every line belongs to its stored submission and the submission's
totals are the sums of its lines, as are its stored sums per account; stored files match their
checksums; each department's state is where its approval history leads and every step of that
history follows the order; the latest consolidated workbook of every unit, while it is
current, holds exactly the lines of the latest submissions below it.
"""

from __future__ import annotations

import hashlib
import io
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from python_calamine import CalamineWorkbook
from sqlalchemy import func
from sqlmodel import Session, select

from planround.models import (
    Account,
    AccountGroup,
    ApprovalEvent,
    BudgetLine,
    ConsolidatedWorkbook,
    DepartmentStatus,
    OrgUnit,
    PlanningRound,
    Submission,
    SubmissionAccountSum,
    TemplateIssue,
    UnitState,
)
from planround.server.account_sums import AMOUNTS, summed_lines
from planround.server.amounts import to_amount
from planround.server.consolidated_workbook import TEXTS, is_current
from planround.server.consolidation import latest_submission_ids
from planround.server.organisation import departments_below

ZERO = Decimal("0.00")
# Where each action may take a department, given where it was.
ALLOWED = {
    "submit": lambda before, after: before.rank <= UnitState.in_progress.rank and after == UnitState.in_progress,
    "approve": lambda before, after: after.rank == before.rank + 1 and before.rank >= UnitState.in_progress.rank,
    "reject": lambda before, after: before.rank > UnitState.in_progress.rank and after == UnitState.in_progress,
    "withdraw": lambda before, after: before == UnitState.economist_approved and after == UnitState.in_progress,
    "reopen": lambda before, after: after in (UnitState.in_progress, UnitState.not_started),
}


@dataclass(frozen=True)
class Breach:
    """One invariant that does not hold, and where."""

    check: str
    where: str
    message: str


def check_database(session: Session) -> list[Breach]:
    """Run every check and return the breaches found; an empty list means all holds."""
    return [*check_submissions(session), *check_account_sums(session), *check_checksums(session),
            *check_histories(session), *check_consolidated(session)]


def check_submissions(session: Session) -> list[Breach]:
    """Every line matches its submission, and a submission's counts and totals are its lines'."""
    groups = dict(session.exec(select(Account.code, Account.group)).all())
    sums: dict[int, list] = defaultdict(lambda: [0, ZERO, ZERO])
    breaches = []
    rows = session.exec(select(BudgetLine.submission_id, BudgetLine.round_id, BudgetLine.unit_id,
                               BudgetLine.submission_version, BudgetLine.account_code,
                               BudgetLine.annual_amount)).all()
    submissions = {s.id: s for s in session.exec(select(Submission)).all()}
    # The database's own key holds each line to its submission (fk_budget_line_submission, 0011), but only
    # where foreign keys are on: not in a SQLite file written by the sqlite3 shell, whose default is off.
    for submission_id, round_id, unit_id, version, account, amount in rows:
        owner = submissions.get(submission_id)
        if owner is None:
            breaches.append(Breach("lines", f"submission {submission_id}", "en rad pekar på en inlämning som saknas"))
            continue
        if (owner.round_id, owner.unit_id, owner.version) != (round_id, unit_id, version):
            breaches.append(Breach("lines", f"submission {submission_id}",
                                   "en rad pekar på en annan omgång, enhet eller version än sin inlämning"))
        entry = sums[submission_id]
        entry[0] += 1
        entry[1 if AccountGroup(groups[account]).is_revenue else 2] += amount
    for submission in submissions.values():
        count, revenue, cost = sums[submission.id]
        if (count, revenue, cost) != (submission.line_count, submission.total_revenue, submission.total_cost):
            breaches.append(Breach("totals", f"submission {submission.id}",
                                   f"{count} rader, intäkter {revenue}, kostnader {cost} men inlämningen säger "
                                   f"{submission.line_count}, {submission.total_revenue}, {submission.total_cost}"))
    return breaches


def check_account_sums(session: Session) -> list[Breach]:
    """Every submission's stored sums per account are its lines summed per account, to the öre."""
    stored = {(row[0], row[1]): tuple(row[2:]) for row in session.exec(
        select(SubmissionAccountSum.submission_id, SubmissionAccountSum.account_code,
               *(getattr(SubmissionAccountSum, name) for name in AMOUNTS)))}
    summed = {(row[0], row[1]): tuple(row[2:]) for row in session.exec(summed_lines())}
    breaches = []
    for submission_id, account in sorted(stored.keys() | summed.keys()):
        found, expected = stored.get((submission_id, account)), summed.get((submission_id, account))
        if found != expected:
            breaches.append(Breach("account sums", f"submission {submission_id}, konto {account}",
                                   f"lagrade summor {_amounts(found)} men raderna summerar till {_amounts(expected)}"))
    return breaches


def _amounts(sums: tuple | None) -> str:
    """Return a sum row as the annual amount and the months, or say there is none."""
    if sums is None:
        return "saknas"
    return f"{sums[0]} (månader {', '.join(str(m) for m in sums[1:])})"


def check_checksums(session: Session) -> list[Breach]:
    """Every stored file is the file its checksum was taken of."""
    breaches = []
    for kind, model, content in (("submission", Submission, Submission.file_bytes),
                                 ("template", TemplateIssue, TemplateIssue.content),
                                 ("consolidated", ConsolidatedWorkbook, ConsolidatedWorkbook.content)):
        for row_id, checksum, data in session.exec(select(model.id, model.checksum, content)).all():
            if data is not None and hashlib.sha256(data).hexdigest() != checksum:
                breaches.append(Breach("checksum", f"{kind} {row_id}", "filen stämmer inte med sin kontrollsumma"))
    return breaches


def check_histories(session: Session) -> list[Breach]:
    """Every step follows the order, and a department's state is where its history leads."""
    events = defaultdict(list)
    for event in session.exec(select(ApprovalEvent).order_by(ApprovalEvent.id)).all():
        events[(event.round_id, event.unit_id)].append(event)
    breaches = []
    for status in session.exec(select(DepartmentStatus)).all():
        state, where = UnitState.not_started, f"omgång {status.round_id}, enhet {status.unit_id}"
        for event in events[(status.round_id, status.unit_id)]:
            if event.from_state != state or not ALLOWED[event.action](event.from_state, event.to_state):
                breaches.append(Breach("order", where, f"steget {event.action} {event.from_state.value} -> "
                                                       f"{event.to_state.value} följer inte ordningen"))
            state = event.to_state
        if state != status.state:
            breaches.append(Breach("state", where, f"läget är {status.state.value} men historiken leder till "
                                                   f"{state.value}"))
    return breaches


def check_consolidated(session: Session) -> list[Breach]:
    """A unit's latest consolidated workbook, while current, holds the latest lines below it, to the öre."""
    latest = session.exec(
        select(ConsolidatedWorkbook.round_id, ConsolidatedWorkbook.unit_id, func.max(ConsolidatedWorkbook.version))
        .group_by(ConsolidatedWorkbook.round_id, ConsolidatedWorkbook.unit_id)).all()
    breaches = []
    for round_id, unit_id, version in latest:
        book = session.exec(select(ConsolidatedWorkbook).where(
            ConsolidatedWorkbook.round_id == round_id, ConsolidatedWorkbook.unit_id == unit_id,
            ConsolidatedWorkbook.version == version)).one()
        planning_round, unit = session.get(PlanningRound, round_id), session.get(OrgUnit, unit_id)
        if not is_current(session, book, planning_round=planning_round, unit=unit):
            continue  # out of date by design: the next request makes a new version
        expected = stored_total(session, round_id=round_id, unit=unit)
        found = workbook_total(book.content)
        if found != expected:
            breaches.append(Breach("consolidated", f"omgång {round_id}, enhet {unit_id}, version {version}",
                                   f"sammanställningens rader summerar till {found} men de lagrade till {expected}"))
    return breaches


def stored_total(session: Session, *, round_id: int, unit: OrgUnit) -> Decimal:
    """Return the sum of the annual amounts of the latest submissions below a unit."""
    departments = [d.id for d in departments_below(session, unit)]
    total = session.exec(select(func.sum(BudgetLine.annual_amount)).where(
        BudgetLine.submission_id.in_(latest_submission_ids(round_id, departments)))).one()
    return total if total is not None else ZERO


def workbook_total(content: bytes) -> Decimal:
    """Return the sum of the annual amounts in a consolidated workbook's lines sheet."""
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    names = {TEXTS["lines_sheet"]["sv"], TEXTS["lines_sheet"]["en"]}
    sheet = book.get_sheet_by_name(next(n for n in book.sheet_names if n in names))
    rows = sheet.to_python(skip_empty_area=False)
    return sum((to_amount(row[7]) or ZERO for row in rows[1:] if row and row[0] not in ("", None)), ZERO)
