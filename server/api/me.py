"""Who am I: the caller and their roles."""

from __future__ import annotations

from flask import Blueprint

from planround.server.rights import grants_of
from planround.server.web import current_user, db, respond

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
