"""The approval climb: economist, department head, group, university, in strict order.

Every step is taken on a department's `DepartmentStatus` row with an optimistic lock (its
revision), so two users acting at once cannot produce a state outside the order: one wins,
the other gets 409. Every step is kept in `ApprovalEvent` and the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from planround.models import (
    ApprovalEvent,
    DepartmentStatus,
    OrgUnit,
    PlanningRound,
    Role,
    RoundKind,
    Submission,
    UnitKind,
    UnitState,
    User,
    utcnow,
)
from planround.server.audit import record
from planround.server.errors import BadRequest, Conflict
from planround.server.organisation import departments_below
from planround.server.rights import acting_roles, raise_forbidden
from planround.server.rounds import require_open

STATE_LABELS = {
    UnitState.not_started: {"sv": "Ej påbörjad", "en": "Not started"},
    UnitState.in_progress: {"sv": "Pågår", "en": "In progress"},
    UnitState.economist_approved: {"sv": "Klarmarkerad av ekonom", "en": "Signed off by the economist"},
    UnitState.head_approved: {"sv": "Godkänd av avdelningschef", "en": "Approved by the department head"},
    UnitState.group_approved: {"sv": "Godkänd av dekan/förvaltningschef", "en": "Approved by the dean/head of administration"},
    UnitState.university_approved: {"sv": "Godkänd av universitetsnivån", "en": "Approved by the university level"},
}


@dataclass(frozen=True)
class DepartmentState:
    """Where one department stands, with who moved it there and when."""

    unit_code: str
    unit_name: str
    parent_code: str | None
    state: UnitState
    changed_at: datetime | None
    changed_by: str | None  # full name
    rejection_reason: str | None

    def label(self, lang: str = "sv") -> str:
        return STATE_LABELS[self.state][lang]


def department_states(session: Session, *, planning_round: PlanningRound,
                      unit: OrgUnit) -> list[DepartmentState]:
    """Return the state of every department at or below `unit`, ordered by code."""
    departments = departments_below(session, unit)
    parents = {u.id: u.code for u in session.exec(select(OrgUnit)).all()}
    rows = session.exec(
        select(DepartmentStatus, User)
        .join(User, User.id == DepartmentStatus.changed_by_id, isouter=True)
        .where(DepartmentStatus.round_id == planning_round.id)
    ).all()
    by_unit = {status.unit_id: (status, user) for status, user in rows}
    states = []
    for department in departments:
        status, user = by_unit.get(department.id, (None, None))
        states.append(DepartmentState(
            unit_code=department.code, unit_name=department.name,
            parent_code=parents.get(department.parent_id),
            state=status.state if status else UnitState.not_started,
            changed_at=status.changed_at if status else None,
            changed_by=user.full_name if user else None,
            rejection_reason=status.rejection_reason if status else None,
        ))
    return states


# --- the climb ------------------------------------------------------------------------------

# Each approval level: who takes it, and the state it takes a department from and to.
@dataclass(frozen=True)
class Level:
    role: Role
    from_state: UnitState
    to_state: UnitState
    label_sv: str


LEVELS = (
    Level(Role.economist, UnitState.in_progress, UnitState.economist_approved, "ekonomens klarmarkering"),
    Level(Role.department_head, UnitState.economist_approved, UnitState.head_approved,
          "avdelningschefens godkännande"),
    Level(Role.group_head, UnitState.head_approved, UnitState.group_approved,
          "dekanens/förvaltningschefens godkännande"),
    Level(Role.university, UnitState.group_approved, UnitState.university_approved,
          "universitetsnivåns godkännande"),
)
LEVEL_BY_ROLE = {level.role: level for level in LEVELS}
LEVEL_BY_FROM = {level.from_state: level for level in LEVELS}
APPROVER_ROLES = {Role.department_head, Role.group_head, Role.university}
EDITABLE = {UnitState.not_started, UnitState.in_progress}


@dataclass(frozen=True)
class Actor:
    """Who takes a step: the user (None for the command line), and the principal of a deputy."""

    user: User | None
    acting_for_id: int | None = None

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user else None


SYSTEM = Actor(None)


@dataclass(frozen=True)
class Transition:
    """One department moved one step."""

    unit_code: str
    action: str
    from_state: UnitState
    to_state: UnitState


def status_row(session: Session, *, planning_round: PlanningRound, unit: OrgUnit) -> DepartmentStatus:
    """Return the department's status row in the round, creating it in `not_started`."""
    status = session.exec(select(DepartmentStatus).where(
        DepartmentStatus.round_id == planning_round.id, DepartmentStatus.unit_id == unit.id)).first()
    if status is None:
        status = DepartmentStatus(round_id=planning_round.id, unit_id=unit.id)
        session.add(status)
        session.flush()
    return status


