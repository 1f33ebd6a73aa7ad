"""The approval climb over HTTP: approve, reject, withdraw, reopen, status, consolidated workbooks."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy.exc import IntegrityError

from planround.server.consolidated_workbook import current_consolidated, latest_consolidated
from planround.server.errors import BadRequest
from planround.server.organisation import get_department, get_unit
from planround.server.rights import require_administrator, require_role
from planround.server.rounds import get_round
from planround.server.web import READERS, current_user, db, json_body, language, respond, write_route, xlsx_response
from planround.server.workflow import approve, reject, reopen, unit_status, withdraw

bp = Blueprint("workflow", __name__)


@bp.post("/rounds/<round_code>/units/<unit_code>/approvals")
@write_route
def approvals_create(round_code: str, unit_code: str):
    """Approve, reject or withdraw on a unit: {"action", "comment", "consolidated_version"}."""
    user = current_user()
    planning_round, unit = get_round(db(), round_code), get_unit(db(), unit_code)
    body = json_body()
    action, comment = body.get("action"), body.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise BadRequest("invalid_field", field="comment", detail="text")
    version = body.get("consolidated_version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        raise BadRequest("invalid_field", field="consolidated_version", detail="ett heltal")
    if action == "approve":
        steps = approve(db(), planning_round=planning_round, unit=unit, user=user, comment=comment,
                        consolidated_version=version)
    elif action == "reject":
        steps = [reject(db(), planning_round=planning_round, unit=unit, user=user, comment=comment)]
    elif action == "withdraw":
        steps = [withdraw(db(), planning_round=planning_round, unit=unit, user=user, comment=comment)]
    else:
        raise BadRequest("invalid_action", action=str(action)[:40])
    return respond({"transitions": [transition_view(s) for s in steps],
                    "status": status_view(planning_round, unit)}, 201)


@bp.post("/rounds/<round_code>/units/<unit_code>/reopen")
@write_route
def reopen_department(round_code: str, unit_code: str):
    """Reopen a department for its economist, clearing its approvals (process administrator)."""
    user = current_user()
    require_administrator(db(), user)
    planning_round, unit = get_round(db(), round_code), get_department(db(), unit_code)
    step = reopen(db(), planning_round=planning_round, unit=unit, user=user,
                  comment=json_body().get("comment"))
    return respond({"transitions": [transition_view(step)], "status": status_view(planning_round, unit)}, 201)


@bp.get("/rounds/<round_code>/units/<unit_code>/status")
def status_show(round_code: str, unit_code: str):
    """Return the state of the unit and every unit below it, with who and when."""
    user = current_user()
    planning_round, unit = get_round(db(), round_code), get_unit(db(), unit_code)
    require_role(db(), user, READERS, unit)
    return respond(status_view(planning_round, unit))


@bp.get("/rounds/<round_code>/units/<unit_code>/consolidated")
def consolidated_download(round_code: str, unit_code: str):
    """Download the unit's consolidated workbook as things stand; its version is in the X-Version header."""
    user = current_user()
    planning_round, unit = get_round(db(), round_code), get_unit(db(), unit_code)
    require_role(db(), user, READERS, unit)
    try:
        workbook = current_consolidated(db(), planning_round=planning_round, unit=unit)
        db().commit()
    except IntegrityError:
        # Another reader stored the same new version a moment ago: it shows the same, serve theirs.
        db().rollback()
        workbook = latest_consolidated(db(), planning_round=planning_round, unit=unit)
    response = xlsx_response(workbook.content, f"{round_code}_{unit.code}_sammanstallning_v{workbook.version}.xlsx")
    response.headers["X-Version"] = str(workbook.version)
    return response


def transition_view(step) -> dict[str, Any]:
    return {"unit": step.unit_code, "action": step.action, "from": step.from_state.value,
            "to": step.to_state.value}


def status_view(planning_round, unit) -> dict[str, Any]:
    """Return the public view of a unit's status and everything below it."""
    status = unit_status(db(), planning_round=planning_round, unit=unit, lang=language())
    return _status_dict(status, language())


def _status_dict(status, lang: str) -> dict[str, Any]:
    return {
        "unit": status.unit_code, "name": status.unit_name, "kind": status.kind.value,
        "state": status.state, "label": status.label,
        "groups": [_status_dict(g, lang) for g in status.groups],
        "departments": [{
            "unit": d.unit_code, "name": d.unit_name, "group": d.parent_code, "state": d.state.value,
            "label": d.label(lang), "changed_at": d.changed_at, "changed_by": d.changed_by,
            "rejection_reason": d.rejection_reason} for d in status.departments],
    }
