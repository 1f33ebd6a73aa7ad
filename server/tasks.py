"""What waits for a user now, across open rounds, overdue first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from planround.models import OrgUnit, PlanningRound, Role, RoundKind, RoundState, UnitKind, UnitState, User
from planround.server.organisation import get_university
from planround.server.rights import role_units
from planround.server.workflow import DepartmentState, department_states, derived_state, LEVEL_BY_ROLE

TASK_TEXTS = {
    "submit": "Fyll i och lämna in budgetunderlaget",
    "resubmit": "Rätta och lämna in igen efter avslag: {reason}",
    "sign_off": "Granska och klarmarkera",
    "approve": "Granska och godkänn",
    "approve_group": "Godkänn gruppens avdelningar ({count} väntar)",
    "approve_total": "Godkänn universitetets total",
    "record_board_decision": "Registrera universitetsstyrelsens beslut om budgeten",
}


@dataclass(frozen=True)
class Task:
    round_code: str
    round_name: str
    deadline: date | None
    overdue: bool
    unit_code: str
    unit_name: str
    action: str
    message: str


def tasks_for(session: Session, *, user: User, today: date | None = None) -> list[Task]:
    """Return what waits for the user in every open round, overdue first, then by deadline."""
    today = today or date.today()
    grants = role_units(session, user, today)
    if not grants:
        return []
    university = get_university(session)
    rounds = session.exec(select(PlanningRound).where(PlanningRound.state == RoundState.open)).all()
    tasks = []
    for planning_round in rounds:
        states = department_states(session, planning_round=planning_round, unit=university)
        for role, unit in grants:
            tasks += tasks_in(session, planning_round, role, unit, states, today)
    return sorted(set(tasks), key=lambda t: (not t.overdue, t.deadline or date.max, t.round_code, t.unit_code))


def tasks_in(session: Session, planning_round: PlanningRound, role: Role, unit: OrgUnit,
             states: list[DepartmentState], today: date) -> list[Task]:
    """Return the tasks one role on one unit has in one round."""
    below = [s for s in states if unit.kind == UnitKind.university or s.unit_code == unit.code
             or s.parent_code == unit.code]
    make = lambda code, name, action, **p: Task(  # noqa: E731
        planning_round.code, planning_round.name, planning_round.deadline,
        bool(planning_round.deadline and planning_round.deadline < today), code, name, action,
        TASK_TEXTS[action].format(**p))
    if role == Role.economist:
        return [make(s.unit_code, s.unit_name, economist_action(s), reason=s.rejection_reason)
                for s in below if s.state in (UnitState.not_started, UnitState.in_progress)]
    if role == Role.department_head:
        return [make(s.unit_code, s.unit_name, "approve") for s in below
                if s.state == UnitState.economist_approved]
    if role == Role.group_head:
        return group_tasks(session, unit, below, make)
    if role in (Role.university, Role.administrator):
        return total_tasks(planning_round, role, unit, below, make)
    return []


def economist_action(state: DepartmentState) -> str:
    """Return what the economist of a department in progress should do next."""
    if state.state == UnitState.not_started:
        return "submit"
    return "resubmit" if state.rejection_reason else "sign_off"


def group_tasks(session: Session, unit: OrgUnit, below: list[DepartmentState], make) -> list[Task]:
    """Return an approval task per group whose departments are all approved by their heads."""
    groups = [unit] if unit.kind.is_group else session.exec(
        select(OrgUnit).where(OrgUnit.parent_id == unit.id).order_by(OrgUnit.code)).all()
    level, tasks = LEVEL_BY_ROLE[Role.group_head], []
    for group in groups:
        mine = [s for s in below if s.parent_code == group.code]
        waiting = [s for s in mine if s.state == level.from_state]
        if waiting and derived_state([s.state for s in mine], level) == "ready":
            tasks.append(make(group.code, group.name, "approve_group", count=len(waiting)))
    return tasks


def total_tasks(planning_round: PlanningRound, role: Role, unit: OrgUnit, below: list[DepartmentState],
                make) -> list[Task]:
    """Return the university level's final approval, or the administrator's board decision."""
    level = LEVEL_BY_ROLE[Role.university]
    if derived_state([s.state for s in below], level) != "ready":
        return []
    needs_board = planning_round.kind == RoundKind.budget and planning_round.board_decision_date is None
    if role == Role.administrator:
        return [make(unit.code, unit.name, "record_board_decision")] if needs_board else []
    return [] if needs_board else [make(unit.code, unit.name, "approve_total")]
