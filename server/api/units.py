"""A department's workbook in a round: its template and its submitted versions."""

from __future__ import annotations

from flask import Blueprint, request
from sqlalchemy.exc import IntegrityError

from planround.models import OrgUnit, PlanningRound, Role, User
from planround.server.errors import BadRequest, Conflict
from planround.server.issuing import current_template, issue_template, issue_templates
from planround.server.organisation import get_department
from planround.server.rights import require_administrator, require_role
from planround.server.rounds import get_round
from planround.server.submissions import get_submission, list_submissions, submit_workbook
from planround.server.web import READERS, current_user, db, flag, language, respond, settings, write_route, xlsx_response

bp = Blueprint("units", __name__)



def department_in_round(round_code: str, unit_code: str,
                        roles: set[Role]) -> tuple[User, PlanningRound, OrgUnit]:
    """Return the caller, the round and the department, once the caller's role on it is checked."""
    user = current_user()
    planning_round, unit = get_round(db(), round_code), get_department(db(), unit_code)
    require_role(db(), user, roles, unit)
    return user, planning_round, unit


@bp.get("/rounds/<round_code>/units/<unit_code>/template")
def template_download(round_code: str, unit_code: str):
    """Download the department's current template; the administrator's first call generates it."""
    user, planning_round, unit = department_in_round(round_code, unit_code, READERS)
    issued = current_template(db(), planning_round=planning_round, unit=unit)
    if issued is None:
        require_administrator(db(), user)
        issued = issue_template(db(), planning_round=planning_round, unit=unit,
                                secret=settings().secret_key, user=user)
        db().commit()
    return xlsx_response(issued.content, issued.filename)


@bp.post("/rounds/<round_code>/templates")
@write_route
def templates_generate(round_code: str):
    """Generate a new template version for every department, or one (?unit=), (administrator)."""
    user = current_user()
    require_administrator(db(), user)
    issued = issue_templates(db(), planning_round=get_round(db(), round_code),
                             unit_code=request.args.get("unit"), secret=settings().secret_key, user=user)
    return respond({"templates": [
        {"unit": t.unit_code, "template_version": t.template_version, "checksum": t.checksum}
        for t in issued]}, 201)


@bp.post("/rounds/<round_code>/units/<unit_code>/submissions")
@write_route
def submissions_create(round_code: str, unit_code: str):
    """Validate a workbook and store it as a new version (?dry_run=1 only validates)."""
    user, planning_round, unit = department_in_round(round_code, unit_code, {Role.economist})
    content, filename = uploaded_workbook()
    try:
        summary = submit_workbook(
            db(), planning_round=planning_round, unit=unit, user=user, content=content,
            filename=filename, secret=settings().secret_key, max_cells=settings().max_cells,
            dry_run=flag("dry_run"),
        )
        db().flush()  # write_route commits
    except IntegrityError:
        # Another submission for this unit took the same version number, or made the
        # department's status row, at the same moment: nothing of this one is kept.
        db().rollback()
        raise Conflict("concurrent_submission", unit=unit.code) from None
    return respond(summary_view(summary), 200 if summary.dry_run else 201)


@bp.get("/rounds/<round_code>/units/<unit_code>/submissions")
def submissions_index(round_code: str, unit_code: str):
    """List every stored version of the department's workbook, newest first."""
    user, planning_round, unit = department_in_round(round_code, unit_code, READERS)
    versions = list_submissions(db(), planning_round=planning_round, unit=unit)
    return respond({"submissions": [summary_view(s) for s in versions]})


@bp.get("/rounds/<round_code>/units/<unit_code>/submissions/<int:version>/file")
def submissions_file(round_code: str, unit_code: str, version: int):
    """Download a stored version exactly as it was submitted."""
    user, planning_round, unit = department_in_round(round_code, unit_code, READERS)
    submission = get_submission(db(), planning_round=planning_round, unit=unit, version=version)
    return xlsx_response(submission.file_bytes, f"{unit.code}-{round_code}-v{version}.xlsx")


def uploaded_workbook() -> tuple[bytes, str | None]:
    """Return the uploaded file: the multipart field 'file', or the raw body."""
    if request.files:
        upload = request.files.get("file")
        if upload is None:
            raise BadRequest("empty_upload")
        return upload.read(), upload.filename
    content = request.get_data(cache=False)
    if not content:
        raise BadRequest("empty_upload")
    return content, request.headers.get("X-Filename")


def summary_view(summary) -> dict:
    """Return the public view of a submission summary."""
    return {
        "round": summary.round_code, "unit": summary.unit_code, "version": summary.version,
        "template_version": summary.template_version, "dry_run": summary.dry_run,
        "line_count": summary.line_count, "total_revenue": summary.total_revenue,
        "total_cost": summary.total_cost, "result": summary.result,
        "submitted_at": summary.submitted_at, "submitted_by": summary.submitted_by,
        "warnings": [warning.to_dict(language()) for warning in summary.warnings],
    }

