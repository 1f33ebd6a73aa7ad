"""Who am I: the caller and their roles."""

from __future__ import annotations

from flask import Blueprint

from planround.models import Role
from planround.server.auth import get_user
from planround.server.deputies import deputies_of, name_deputy
from planround.server.errors import BadRequest
from planround.server.organisation import get_unit
from planround.server.rights import grants_of
from planround.server.tasks import tasks_for
from planround.server.web import current_user, db, json_body, parse_date, respond, write_route

bp = Blueprint("me", __name__)


@bp.get("/me")
def me():
    """Return the signed-in user and the roles they hold."""
    user = current_user()
    return respond({
        "username": user.username,
        "full_name": user.full_name,
        "language": user.language,
        "roles": [{"role": g.role.value, "unit": g.unit_code, "unit_name": g.unit_name}
                  for g in grants_of(db(), user)],
    })


@bp.get("/me/tasks")
def my_tasks():
    """Return what waits for the caller now, across open rounds, overdue first."""
    tasks = tasks_for(db(), user=current_user())
    return respond({"tasks": [task.__dict__ for task in tasks]})


@bp.get("/me/deputies")
def my_deputies():
    """Return the deputies the caller named and those who named the caller."""
    return respond({"deputies": [deputy_view(d) for d in deputies_of(db(), user=current_user())]})


@bp.post("/me/deputies")
@write_route
def deputies_create():
    """Name a deputy for one of the caller's roles: {"deputy", "role", "unit", "valid_from", "valid_to"}."""
    user, body = current_user(), json_body()
    for name in ("deputy", "role", "unit", "valid_from", "valid_to"):
        if not body.get(name):
            raise BadRequest("invalid_field", field=name, detail="saknas")
    try:
        role = Role(body["role"])
    except ValueError:
        raise BadRequest("invalid_field", field="role", detail=", ".join(r.value for r in Role)) from None
    deputy = name_deputy(db(), principal=user, deputy=get_user(db(), str(body["deputy"])), role=role,
                         unit=get_unit(db(), str(body["unit"])), valid_from=parse_date(body, "valid_from"),
                         valid_to=parse_date(body, "valid_to"))
    return respond(deputy_view(deputy), 201)


def deputy_view(deputy) -> dict:
    return {"principal": deputy.principal, "deputy": deputy.deputy, "role": deputy.role.value,
            "unit": deputy.unit_code, "valid_from": deputy.valid_from, "valid_to": deputy.valid_to}
