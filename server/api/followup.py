"""Follow-up over HTTP: a unit's actuals against budget and forecast as a workbook."""

from __future__ import annotations

from flask import Blueprint, request

from planround.server.followup import parse_through
from planround.server.followup_workbook import followup_workbook
from planround.server.organisation import get_unit
from planround.server.rights import require_role
from planround.server.rounds import get_round
from planround.server.web import READERS, current_user, db, language, xlsx_response

bp = Blueprint("followup", __name__)


@bp.get("/rounds/<round_code>/units/<unit_code>/followup")
def followup_download(round_code: str, unit_code: str):
    """Download the unit's follow-up of the round's year, through the latest month or ?through=YYYY-MM."""
    user = current_user()
    planning_round, unit = get_round(db(), round_code), get_unit(db(), unit_code)
    require_role(db(), user, READERS, unit)
    through = parse_through(request.args.get("through"), planning_round.fiscal_year)
    content = followup_workbook(db(), planning_round=planning_round, unit=unit, through=through,
                                lang=language())
    return xlsx_response(content, f"{planning_round.code}_{unit.code}_uppfoljning.xlsx")
