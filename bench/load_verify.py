"""After the load: what the client was told against what the database holds, each breach listed.

Every department's state follows the order (`planround db check`'s own checks, and the API shows
the state the history leads to); every submission answered 2xx is stored whole, exactly once,
and a refused one stored nothing; every approval answered 2xx is in the history exactly once and
a refused one not at all; the consolidated workbooks served over HTTP add up to the stored lines;
no answer was a 5xx and none went missing.
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from decimal import Decimal

from python_calamine import CalamineWorkbook
from sqlalchemy import func
from sqlmodel import Session, select

from bench.load_actors import APPROVAL_KINDS, SUBMIT_KINDS, Request
from planround.models import (
    Account,
    AccountGroup,
    ApprovalEvent,
    BudgetLine,
    DepartmentStatus,
    OrgUnit,
    PlanningRound,
    Submission,
)
from planround.server.amounts import to_amount
from planround.server.consolidated_workbook import TEXTS, group_label, text
from planround.server.consolidation import latest_submission_ids
from planround.server.integrity import Breach, check_database, workbook_total
from planround.server.organisation import departments_below

ZERO = Decimal("0.00")


def verify(session: Session, *, round_code: str, requests: list[Request], api_states: dict[str, str],
           consolidated: dict[str, bytes]) -> list[Breach]:
    """Run every check of the load test; an empty list means everything held."""
    planning_round = session.exec(select(PlanningRound).where(PlanningRound.code == round_code)).one()
    return [*[Breach(f"db check: {b.check}", b.where, b.message) for b in check_database(session)],
            *check_answers(requests),
            *check_submissions(session, planning_round, requests),
            *check_approvals(session, planning_round, requests),
            *check_states(session, planning_round, api_states),
            *check_consolidated(session, planning_round, consolidated)]


def check_answers(requests: list[Request]) -> list[Breach]:
    """Every request got an answer, and none was a server error."""
    breaches = []
    for r in requests:
        if r.kind == "script_error":
            breaches.append(Breach("script", r.actor, f"the load script itself failed: {r.error}"))
        elif r.status is None:
            breaches.append(Breach("answered", f"{r.kind} {r.unit} by {r.actor}", f"no answer: {r.error}"))
        elif r.status >= 500:
            breaches.append(Breach("5xx", f"{r.kind} {r.unit} by {r.actor}", f"HTTP {r.status} {r.error}"))
    return breaches


def codes_by_id(session: Session) -> dict[int, str]:
    return dict(session.exec(select(OrgUnit.id, OrgUnit.code)).all())


def check_submissions(session: Session, planning_round: PlanningRound, requests: list[Request]) -> list[Breach]:
    """Each accepted workbook is stored once, whole; a refused one is not stored; each has its submit step."""
    codes, breaches = codes_by_id(session), []
    stored = defaultdict(dict)
    for submission in session.exec(select(Submission).where(Submission.round_id == planning_round.id)).all():
        stored[codes[submission.unit_id]][submission.version] = submission
    sent = [r for r in requests if r.kind in SUBMIT_KINDS and r.status is not None]
    accepted = [r for r in sent if r.ok]
    for r in accepted:
        where = f"{r.unit} version {r.detail.get('version')}"
        submission = stored[r.unit].get(r.detail.get("version"))
        if submission is None:
            breaches.append(Breach("submission lost", where, "answered 2xx but not stored"))
            continue
        breaches += compare_submission(session, submission, r, where)
    for unit in {r.unit for r in sent} | set(stored):
        answered = Counter(r.detail["checksum"] for r in accepted if r.unit == unit)
        kept = Counter(s.checksum for s in stored[unit].values())
        if answered != kept:
            breaches.append(Breach("submission count", unit, f"{sum(answered.values())} accepted, {len(stored[unit])} "
                                   f"stored; files stored without a 2xx answer: {sorted((kept - answered).keys())}"))
        steps = session.exec(select(ApprovalEvent.comment).where(
            ApprovalEvent.round_id == planning_round.id, ApprovalEvent.action == "submit",
            ApprovalEvent.unit_id == next((i for i, c in codes.items() if c == unit), None))).all()
        if sorted(steps) != sorted(f"version {v}" for v in stored[unit]):
            breaches.append(Breach("submit steps", unit, f"history has {sorted(steps)} for versions {sorted(stored[unit])}"))
    return breaches


def compare_submission(session: Session, submission: Submission, r: Request, where: str) -> list[Breach]:
    """The stored row, its lines and the answer all equal what the client typed."""
    typed = (r.detail["line_count"], Decimal(r.detail["revenue"]), Decimal(r.detail["cost"]))
    breaches = []
    if submission.checksum != r.detail["checksum"]:
        breaches.append(Breach("submission file", where, "the stored file is not the one sent"))
    if (submission.line_count, submission.total_revenue, submission.total_cost) != typed:
        breaches.append(Breach("submission totals", where, f"stored {submission.line_count}, {submission.total_revenue}, "
                               f"{submission.total_cost}; typed {typed}"))
    lines = line_sums(session, select(BudgetLine.id).where(BudgetLine.submission_id == submission.id))
    if lines != typed:
        breaches.append(Breach("submission lines", where, f"stored lines {lines}; typed {typed}"))
    answer = (r.detail.get("answer_line_count"), r.detail.get("answer_revenue"), r.detail.get("answer_cost"))
    if (answer[0], Decimal(answer[1] or "NaN"), Decimal(answer[2] or "NaN")) != typed:
        breaches.append(Breach("submission answer", where, f"answered {answer}; typed {typed}"))
    return breaches


def line_sums(session: Session, line_ids) -> tuple[int, Decimal, Decimal]:
    """Return the count, revenue and cost of the lines whose ids the subquery selects, summed in SQL."""
    rows = session.exec(
        select(Account.group, func.count(BudgetLine.id), func.sum(BudgetLine.annual_amount))
        .join(Account, Account.code == BudgetLine.account_code)
        .where(BudgetLine.id.in_(line_ids)).group_by(Account.group)).all()
    revenue = sum((total for group, _, total in rows if AccountGroup(group).is_revenue), ZERO)
    cost = sum((total for group, _, total in rows if not AccountGroup(group).is_revenue), ZERO)
    return sum(count for _, count, _ in rows), revenue, cost


def check_approvals(session: Session, planning_round: PlanningRound, requests: list[Request]) -> list[Breach]:
    """Each approval answered 2xx is in the history exactly once, a refused one never; nothing else is."""
    codes = codes_by_id(session)
    events = defaultdict(list)
    for event in session.exec(select(ApprovalEvent).where(ApprovalEvent.round_id == planning_round.id,
                                                          ApprovalEvent.action != "submit")).all():
        events[event.comment].append((codes[event.unit_id], event.action, event.from_state.value, event.to_state.value))
    breaches, sent = [], [r for r in requests if r.kind in APPROVAL_KINDS]
    for r in sent:
        found = Counter(events.get(r.detail["comment"], []))
        where = f"{r.kind} {r.unit} by {r.actor} ({r.detail['comment'][:8]})"
        if r.ok:
            told = Counter((t["unit"], t["action"], t["from"], t["to"]) for t in r.detail.get("transitions", []))
            if found != told:
                lost, doubled = told - found, found - told
                breaches.append(Breach("approval", where, f"answered {sum(told.values())} steps; history lost "
                                       f"{sorted(lost.elements())}, doubled or extra {sorted(doubled.elements())}"))
        elif r.status is not None and found:
            breaches.append(Breach("approval", where, f"refused with {r.status} but in the history: {sorted(found)}"))
    known = {r.detail["comment"] for r in sent}
    for comment, steps in events.items():
        if comment not in known:
            breaches.append(Breach("approval", str(comment), f"in the history but never sent: {steps}"))
    return breaches


def check_states(session: Session, planning_round: PlanningRound, api_states: dict[str, str]) -> list[Breach]:
    """The API shows each department in the state the database holds (which `db check` replays)."""
    codes = codes_by_id(session)
    held = {codes[s.unit_id]: s.state.value for s in session.exec(
        select(DepartmentStatus).where(DepartmentStatus.round_id == planning_round.id)).all()}
    return [Breach("state", unit, f"the API shows {shown}, the database holds {held.get(unit, 'not_started')}")
            for unit, shown in sorted(api_states.items()) if held.get(unit, "not_started") != shown]


def check_consolidated(session: Session, planning_round: PlanningRound, consolidated: dict[str, bytes]) -> list[Breach]:
    """Each consolidated workbook's lines and summary totals equal the SQL sums of the latest submissions below."""
    breaches = []
    for unit_code, content in sorted(consolidated.items()):
        unit = session.exec(select(OrgUnit).where(OrgUnit.code == unit_code)).one()
        departments = [d.id for d in departments_below(session, unit)]
        latest = select(BudgetLine.id).where(
            BudgetLine.submission_id.in_(latest_submission_ids(planning_round.id, departments)))
        count, revenue, cost = line_sums(session, latest)
        found = workbook_figures(content)
        if found["summed per department"]:  # a big unit's drill-down: a row per department and account
            count = session.exec(select(func.count()).select_from(
                select(BudgetLine.unit_id, BudgetLine.account_code).where(BudgetLine.id.in_(latest))
                .distinct().subquery())).one()
        expected = {"lines": count, "lines total": revenue + cost, "summary revenue": revenue, "summary costs": cost}
        for name, value in expected.items():
            if found[name] != value:
                breaches.append(Breach("consolidated", f"{unit_code} {name}",
                                       f"the workbook shows {found[name]}, the stored lines sum to {value}"))
    return breaches


def workbook_figures(content: bytes) -> dict[str, object]:
    """Read a consolidated workbook back: its line count and sum, and the summary's revenue and cost totals.

    A drill-down without activities holds a row per department and account, not each line.
    """
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    lines = book.get_sheet_by_name(TEXTS["lines_sheet"]["sv"]).to_python(skip_empty_area=False)
    summary = book.get_sheet_by_name(TEXTS["summary_sheet"]["sv"]).to_python(skip_empty_area=False)
    header = next(row for row in summary if any(str(c).startswith(text("total", "sv") + "\n") for c in row))
    column = next(i for i, c in enumerate(header) if str(c).startswith(text("total", "sv") + "\n"))
    by_label = {row[1]: row[column] for row in summary if len(row) > column and row[1]}
    revenue_label = text("subtotal", "sv", group=group_label(AccountGroup.revenue, "sv").lower())
    rows = [row for row in lines[1:] if row and row[0] not in ("", None)]
    return {"lines": len(rows), "summed per department": bool(rows) and all(row[2] in ("", None) for row in rows),
            "lines total": workbook_total(content),
            "summary revenue": to_amount(by_label.get(revenue_label)) or ZERO,
            "summary costs": to_amount(by_label.get(text("costs", "sv"))) or ZERO}