def require_editable(session: Session, *, planning_round: PlanningRound, unit: OrgUnit) -> DepartmentStatus:
    """Refuse a submission once the economist has signed the department off."""
    status = status_row(session, planning_round=planning_round, unit=unit)
    if status.state not in EDITABLE:
        raise Conflict("locked_for_submission", unit=unit.code, state=STATE_LABELS[status.state]["sv"])
    return status


def mark_submitted(session: Session, *, planning_round: PlanningRound, unit: OrgUnit, user: User,
                   version: int) -> Transition:
    """Record a stored submission: the department is in progress from now on.

    The row's revision is the one read before validation, so a sign-off that lands
    meanwhile makes this step fail instead of being undone.
    """
    status = require_editable(session, planning_round=planning_round, unit=unit)
    return move(session, status, unit=unit, planning_round=planning_round, to=UnitState.in_progress,
                action="submit", actor=Actor(user), comment=f"version {version}")


def move(session: Session, status: DepartmentStatus, *, unit: OrgUnit, planning_round: PlanningRound,
         to: UnitState, action: str, actor: Actor, comment: str | None = None,
         consolidated_version: int | None = None, reason: str | None = None) -> Transition:
    """Take one step on the row, refusing if someone else changed it since it was read."""
    previous = status.state  # read first: the UPDATE below also updates the object in the session
    changed = session.execute(
        update(DepartmentStatus)
        .where(DepartmentStatus.id == status.id, DepartmentStatus.revision == status.revision)
        .values(state=to, revision=status.revision + 1, changed_at=utcnow(),
                changed_by_id=actor.user_id, rejection_reason=reason)
    )
    if changed.rowcount != 1:
        raise Conflict("concurrent_change", unit=unit.code)
    session.add(ApprovalEvent(round_id=planning_round.id, unit_id=unit.id, action=action,
                              from_state=previous, to_state=to, user_id=actor.user_id,
                              acting_for_id=actor.acting_for_id, comment=comment,
                              consolidated_version=consolidated_version))
    record(session, action=f"workflow.{action}", user=actor.user, round_id=planning_round.id,
           unit_id=unit.id, detail={"from": previous.value, "to": to.value, "comment": comment,
                                    "acting_for": actor.acting_for_id})
    session.expire(status)
    return Transition(unit.code, action, previous, to)


def actor_for(session: Session, user: User, role: Role, unit: OrgUnit) -> Actor | None:
    """Return the user as an actor in `role` on the unit (perhaps as a deputy), or None."""
    roles = acting_roles(session, user, unit)
    return Actor(user, roles[role]) if role in roles else None


def approve(session: Session, *, planning_round: PlanningRound, unit: OrgUnit, user: User,
            comment: str | None = None, consolidated_version: int | None = None) -> list[Transition]:
    """Take the next approval step on a department, a group (all its departments) or the total."""
    require_open(planning_round)
    if unit.kind == UnitKind.department:
        steps = [approve_department(session, planning_round=planning_round, unit=unit, user=user,
                                    comment=comment, consolidated_version=consolidated_version)]
    else:
        level = LEVEL_BY_ROLE[Role.university if unit.kind == UnitKind.university else Role.group_head]
        steps = approve_below(session, planning_round=planning_round, unit=unit, user=user, level=level,
                              comment=comment, consolidated_version=consolidated_version)
    return steps


