"""Planning rounds: list them; the process administrator creates, opens and closes them."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint

from planround.models import PlanningRound, RoundKind, RoundState
from planround.server.errors import BadRequest
from planround.server.rights import require_administrator
from planround.server.rounds import (
    RoundCreate,
    change_round_state,
    create_round,
    get_round,
    list_rounds,
    record_board_decision,
)
from planround.server.web import current_user, db, json_body, parse_date, respond, write_route

bp = Blueprint("rounds", __name__)


def round_view(planning_round: PlanningRound) -> dict[str, Any]:
    """Return the public view of a round."""
    return {
        "code": planning_round.code,
        "name": planning_round.name,
        "kind": planning_round.kind.value,
        "fiscal_year": planning_round.fiscal_year,
        "state": planning_round.state.value,
        "deadline": planning_round.deadline,
        "comment_threshold_pct": planning_round.comment_threshold_pct,
        "comment_threshold_amount": planning_round.comment_threshold_amount,
        "lkp_pct": planning_round.lkp_pct,
        "salary_revision_month": planning_round.salary_revision_month,
        "salary_revision_pct": planning_round.salary_revision_pct,
        "board_decision_date": planning_round.board_decision_date,
        "board_decision_reference": planning_round.board_decision_reference,
    }


@bp.get("/rounds")
def rounds_index():
    """List every planning round."""
    current_user()
    return respond({"rounds": [round_view(r) for r in list_rounds(db())]})


@bp.post("/rounds")
@write_route
def rounds_create():
    """Create a planning round in draft (process administrator)."""
    user = current_user()
    require_administrator(db(), user)
    planning_round = create_round(db(), round_create=parse_round_create(json_body()), user=user)
    return respond(round_view(planning_round), 201)


@bp.get("/rounds/<round_code>")
def rounds_show(round_code: str):
    """Return one planning round."""
    current_user()
    return respond(round_view(get_round(db(), round_code)))


@bp.post("/rounds/<round_code>/open")
@write_route
def rounds_open(round_code: str):
    """Open a round for submissions, optionally setting its deadline (process administrator)."""
    return _change_state(round_code, RoundState.open)


@bp.post("/rounds/<round_code>/close")
@write_route
def rounds_close(round_code: str):
    """Close a round: no more submissions (process administrator)."""
    return _change_state(round_code, RoundState.closed)


def _change_state(round_code: str, target: RoundState):
    user = current_user()
    require_administrator(db(), user)
    body = json_body()
    deadline = parse_date(body, "deadline") if body.get("deadline") else None
    planning_round = change_round_state(db(), planning_round=get_round(db(), round_code),
                                        target=target, user=user, deadline=deadline)
    return respond(round_view(planning_round))


def parse_round_create(body: dict[str, Any]) -> RoundCreate:
    """Turn the JSON body into a RoundCreate, naming the field that is wrong."""
    for name in ("code", "name", "kind", "fiscal_year"):
        if body.get(name) in (None, ""):
            raise BadRequest("invalid_field", field=name, detail="saknas")
    try:
        kind = RoundKind(body["kind"])
    except ValueError:
        raise BadRequest("invalid_field", field="kind", detail="budget eller forecast") from None
    year = body["fiscal_year"]
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise BadRequest("invalid_field", field="fiscal_year", detail="ett årtal, t.ex. 2027")
    code = str(body["code"])
    if not code.replace("-", "").replace("_", "").isalnum() or len(code) > 64:
        raise BadRequest("invalid_field", field="code", detail="bokstäver, siffror och bindestreck")
    extra = {k: _decimal(body, k) for k in ("comment_threshold_pct", "comment_threshold_amount")
             if body.get(k) is not None}
    extra |= _personnel_rates(body)
    return RoundCreate(code=code, name=str(body["name"])[:200], kind=kind, fiscal_year=year,
                       deadline=parse_date(body, "deadline") if body.get("deadline") else None, **extra)


def _decimal(body: dict[str, Any], name: str) -> Decimal:
    try:
        value = Decimal(str(body[name]))
    except InvalidOperation:
        raise BadRequest("invalid_field", field=name, detail="ett tal") from None
    if not value.is_finite() or value < 0:
        raise BadRequest("invalid_field", field=name, detail="ett tal, noll eller större")
    return value


def _personnel_rates(body: dict[str, Any]) -> dict[str, Any]:
    """Return the LKP and salary revision given: percentages 0-100 with two decimals, a month 1-12."""
    rates: dict[str, Any] = {}
    for name in ("lkp_pct", "salary_revision_pct"):
        if body.get(name) is not None:
            rates[name] = _decimal(body, name)
            if rates[name] > 100 or rates[name] != rates[name].quantize(Decimal("0.01")):
                raise BadRequest("invalid_field", field=name, detail="procent 0–100 med högst två decimaler")
    month = body.get("salary_revision_month")
    if month is not None:
        if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
            raise BadRequest("invalid_field", field="salary_revision_month", detail="en månad 1–12")
        rates["salary_revision_month"] = month
    return rates


@bp.post("/rounds/<round_code>/board-decision")
@write_route
def board_decision(round_code: str):
    """Record the university board's decision on the budget: {"date", "reference"} (administrator)."""
    user = current_user()
    require_administrator(db(), user)
    body = json_body()
    if not str(body.get("reference") or "").strip():
        raise BadRequest("invalid_field", field="reference", detail="saknas")
    planning_round = record_board_decision(db(), planning_round=get_round(db(), round_code),
                                           decided_on=parse_date(body, "date"),
                                           reference=str(body["reference"]), user=user)
    return respond(round_view(planning_round))
