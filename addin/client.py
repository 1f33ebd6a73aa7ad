"""The service's HTTP API as Python calls: what the ribbon (and the demo) use to talk to it.

Every failure becomes a `ServiceError` with a Swedish message the user can act on: the
service's own refusal (its JSON error), the server down, a timeout, or a proxy's HTML page
where JSON was expected.

Every write carries a fresh `Idempotency-Key`, one per user action: when the connection is
lost or times out, the client cannot know whether the service stored the write, so it sends
it once more with the same key; the service then answers with what it did, and never does
it twice.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import requests

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The client's own messages, for what never reached the service; the service words its refusals itself.
MESSAGES = {
    "timeout": {"sv": "Servern svarade inte inom {seconds:g} sekunder. Försök igen om en stund; "
                      "inget har ändrats i arbetsboken.",
                "en": "The server did not answer within {seconds:g} seconds. Try again in a while; "
                      "nothing has changed in the workbook."},
    "unreachable": {"sv": "Kunde inte nå servern på {url}. Kontrollera adressen under Inställningar och nätverket.",
                    "en": "Could not reach the server at {url}. Check the address under Settings and the network."},
    "not_json": {"sv": "Servern svarade med något annat än planround (HTTP {status}, {type}). Kontrollera "
                       "serveradressen under Inställningar eller kontakta systemansvarig.",
                 "en": "The server answered with something other than planround (HTTP {status}, {type}). Check "
                       "the server address under Settings or contact the system administrator."},
}


@dataclass
class ServiceError(Exception):
    """The service refused, or could not be reached; `message` is for the user."""

    status: int | None
    code: str
    message: str
    errors: list[dict[str, Any]] = field(default_factory=list)

    def __str__(self) -> str:
        return self.message


class PlanroundClient:
    """One user's connection to the service: base URL and bearer token."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 60, language: str = "sv",
                 retry_pause: float = 1.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry_pause = retry_pause  # seconds before a lost write is sent again
        self.language = "en" if language == "en" else "sv"
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}", "Accept-Language": language})

    def me(self) -> dict[str, Any]:
        return self._json("GET", "/me")

    def tasks(self) -> list[dict[str, Any]]:
        return self._json("GET", "/me/tasks")["tasks"]

    def rounds(self) -> list[dict[str, Any]]:
        return self._json("GET", "/rounds")["rounds"]

    def create_round(self, **fields: Any) -> dict[str, Any]:
        return self._write("POST", "/rounds", json=fields)

    def open_round(self, round_code: str, deadline: str | None = None) -> dict[str, Any]:
        return self._write("POST", f"/rounds/{round_code}/open", json={"deadline": deadline} if deadline else {})

    def generate_templates(self, round_code: str) -> list[dict[str, Any]]:
        return self._write("POST", f"/rounds/{round_code}/templates")["templates"]

    def record_board_decision(self, round_code: str, date: str, reference: str) -> dict[str, Any]:
        return self._write("POST", f"/rounds/{round_code}/board-decision", json={"date": date, "reference": reference})

    def template(self, round_code: str, unit_code: str) -> bytes:
        return self._request("GET", f"/rounds/{round_code}/units/{unit_code}/template").content

    def submit(self, round_code: str, unit_code: str, content: bytes, *, dry_run: bool = False,
               filename: str | None = None) -> dict[str, Any]:
        headers = {"Content-Type": XLSX, **({"X-Filename": filename} if filename else {})}
        path = f"/rounds/{round_code}/units/{unit_code}/submissions"
        if dry_run:  # only checks, writes nothing
            return self._json("POST", path, params={"dry_run": "1"}, data=content, headers=headers)
        return self._write("POST", path, data=content, headers=headers)

    def act(self, round_code: str, unit_code: str, action: str, *, comment: str | None = None,
            consolidated_version: int | None = None) -> dict[str, Any]:
        body = {"action": action, "comment": comment, "consolidated_version": consolidated_version}
        return self._write("POST", f"/rounds/{round_code}/units/{unit_code}/approvals",
                          json={k: v for k, v in body.items() if v is not None})

    def submissions(self, round_code: str, unit_code: str) -> list[dict[str, Any]]:
        """Return every stored version of a department's workbook, newest first."""
        return self._json("GET", f"/rounds/{round_code}/units/{unit_code}/submissions")["submissions"]

    def submission_file(self, round_code: str, unit_code: str, version: int) -> bytes:
        """Return a stored version exactly as it was submitted."""
        return self._request("GET", f"/rounds/{round_code}/units/{unit_code}/submissions/{version}/file").content

    def status(self, round_code: str, unit_code: str) -> dict[str, Any]:
        return self._json("GET", f"/rounds/{round_code}/units/{unit_code}/status")

    def consolidated(self, round_code: str, unit_code: str) -> tuple[bytes, int]:
        """Return the latest consolidated workbook of a unit and its version."""
        answer = self._request("GET", f"/rounds/{round_code}/units/{unit_code}/consolidated")
        return answer.content, int(answer.headers["X-Version"])

    def _write(self, method: str, path: str, *, headers: dict[str, str] | None = None,
               **kwargs: Any) -> dict[str, Any]:
        """Send a write under a fresh Idempotency-Key; if its answer was lost, once more with the same key."""
        headers = {**(headers or {}), "Idempotency-Key": str(uuid.uuid4())}
        try:
            return self._json(method, path, headers=headers, **kwargs)
        except ServiceError as failed:
            if failed.code not in ("timeout", "unreachable"):
                raise
        time.sleep(self.retry_pause)
        return self._json(method, path, headers=headers, **kwargs)

    def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        answer = self._request(method, path, **kwargs)
        try:
            return answer.json()
        except ValueError:
            raise not_json(answer, self.language) from None

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send a request; raise ServiceError for anything but a 2xx answer."""
        try:
            answer = self.session.request(method, self.base_url + path, timeout=self.timeout, **kwargs)
        except requests.Timeout:
            raise ServiceError(None, "timeout", MESSAGES["timeout"][self.language].format(
                seconds=self.timeout)) from None
        except requests.ConnectionError:
            raise ServiceError(None, "unreachable", MESSAGES["unreachable"][self.language].format(
                url=self.base_url)) from None
        if answer.ok:
            return answer
        try:
            body = answer.json()
        except ValueError:
            raise not_json(answer, self.language) from None
        raise ServiceError(answer.status_code, body.get("error", "error"), body.get("message", ""),
                           body.get("errors", []))


def not_json(answer: requests.Response, language: str = "sv") -> ServiceError:
    """Describe an answer that is not the service's JSON, such as a proxy's login page."""
    unknown = "okänd typ" if language == "sv" else "unknown type"
    return ServiceError(answer.status_code, "not_json", MESSAGES["not_json"][language].format(
        status=answer.status_code, type=answer.headers.get("Content-Type", unknown)))
