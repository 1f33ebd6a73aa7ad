"""Planning rounds: create, open, close, list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session, select

from planround.models import PlanningRound, RoundKind, RoundState, User
from planround.server.audit import record
from planround.server.errors import Conflict, NotFound

ROUND_STATE_LABELS_SV = {RoundState.draft: "utkast", RoundState.open: "öppen", RoundState.closed: "stängd"}


@dataclass(frozen=True)
class RoundCreate:
    code: str
    name: str
    kind: RoundKind
    fiscal_year: int
    deadline: date | None = None
    comment_threshold_pct: Decimal = Decimal("20")
    comment_threshold_amount: Decimal = Decimal("100000")
    lkp_pct: Decimal = Decimal("48.50")  # lönekostnadspålägg on salaries, for a budget's personnel costs
    salary_revision_month: int = 4  # the month (1-12) the year's salary revision takes effect
    salary_revision_pct: Decimal = Decimal("3.00")


def get_round(session: Session, code: str) -> PlanningRound:
    """Return the round with this code, or raise NotFound."""
    # No code holds a NUL, and PostgreSQL refuses one in a query: such a code is simply not there.
    found = None if "\x00" in code else session.exec(select(PlanningRound).where(PlanningRound.code == code)).first()
    if found is None:
        raise NotFound("round_not_found", round=code)
    return found


def list_rounds(session: Session) -> list[PlanningRound]:
    """Return every round, the newest fiscal year first."""
    return list(session.exec(
        select(PlanningRound).order_by(PlanningRound.fiscal_year.desc(), PlanningRound.code)
    ).all())


def create_round(session: Session, *, round_create: RoundCreate, user: User | None) -> PlanningRound:
    """Create a round in draft; its code must be new."""
    if session.exec(select(PlanningRound.id).where(PlanningRound.code == round_create.code)).first():
        raise Conflict("round_exists", round=round_create.code)
    planning_round = PlanningRound(**round_create.__dict__, state=RoundState.draft)
    session.add(planning_round)
    session.flush()
    record(session, action="round.create", user=user, round_id=planning_round.id,
           detail={"code": planning_round.code, "kind": planning_round.kind.value})
    return planning_round


def change_round_state(session: Session, *, planning_round: PlanningRound, target: RoundState,
                       user: User | None, deadline: date | None = None) -> PlanningRound:
    """Open, close or reopen a round; a closed round can be reopened, a draft not closed."""
    allowed = {
        RoundState.draft: {RoundState.open},
        RoundState.open: {RoundState.closed},
        RoundState.closed: {RoundState.open},
    }
    if target not in allowed[planning_round.state]:
        raise Conflict("round_state_change", round=planning_round.code,
                       state=ROUND_STATE_LABELS_SV[planning_round.state],
                       target=ROUND_STATE_LABELS_SV[target])
    previous = planning_round.state
    planning_round.state = target
    if deadline is not None:
        planning_round.deadline = deadline
    session.add(planning_round)
    session.flush()
    record(session, action=f"round.{target.value}", user=user, round_id=planning_round.id,
           detail={"from": previous.value, "to": target.value})
    return planning_round


def require_open(planning_round: PlanningRound) -> None:
    """Raise Conflict unless the round takes submissions now."""
    if planning_round.state != RoundState.open:
        raise Conflict("round_not_open", round=planning_round.code,
                       state=ROUND_STATE_LABELS_SV[planning_round.state])


def record_board_decision(session: Session, *, planning_round: PlanningRound, decided_on: date,
                          reference: str, user: User | None) -> PlanningRound:
    """Record the university board's decision on the budget, which the final approval waits for."""
    planning_round.board_decision_date = decided_on
    planning_round.board_decision_reference = reference.strip()[:100]
    session.add(planning_round)
    session.flush()
    record(session, action="round.board_decision", user=user, round_id=planning_round.id,
           detail={"date": decided_on.isoformat(), "reference": planning_round.board_decision_reference})
    return planning_round
