"""Walk the README's rights table against the service: every route, every role, own unit and another."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.climb import ECONOMIST_OF, ROUND_URL
from tests.test_openapi import routes
from tests.workbooks import PLAN, XLSX, fill_amounts

README = Path(__file__).resolve().parent.parent / "README.md"
ROLES = {"administrator": "admin", "economist": "economist", "department_head": "head", "group_head": "dean",
         "university": "university", "system_admin": "system_admin", "system_owner": "system_owner",
         "no role": "nobody"}
OWN, OTHER = "D101", "D201"  # every role's own unit covers D101; D201 is under another group
ROLE_UNIT = {"administrator": "UNI", "economist": "D101", "department_head": "D101", "group_head": "FAK1",
             "university": "UNI", "system_admin": "UNI", "system_owner": "UNI"}


def rights_table() -> dict[tuple[str, str], dict[str, str]]:
    """Return the README's table: (method, path) -> role -> ✓, own or –."""
    table, header = {}, None
    for line in README.read_text(encoding="utf-8").split("## Rights", 1)[1].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == "route":
            header = cells[1:]
        elif header and cells and cells[0].startswith("`"):
            method, path = cells[0].strip("`").split(" ", 1)
            table[(path, method)] = dict(zip(header, cells[1:]))
        elif header and not line.strip():
            break
    return table


TABLE = rights_table()


def test_every_route_has_a_rule_in_the_table(app):
    assert set(TABLE) == routes(app)


@pytest.fixture
def submitted(client, world):
    """Templates for every department and a stored version of D101 and D201."""
    assert client.post(f"{ROUND_URL}/templates", headers=world.auth("admin")).status_code == 201
    contents = {}
    for unit in (OWN, OTHER):
        template = client.get(f"{ROUND_URL}/units/{unit}/template", headers=world.auth("admin")).data
        contents[unit] = fill_amounts(template, PLAN, comment="Ny kurs")
        answer = client.post(f"{ROUND_URL}/units/{unit}/submissions", data=contents[unit],
                             headers={**world.auth(ECONOMIST_OF[unit]), "Content-Type": XLSX})
        assert answer.status_code == 201, answer.json
    return contents


def call(client, world, contents, method: str, path: str, role: str, unit: str):
    """Make the route's request as the role's user on `unit`, with a body the route accepts."""
    url = path.replace("{round_code}", "budget-2027").replace("{unit_code}", unit).replace("{version}", "1")
    headers = world.auth(ROLES[role])
    body = request_body(path, role, unit, contents)
    if isinstance(body, bytes):
        return client.open(url, method=method, data=body, headers={**headers, "Content-Type": XLSX})
    return client.open(url, method=method, json=body, headers=headers)


def request_body(path: str, role: str, unit: str, contents) -> object:
    today = date.today()
    if path.endswith("/submissions"):
        return contents[unit]
    if path.endswith("/approvals"):
        return {"action": "approve"}
    if path.endswith("/me/deputies"):
        return {"deputy": "hedda.chef", "role": role if role != "no role" else "economist",
                "unit": ROLE_UNIT.get(role, "D101"), "valid_from": today.isoformat(),
                "valid_to": (today + timedelta(days=5)).isoformat()}
    if path.endswith("/board-decision"):
        return {"date": "2026-12-17", "reference": "US 1"}
    if path == "/api/v1/rounds":
        return {"code": f"r-{re.sub('[^a-z]', '', role)}", "name": "R", "kind": "budget", "fiscal_year": 2028}
    return {}


@pytest.mark.parametrize("route", sorted(TABLE), ids=lambda r: f"{r[1]} {r[0]}")
def test_the_route_lets_exactly_the_roles_in_the_table_through(client, world, submitted, route):
    path, method = route
    for role, rule in TABLE[route].items():
        for unit, allowed in ((OWN, rule in ("✓", "own")), (OTHER, rule == "✓")):
            answer = call(client, world, submitted, method, path, role, unit)
            refused = answer.status_code in (401, 403)
            assert refused != allowed, f"{method} {path} as {role} on {unit}: {answer.status_code} {answer.data[:200]}"


def test_without_a_token_everything_but_the_document_is_401(client, world):
    for path, method in TABLE:
        url = path.replace("{round_code}", "budget-2027").replace("{unit_code}", OWN).replace("{version}", "1")
        expected = 200 if path.endswith("openapi.json") else 401
        assert client.open(url, method=method).status_code == expected, f"{method} {path}"
