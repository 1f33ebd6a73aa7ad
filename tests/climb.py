"""Helpers for tests of the approval climb: submit departments and act on them over the API."""

from __future__ import annotations

from tests.workbooks import PLAN, XLSX, fill_amounts

ROUND_URL = "/api/v1/rounds/budget-2027"
ECONOMIST_OF = {"D101": "economist", "D102": "other_economist", "D201": "economist_d201"}
HEAD_OF = {"D101": "head", "D102": "head_d102", "D201": "head_d201"}


def submit_department(client, world, unit: str) -> dict:
    """Generate (once), fill and submit the department's template as its economist."""
    template = client.get(f"{ROUND_URL}/units/{unit}/template", headers=world.auth("admin"))
    assert template.status_code == 200, template.json
    content = fill_amounts(template.data, PLAN, comment="Ny kurs")
    answer = client.post(f"{ROUND_URL}/units/{unit}/submissions", data=content,
                         headers={**world.auth(ECONOMIST_OF[unit]), "Content-Type": XLSX})
    assert answer.status_code == 201, answer.json
    return answer.json


def act(client, world, who: str, unit: str, action: str = "approve", **body):
    """Post an approval action as `who` on `unit`; return the response."""
    return client.post(f"{ROUND_URL}/units/{unit}/approvals", json={"action": action, **body},
                       headers=world.auth(who))


def state_of(client, world, unit: str) -> str:
    """Return the unit's state as the status route shows it."""
    answer = client.get(f"{ROUND_URL}/units/{unit}/status", headers=world.auth("admin"))
    assert answer.status_code == 200, answer.json
    return answer.json["state"]


def climb_to_head(client, world, unit: str) -> None:
    """Submit a department and take it through the economist's and the head's approval."""
    submit_department(client, world, unit)
    assert act(client, world, ECONOMIST_OF[unit], unit).status_code == 201
    assert act(client, world, HEAD_OF[unit], unit).status_code == 201


def record_board_decision(client, world) -> None:
    answer = client.post(f"{ROUND_URL}/board-decision", json={"date": "2026-12-15", "reference": "US 2026/123"},
                         headers=world.auth("admin"))
    assert answer.status_code == 200, answer.json
