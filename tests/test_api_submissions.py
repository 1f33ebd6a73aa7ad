"""Submitting workbooks through the API: stored whole when valid, nothing stored when not."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from planround.models import BudgetLine, PlanningRound, RoundState, Submission
from tests.workbooks import PLAN, PLAN_COST, PLAN_REVENUE, XLSX, fill_amounts

URL = "/api/v1/rounds/budget-2027/units/{unit}"


def template(client, world, unit="D101", who="economist") -> bytes:
    """Download the unit's template; the administrator's first download generates it."""
    client.get(f"{URL.format(unit=unit)}/template", headers=world.auth("admin"))
    answer = client.get(f"{URL.format(unit=unit)}/template", headers=world.auth(who))
    assert answer.status_code == 200, answer.json
    assert answer.mimetype == XLSX
    return answer.data


def submit(client, world, content: bytes, who="economist", unit="D101", query=""):
    return client.post(f"{URL.format(unit=unit)}/submissions{query}", data=content,
                       headers={**world.auth(who), "Content-Type": XLSX})


def stored_counts(engine) -> tuple[int, int]:
    with Session(engine) as session:
        return (session.exec(select(func.count()).select_from(Submission)).one(),
                session.exec(select(func.count()).select_from(BudgetLine)).one())


def test_a_valid_workbook_is_stored_with_totals_recomputed_on_the_server(client, world, engine):
    content = fill_amounts(template(client, world), PLAN, comment="Ny kurs")
    answer = submit(client, world, content)
    assert answer.status_code == 201, answer.json
    body = answer.json
    assert body["version"] == 1 and body["line_count"] == 4
    assert Decimal(body["total_revenue"]) == PLAN_REVENUE
    assert Decimal(body["total_cost"]) == PLAN_COST
    assert Decimal(body["result"]) == PLAN_REVENUE - PLAN_COST
    assert stored_counts(engine) == (1, 4)


def test_stored_lines_equal_what_was_typed_to_the_ore(client, world, engine):
    submit(client, world, fill_amounts(template(client, world), PLAN, comment="Ny kurs"))
    with Session(engine) as session:
        frame = pd.DataFrame([line.model_dump() for line in session.exec(select(BudgetLine)).all()])
    by_account = frame.groupby("account_code")["annual_amount"].sum()
    assert by_account["4010"] == Decimal("800000.50")
    assert by_account["6010"] == Decimal("12345.67")
    months = frame[[f"m{n:02d}" for n in range(1, 13)]].sum(axis=1)
    assert (months == frame["annual_amount"]).all()


def test_the_workbook_can_be_sent_as_a_multipart_field(client, world):
    content = fill_amounts(template(client, world), PLAN, comment="Ny kurs")
    answer = client.post(f"{URL.format(unit='D101')}/submissions", headers=world.auth("economist"),
                         data={"file": (io.BytesIO(content), "D101.xlsx")},
                         content_type="multipart/form-data")
    assert answer.status_code == 201, answer.json


def test_a_dry_run_validates_and_stores_nothing(client, world, engine):
    content = fill_amounts(template(client, world), PLAN, comment="Ny kurs")
    answer = submit(client, world, content, query="?dry_run=1")
    assert answer.status_code == 200
    assert answer.json["dry_run"] is True and answer.json["version"] is None
    assert stored_counts(engine) == (0, 0)


def test_an_invalid_workbook_gets_422_with_every_error_and_nothing_is_stored(client, world, engine):
    content = fill_amounts(template(client, world), {("UTB", "3010"): "tusen", ("FOR", "3110"): 5})
    answer = submit(client, world, content)
    assert answer.status_code == 422
    errors = answer.json["errors"]
    assert [e["code"] for e in errors] == ["not_a_number"]
    assert errors[0]["sheet"] == "Budget" and errors[0]["cell"].startswith("F")
    assert "inget belopp" in errors[0]["message"]
    assert stored_counts(engine) == (0, 0)


def test_errors_come_in_english_when_asked(client, world):
    content = fill_amounts(template(client, world), {("UTB", "3010"): "tusen"})
    answer = client.post(f"{URL.format(unit='D101')}/submissions", data=content,
                         headers={**world.auth("economist"), "Accept-Language": "en-GB,en;q=0.9"})
    assert "is not an amount" in answer.json["errors"][0]["message"]


def test_every_version_is_kept_and_readable(client, world):
    blank = template(client, world)
    first = fill_amounts(blank, PLAN, comment="Ny kurs")
    second = fill_amounts(blank, {("UTB", "3010"): 10})
    assert submit(client, world, first).json["version"] == 1
    assert submit(client, world, second).json["version"] == 2
    listing = client.get(f"{URL.format(unit='D101')}/submissions", headers=world.auth("head"))
    assert [v["version"] for v in listing.json["submissions"]] == [2, 1]
    original = client.get(f"{URL.format(unit='D101')}/submissions/1/file", headers=world.auth("dean"))
    assert original.data == first


def test_it_rejects_another_departments_economist(client, world, engine):
    content = fill_amounts(template(client, world), PLAN, comment="Ny kurs")
    answer = submit(client, world, content, who="other_economist")
    assert answer.status_code == 403
    assert "ekonom" in answer.json["message"]
    assert stored_counts(engine) == (0, 0)


@pytest.mark.parametrize("who", ["head", "dean", "admin", "nobody"])
def test_only_economists_submit(client, world, who):
    content = fill_amounts(template(client, world), PLAN, comment="Ny kurs")
    assert submit(client, world, content, who=who).status_code == 403


def test_a_workbook_sent_for_the_wrong_unit_is_refused(client, world):
    template(client, world, unit="D102", who="two_units_economist")
    content = fill_amounts(template(client, world), PLAN, comment="Ny kurs")
    answer = submit(client, world, content, who="two_units_economist", unit="D102")
    assert answer.status_code == 422
    assert answer.json["errors"][0]["code"] == "wrong_unit"
    assert "D101" in answer.json["errors"][0]["message"]


def test_an_old_template_version_is_refused_with_409(client, world):
    content = fill_amounts(template(client, world), PLAN, comment="Ny kurs")
    regenerated = client.post("/api/v1/rounds/budget-2027/templates?unit=D101", headers=world.auth("admin"))
    assert regenerated.status_code == 201
    answer = submit(client, world, content)
    assert answer.status_code == 409
    assert answer.json["error"] == "stale_template"


@pytest.mark.parametrize("content", [
    b"period;account\n202601;3010\n",
    b"%PDF-1.7\n",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
])
def test_a_file_that_is_no_xlsx_gets_415(client, world, content):
    answer = submit(client, world, content)
    assert answer.status_code == 415
    assert "ingen läsbar Excel-arbetsbok" in answer.json["message"]


def test_a_truncated_workbook_gets_a_clear_4xx(client, world):
    content = fill_amounts(template(client, world), PLAN, comment="Ny kurs")
    answer = submit(client, world, content[: len(content) // 2])
    assert 400 <= answer.status_code < 500
    assert answer.json["message"]


def test_a_zip_that_is_no_workbook_gets_415(client, world):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hej")
    assert submit(client, world, buffer.getvalue()).status_code == 415


def test_an_oversized_upload_gets_413(client, world):
    answer = submit(client, world, b"x" * (3 * 1024 * 1024))
    assert answer.status_code == 413
    assert answer.json["error"] == "payload_too_large"


def test_an_empty_upload_gets_400(client, world):
    assert submit(client, world, b"").status_code == 400


def test_a_closed_round_takes_no_submissions(client, world, engine):
    content = fill_amounts(template(client, world), PLAN, comment="Ny kurs")
    with Session(engine) as session:
        planning_round = session.exec(select(PlanningRound)).one()
        planning_round.state = RoundState.closed
        session.add(planning_round)
        session.commit()
    answer = submit(client, world, content)
    assert answer.status_code == 409
    assert "stängd" in answer.json["message"]


def test_an_unknown_round_or_unit_gets_404(client, world):
    answer = client.post("/api/v1/rounds/nope/units/D101/submissions", data=b"x",
                         headers=world.auth("economist"))
    assert answer.status_code == 404
    assert client.get("/api/v1/rounds/budget-2027/units/D999/template",
                      headers=world.auth("economist")).status_code == 404


def test_a_unit_that_is_no_department_gets_400(client, world):
    answer = client.get("/api/v1/rounds/budget-2027/units/FAK1/template", headers=world.auth("dean"))
    assert answer.status_code == 400
    assert answer.json["error"] == "not_a_department"


def test_an_economist_cannot_download_before_the_template_is_generated(client, world):
    answer = client.get(f"{URL.format(unit='D101')}/template", headers=world.auth("economist"))
    assert answer.status_code == 403