def approve_department(session: Session, *, planning_round: PlanningRound, unit: OrgUnit, user: User,
                       comment: str | None, consolidated_version: int | None) -> Transition:
    """Take the next step on one department, if it is this user's to take."""
    status = status_row(session, planning_round=planning_round, unit=unit)
    roles = acting_roles(session, user, unit)
    level = LEVEL_BY_FROM.get(status.state)
    if not roles.keys() & (APPROVER_ROLES | {Role.economist}):
        raise_forbidden(APPROVER_ROLES | {Role.economist}, unit)
    if level is None:
        code = "nothing_submitted" if status.state == UnitState.not_started else "already_final"
        raise Conflict(code, unit=unit.code, state=STATE_LABELS[status.state]["sv"])
    if level.role == Role.university:
        raise Conflict("university_acts_on_total", unit=unit.code)
    if level.role not in roles:
        raise Conflict("waiting_for_level", unit=unit.code, level=level.label_sv,
                       state=STATE_LABELS[status.state]["sv"])
    check_consolidated_version(session, planning_round=planning_round, unit=unit, sent=consolidated_version)
    return move(session, status, unit=unit, planning_round=planning_round, to=level.to_state,
                action="approve", actor=Actor(user, roles[level.role]), comment=comment,
                consolidated_version=consolidated_version)


def approve_below(session: Session, *, planning_round: PlanningRound, unit: OrgUnit, user: User,
                  level: Level, comment: str | None, consolidated_version: int | None) -> list[Transition]:
    """Approve every department below a group or the university at once, when all are ready."""
    actor = actor_for(session, user, level.role, unit)
    if actor is None:
        raise_forbidden({level.role}, unit)
    # The board (universitetsstyrelsen) decides the budget; forecasts need no board decision.
    if (level.role == Role.university and planning_round.kind == RoundKind.budget
            and planning_round.board_decision_date is None):
        raise Conflict("board_decision_missing", round=planning_round.code)
    departments = departments_below(session, unit)
    statuses = {d.code: status_row(session, planning_round=planning_round, unit=d) for d in departments}
    behind = [code for code, s in statuses.items() if s.state.rank < level.from_state.rank]
    if behind:
        raise Conflict("departments_not_ready", unit=unit.code, count=len(behind),
                       needed=STATE_LABELS[level.from_state]["sv"].lower(), units=", ".join(behind))
    waiting = [d for d in departments if statuses[d.code].state == level.from_state]
    if not waiting:
        raise Conflict("already_final", unit=unit.code, state=STATE_LABELS[level.to_state]["sv"])
    check_consolidated_version(session, planning_round=planning_round, unit=unit, sent=consolidated_version)
    return [move(session, statuses[d.code], unit=d, planning_round=planning_round, to=level.to_state,
                 action="approve", actor=actor, comment=comment, consolidated_version=consolidated_version)
            for d in waiting]


# Which states each approver may send back: what waits for them, and what they approved
# while nobody above has acted yet.
REJECTABLE = {
    Role.department_head: {UnitState.economist_approved, UnitState.head_approved},
    Role.group_head: {UnitState.head_approved, UnitState.group_approved},
    Role.university: {UnitState.group_approved, UnitState.university_approved},
}


def reject(session: Session, *, planning_round: PlanningRound, unit: OrgUnit, user: User,
           comment: str | None) -> Transition:
    """Send a department back to in progress with a reason; every approval at and above is cleared."""
    require_open(planning_round)
    if unit.kind != UnitKind.department:
        raise BadRequest("reject_a_department", unit=unit.code)
    if not (comment or "").strip():
        raise BadRequest("reject_needs_reason")
    roles = acting_roles(session, user, unit)
    if not roles.keys() & REJECTABLE.keys():
        raise_forbidden(set(REJECTABLE), unit)
    status = status_row(session, planning_round=planning_round, unit=unit)
    role = next((r for r in REJECTABLE if r in roles and status.state in REJECTABLE[r]), None)
    if role is None:
        raise Conflict("nothing_to_reject", unit=unit.code, state=STATE_LABELS[status.state]["sv"])
    step = move(session, status, unit=unit, planning_round=planning_round, to=UnitState.in_progress,
                action="reject", actor=Actor(user, roles[role]), comment=comment.strip(),
                reason=comment.strip())
    return step


def withdraw(session: Session, *, planning_round: PlanningRound, unit: OrgUnit, user: User,
             comment: str | None = None) -> Transition:
    """Take back the economist's sign-off, while the department head has not acted."""
    require_open(planning_round)
    actor = actor_for(session, user, Role.economist, unit)
    if actor is None or unit.kind != UnitKind.department:
        raise_forbidden({Role.economist}, unit)
    status = status_row(session, planning_round=planning_round, unit=unit)
    if status.state.rank > UnitState.economist_approved.rank:
        raise Conflict("withdraw_too_late", unit=unit.code, state=STATE_LABELS[status.state]["sv"])
    if status.state != UnitState.economist_approved:
        raise Conflict("nothing_to_withdraw", unit=unit.code, state=STATE_LABELS[status.state]["sv"])
    step = move(session, status, unit=unit, planning_round=planning_round, to=UnitState.in_progress,
                action="withdraw", actor=actor, comment=comment)
    return step


