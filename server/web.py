"""What every route shares: the request's session, its user, its language, JSON in and out."""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from flask import Response, current_app, g, request
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from planround.models import Role, User
from planround.server.auth import user_for_token
from planround.server.errors import BadRequest, Conflict, PlanroundError, Unauthorized
from planround.server.idempotency import HEADER, StoredAnswer, find_answer, fingerprint, parse_key, remember_answer
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


def write_route(view):
    """Commit a write route's work; with an Idempotency-Key, store its answer in the same transaction.

    The route itself does not commit. A retry with the same key gets the stored answer with
    `Idempotent-Replayed: true`, and nothing is written again. Only successful answers are
    stored: a refused request wrote nothing, so sending it again is safe and is judged afresh.
    """
    @functools.wraps(view)
    def write(*args, **kwargs):
        key = parse_key(request.headers.get(HEADER))
        if key is None:
            response = view(*args, **kwargs)
            db().commit()
            return response
        return _keyed_write(view, key, args, kwargs)

    return write


def _keyed_write(view, key: str, args, kwargs) -> Response:
    user = current_user()
    request_print = fingerprint(method=request.method, path=request.path,
                                query=list(request.args.items(multi=True)), parts=_body_parts())
    lookup = functools.partial(find_answer, user=user, key=key, fingerprint=request_print,
                               hours=settings().idempotency_hours)
    if (stored := lookup(db())) is not None:
        return _replay(stored)
    try:
        response = view(*args, **kwargs)
    except (PlanroundError, IntegrityError):
        # Refused, or tripped over a twin with the same key that finished meanwhile: then its answer.
        db().rollback()
        if (stored := lookup(db())) is not None:
            return _replay(stored)
        raise
    if response.status_code < 300:
        remember_answer(db(), user=user, key=key, method=request.method, path=request.path,
                        fingerprint=request_print,
                        answer=StoredAnswer(response.status_code, response.get_data(as_text=True)),
                        hours=settings().idempotency_hours)
    try:
        db().commit()
    except IntegrityError:
        # The unique (user, key) constraint: a twin committed first, and this work is undone.
        db().rollback()
        if (stored := lookup(db())) is not None:
            return _replay(stored)
        raise Conflict("idempotency_in_flight") from None
    return response


def _body_parts() -> list[tuple[str, bytes]]:
    """Return what a request carries: each form field and uploaded file, or the raw body."""
    if request.mimetype == "multipart/form-data":
        parts = [(f"form:{name}", str(value).encode("utf-8", "surrogatepass"))
                 for name, value in request.form.items(multi=True)]
        for name, upload in request.files.items(multi=True):
            parts.append((f"file:{name}:{upload.filename or ''}", upload.read()))
            upload.seek(0)
        return parts
    return [("body", request.get_data(cache=True)),
            ("filename", request.headers.get("X-Filename", "").encode())]


def _replay(stored: StoredAnswer) -> Response:
    response = Response(stored.body, status=stored.status, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response
