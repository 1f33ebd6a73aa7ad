"""What every route shares: the request's session, its user, its language, JSON in and out."""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from flask import Response, current_app, g, request
from sqlmodel import Session

from planround.models import Role, User
from planround.server.auth import user_for_token
from planround.server.errors import BadRequest, Unauthorized
from planround.server.messages import pick_language
from planround.server.settings import Settings


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Everyone who may read a unit's workbooks: its economists, approvers and the administrator.
READERS = {Role.economist, Role.department_head, Role.group_head, Role.university, Role.administrator}


def settings() -> Settings:
    """Return the running app's settings."""
    return current_app.extensions["planround"]["settings"]


def db() -> Session:
    """Return this request's session; it is closed, and rolled back unless committed, at teardown."""
    if "db" not in g:
        g.db = Session(current_app.extensions["planround"]["engine"], expire_on_commit=False)
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    """Close the request's session; anything not committed is rolled back."""
    session = g.pop("db", None)
    if session is not None:
        session.close()


def current_user() -> User:
    """Return the user whose bearer token came with the request."""
    if "user" not in g:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else None
        if not token:
            raise Unauthorized()
        # Only a token that was sent and is wrong counts as a guess.
        throttle, address = current_app.extensions["planround"]["throttle"], request.remote_addr or "-"
        throttle.check(address)
        try:
            g.user = user_for_token(db(), token)
        except Unauthorized:
            throttle.record_failure(address)
            raise
    return g.user


def language() -> str:
    """Return 'sv' or 'en' for this request, from Accept-Language."""
    return pick_language(request.headers.get("Accept-Language"))


def json_body() -> dict[str, Any]:
    """Return the request's JSON object, or raise a clear 400."""
    try:
        body = json.loads(request.get_data(cache=True) or b"{}")
    except (ValueError, UnicodeDecodeError) as bad:
        raise BadRequest("invalid_json", detail=str(bad)[:200]) from None
    if not isinstance(body, dict):
        raise BadRequest("invalid_json", detail="ett JSON-objekt väntades")
    return body


def flag(name: str) -> bool:
    """Tell whether a query flag such as ?dry_run=1 is set."""
    return request.args.get(name, "").lower() in ("1", "true", "yes", "ja")


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if is_dataclass(value):
        return asdict(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def respond(payload: Any, status: int = 200) -> Response:
    """Return `payload` as JSON; money goes out as exact decimal strings."""
    body = json.dumps(payload, default=_default, ensure_ascii=False)
    return Response(body, status=status, mimetype="application/json")


def xlsx_response(content: bytes, filename: str) -> Response:
    """Return workbook bytes as a download."""
    return Response(content, mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def parse_date(body: dict[str, Any], name: str) -> date:
    """Return a YYYY-MM-DD field of a JSON body as a date, or raise a 400 naming it."""
    try:
        return date.fromisoformat(str(body.get(name)))
    except ValueError:
        raise BadRequest("invalid_field", field=name, detail="datum som ÅÅÅÅ-MM-DD") from None
