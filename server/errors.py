"""The one error hierarchy: each error carries its HTTP status and a Swedish and English text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from planround.server.messages import render


@dataclass
class Problem:
    """One thing wrong with a submitted file, pinned to where it is."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    sheet: str | None = None
    cell: str | None = None
    line: int | None = None

    def to_dict(self, lang: str = "sv") -> dict[str, Any]:
        """Return the problem as the API shows it, in the given language."""
        out: dict[str, Any] = {"code": self.code, "message": render(self.code, lang, **self.params)}
        if self.sheet is not None:
            out["sheet"] = self.sheet
        if self.cell is not None:
            out["cell"] = self.cell
        if self.line is not None:
            out["line"] = self.line
        return out


class PlanroundError(Exception):
    """Base of every error a user can cause; rendered in one place per edge."""

    status = 400
    code = "bad_request"

    def __init__(self, code: str | None = None, problems: list[Problem] | None = None, **params: Any):
        self.code = code or type(self).code
        self.params = params
        self.problems = problems or []
        super().__init__(self.message("en"))

    def message(self, lang: str = "sv") -> str:
        """Return the message in Swedish ('sv') or English ('en')."""
        return render(self.code, lang, **self.params)

    def to_dict(self, lang: str = "sv") -> dict[str, Any]:
        """Return the error as the API's JSON body."""
        body: dict[str, Any] = {"error": self.code, "message": self.message(lang)}
        if self.problems:
            body["errors"] = [p.to_dict(lang) for p in self.problems]
        return body


class BadRequest(PlanroundError):
    status = 400
    code = "bad_request"


class Unauthorized(PlanroundError):
    status = 401
    code = "unauthorized"


class Forbidden(PlanroundError):
    status = 403
    code = "forbidden"


class NotFound(PlanroundError):
    status = 404
    code = "not_found"


class Conflict(PlanroundError):
    status = 409
    code = "conflict"


class PayloadTooLarge(PlanroundError):
    status = 413
    code = "payload_too_large"


class UnsupportedFile(PlanroundError):
    status = 415
    code = "not_xlsx"


class TooManyRequests(PlanroundError):
    """Too many failed sign-ins from one address; `retry_after` says how many seconds to wait."""

    status = 429
    code = "too_many_failures"

    def __init__(self, *, retry_after: int, **params):
        super().__init__(**params)
        self.retry_after = retry_after


class IdempotencyKeyReused(PlanroundError):
    """An Idempotency-Key sent again with a different request."""

    status = 422
    code = "idempotency_key_reused"


class ValidationFailed(PlanroundError):
    """The file was read but its content is wrong; `problems` says where."""

    status = 422
    code = "validation_failed"