def reopen(session: Session, *, planning_round: PlanningRound, unit: OrgUnit, user: User | None,
           comment: str | None = None) -> Transition:
    """Reopen a department for the economist (process administrator): approvals are cleared."""
    if unit.kind != UnitKind.department:
        raise BadRequest("not_a_department", unit=unit.code)
    status = status_row(session, planning_round=planning_round, unit=unit)
    submitted = session.exec(select(Submission.id).where(
        Submission.round_id == planning_round.id, Submission.unit_id == unit.id)).first()
    target = UnitState.in_progress if submitted else UnitState.not_started
    if status.state == target:
        raise Conflict("already_open", unit=unit.code, state=STATE_LABELS[status.state]["sv"])
    step = move(session, status, unit=unit, planning_round=planning_round, to=target, action="reopen",
                actor=Actor(user) if user else SYSTEM, comment=comment)
    return step


def check_consolidated_version(session: Session, *, planning_round: PlanningRound, unit: OrgUnit,
                               sent: int | None) -> None:
    """Refuse an approval of a consolidated workbook that no longer shows what the unit stands at.

    Any stored version that shows the current state will do: two readers at the same moment
    may each have been given a fresh version of the same content.
    """
    from planround.server.consolidated_workbook import is_current, stored_version  # it reads our states

    if sent is None:
        return
    reviewed = stored_version(session, planning_round=planning_round, unit=unit, version=sent)
    if reviewed is None or not is_current(session, reviewed, planning_round=planning_round, unit=unit):
        raise Conflict("stale_consolidated", unit=unit.code, found=sent)


# --- status of units above departments ------------------------------------------------------

DERIVED_LABELS = {
    "incomplete": {"sv": "Ofullständig", "en": "Incomplete"},
    "ready": {"sv": "Klar för godkännande", "en": "Ready for approval"},
    "approved": {"sv": "Godkänd", "en": "Approved"},
}


@dataclass(frozen=True)
class UnitStatus:
    """The state of a unit: a department's own, or derived from the departments below."""

    unit_code: str
    unit_name: str
    kind: UnitKind
    state: str  # a UnitState value for a department; incomplete, ready or approved above
    label: str
    departments: list[DepartmentState]
    groups: list["UnitStatus"]


def level_of(unit: OrgUnit) -> Level | None:
    """Return the approval level that acts on a unit above departments."""
    if unit.kind == UnitKind.university:
        return LEVEL_BY_ROLE[Role.university]
    if unit.kind.is_group:
        return LEVEL_BY_ROLE[Role.group_head]
    return None


def derived_state(states: list[UnitState], level: Level) -> str:
    """Return approved when all departments passed the level, ready when all reached it."""
    if states and all(s.rank >= level.to_state.rank for s in states):
        return "approved"
    if states and all(s.rank >= level.from_state.rank for s in states):
        return "ready"
    return "incomplete"


def unit_status(session: Session, *, planning_round: PlanningRound, unit: OrgUnit,
                lang: str = "sv", states: list[DepartmentState] | None = None) -> UnitStatus:
    """Return the state of a unit and of every department (and group) below it."""
    states = states if states is not None else department_states(
        session, planning_round=planning_round, unit=unit)
    level = level_of(unit)
    if level is None:
        own = states[0]
        return UnitStatus(unit.code, unit.name, unit.kind, own.state.value, own.label(lang), states, [])
    state = derived_state([s.state for s in states], level)
    groups = []
    if unit.kind == UnitKind.university:
        children = session.exec(select(OrgUnit).where(OrgUnit.parent_id == unit.id).order_by(OrgUnit.code)).all()
        groups = [unit_status(session, planning_round=planning_round, unit=child, lang=lang,
                              states=[s for s in states if s.parent_code == child.code])
                  for child in children]
    return UnitStatus(unit.code, unit.name, unit.kind, state, DERIVED_LABELS[state][lang], states, groups)
