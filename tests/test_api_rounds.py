"""Planning rounds over the API: anyone signed in lists them, the administrator runs them."""

from __future__ import annotations

import pytest

NEW_ROUND = {"code": "prognos-2027-1", "name": "Prognos 1 2027", "kind": "forecast",
             "fiscal_year": 2027, "deadline": "2027-04-15"}


def test_a_signed_in_user_lists_the_rounds(client, world):
    answer = client.get("/api/v1/rounds", headers=world.auth("nobody"))
    assert answer.status_code == 200
    assert [r["code"] for r in answer.json["rounds"]] == ["budget-2027"]
    assert answer.json["rounds"][0]["state"] == "open"
    assert answer.json["rounds"][0]["comment_threshold_amount"] == "100000.00"


def test_the_administrator_creates_opens_and_closes_a_round(client, world):
    created = client.post("/api/v1/rounds", json=NEW_ROUND, headers=world.auth("admin"))
    assert created.status_code == 201, created.json
    assert created.json["state"] == "draft" and created.json["deadline"] == "2027-04-15"
    opened = client.post("/api/v1/rounds/prognos-2027-1/open", json={"deadline": "2027-04-20"},
                         headers=world.auth("admin"))
    assert opened.json["state"] == "open" and opened.json["deadline"] == "2027-04-20"
    closed = client.post("/api/v1/rounds/prognos-2027-1/close", headers=world.auth("admin"))
    assert closed.json["state"] == "closed"
    shown = client.get("/api/v1/rounds/prognos-2027-1", headers=world.auth("economist"))
    assert shown.json["state"] == "closed"


@pytest.mark.parametrize("who", ["economist", "head", "dean", "nobody"])
def test_only_the_administrator_creates_rounds(client, world, who):
    answer = client.post("/api/v1/rounds", json=NEW_ROUND, headers=world.auth(who))
    assert answer.status_code == 403
    assert "processansvarig" in answer.json["message"]


def test_a_round_code_is_used_once(client, world):
    answer = client.post("/api/v1/rounds", json={**NEW_ROUND, "code": "budget-2027"},
                         headers=world.auth("admin"))
    assert answer.status_code == 409
    assert "finns redan" in answer.json["message"]


@pytest.mark.parametrize("body, field", [
    ({**NEW_ROUND, "kind": "wish"}, "kind"),
    ({**NEW_ROUND, "fiscal_year": "nästa"}, "fiscal_year"),
    ({**NEW_ROUND, "deadline": "15/4"}, "deadline"),
    ({**NEW_ROUND, "code": "a b"}, "code"),
    ({k: v for k, v in NEW_ROUND.items() if k != "name"}, "name"),
    ({**NEW_ROUND, "comment_threshold_pct": "-1"}, "comment_threshold_pct"),
])
def test_a_bad_field_is_named(client, world, body, field):
    answer = client.post("/api/v1/rounds", json=body, headers=world.auth("admin"))
    assert answer.status_code == 400
    assert field in answer.json["message"]


def test_a_body_that_is_no_json_gets_400(client, world):
    answer = client.post("/api/v1/rounds", data=b"{oops", headers=world.auth("admin"))
    assert answer.status_code == 400
    assert answer.json["error"] == "invalid_json"


def test_a_draft_round_cannot_be_closed(client, world):
    client.post("/api/v1/rounds", json=NEW_ROUND, headers=world.auth("admin"))
    answer = client.post("/api/v1/rounds/prognos-2027-1/close", headers=world.auth("admin"))
    assert answer.status_code == 409
    assert "utkast" in answer.json["message"]


def test_the_administrator_generates_every_departments_template(client, world):
    answer = client.post("/api/v1/rounds/budget-2027/templates", headers=world.auth("admin"))
    assert answer.status_code == 201
    assert [t["unit"] for t in answer.json["templates"]] == ["D101", "D102", "D201"]
    again = client.post("/api/v1/rounds/budget-2027/templates", headers=world.auth("admin"))
    assert {t["template_version"] for t in again.json["templates"]} == {2}
