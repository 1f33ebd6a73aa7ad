"""An Idempotency-Key on writes: a retry gets the first answer and nothing is written twice."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, update
from sqlmodel import Session, select

from planround.models import ApprovalEvent, BudgetLine, Deputy, IdempotencyRecord, PlanningRound, Submission
from planround.server.idempotency import purge_expired
from planround.server.local_server import serving
from planround.server.settings import Settings, SettingsError
from planround.models import utcnow
from tests.climb import ROUND_URL, submit_department
from tests.workbooks import PLAN, XLSX, fill_amounts

UNIT_URL = f"{ROUND_URL}/units/D101"


def filled_template(client, world, plan=PLAN) -> bytes:
    template = client.get(f"{UNIT_URL}/template", headers=world.auth("admin"))
    assert template.status_code == 200, template.json
    return fill_amounts(template.data, plan, comment="Ny kurs")


def submit(client, world, content: bytes, key: str | None, who: str = "economist", query: str = ""):
    headers = {**world.auth(who), "Content-Type": XLSX, **({"Idempotency-Key": key} if key else {})}
    return client.post(f"{UNIT_URL}/submissions{query}", data=content, headers=headers)


def approve(client, world, key: str, who: str = "economist", **body):
    return client.post(f"{UNIT_URL}/approvals", json={"action": "approve", **body},
                       headers={**world.auth(who), "Idempotency-Key": key})


def count(engine, table) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


def test_a_retried_submission_gets_the_first_answer_and_stores_one_version(client, world, engine):
    content, key = filled_template(client, world), str(uuid.uuid4())
    first = submit(client, world, content, key)
    assert first.status_code == 201, first.json
    assert "Idempotent-Replayed" not in first.headers
    again = submit(client, world, content, key)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json and again.json["version"] == 1
    assert count(engine, Submission) == 1 and count(engine, BudgetLine) == 4


def test_a_retried_approval_takes_the_step_once(client, world, engine):
    submit_department(client, world, "D101")
    key = str(uuid.uuid4())
    first = approve(client, world, key, comment="Klar")
    assert first.status_code == 201, first.json
    events = count(engine, ApprovalEvent)
    again = approve(client, world, key, comment="Klar")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    assert count(engine, ApprovalEvent) == events
    assert again.json["status"]["state"] == "economist_approved"


def test_a_key_sent_again_with_another_workbook_is_refused_in_swedish(client, world, engine):
    key = str(uuid.uuid4())
    assert submit(client, world, filled_template(client, world), key).status_code == 201
    other = filled_template(client, world, {**PLAN, ("UTB", "3010"): 1_300_000})
    answer = submit(client, world, other, key)
    assert answer.status_code == 422
    assert answer.json["error"] == "idempotency_key_reused"
    assert answer.json["message"].startswith("Nyckeln i Idempotency-Key har redan använts med en annan begäran")
    assert f"POST {UNIT_URL}/submissions" in answer.json["message"]
    assert count(engine, Submission) == 1


def test_a_key_sent_again_to_another_route_is_refused(client, world):
    key = str(uuid.uuid4())
    assert submit(client, world, filled_template(client, world), key).status_code == 201
    answer = approve(client, world, key)
    assert answer.status_code == 422 and answer.json["error"] == "idempotency_key_reused"


def test_a_dry_run_and_a_real_submission_are_different_requests(client, world, engine):
    content, key = filled_template(client, world), str(uuid.uuid4())
    assert submit(client, world, content, key, query="?dry_run=1").status_code == 200
    assert submit(client, world, content, key).status_code == 422
    assert count(engine, Submission) == 0


def test_keys_belong_to_their_user(client, world, engine):
    key = "delad-nyckel"
    assert submit(client, world, filled_template(client, world), key).status_code == 201
    answer = submit(client, world, filled_template(client, world), key, who="two_units_economist")
    assert answer.status_code == 201 and "Idempotent-Replayed" not in answer.headers
    assert answer.json["version"] == 2 and answer.json["submitted_by"] == "tva.ekonom"


def test_a_refused_workbook_is_not_remembered_and_the_corrected_one_is_stored(client, world, engine):
    key = str(uuid.uuid4())
    broken = filled_template(client, world, {**PLAN, ("UTB", "3010"): "tolv tusen"})
    refused = submit(client, world, broken, key)
    assert refused.status_code == 422 and refused.json["error"] == "validation_failed"
    assert count(engine, IdempotencyRecord) == 0 and count(engine, Submission) == 0
    accepted = submit(client, world, filled_template(client, world), key)
    assert accepted.status_code == 201 and "Idempotent-Replayed" not in accepted.headers
    assert count(engine, Submission) == 1


def test_an_uploaded_file_is_the_same_request_whatever_its_multipart_boundary(client, world, engine):
    content, key = filled_template(client, world), str(uuid.uuid4())
    answers = []
    for boundary in ("grans-ett", "grans-tva"):
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"D101.xlsx\"\r\n"
                f"Content-Type: {XLSX}\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
        answers.append(client.post(f"{UNIT_URL}/submissions", data=body, headers={
            **world.auth("economist"), "Idempotency-Key": key,
            "Content-Type": f"multipart/form-data; boundary={boundary}"}))
    assert [a.status_code for a in answers] == [201, 201], answers[0].json
    assert answers[1].headers["Idempotent-Replayed"] == "true"
    assert count(engine, Submission) == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "nyckel\u00e5"])
def test_a_malformed_key_is_a_clear_400_and_nothing_is_written(client, world, engine, key):
    answer = client.post(f"{ROUND_URL}/board-decision", json={"date": "2026-12-15", "reference": "US 1"},
                         headers={**world.auth("admin"), "Idempotency-Key": key.encode().decode("latin-1")})
    assert answer.status_code == 400
    assert answer.json["error"] == "invalid_idempotency_key"
    assert "1–255 synliga ASCII-tecken" in answer.json["message"]
    with Session(engine) as session:
        assert session.exec(select(PlanningRound)).one().board_decision_reference is None


def test_a_quoted_key_as_the_draft_standard_writes_it_is_the_same_key(client, world):
    body = {"date": "2026-12-15", "reference": "US 1"}
    first = client.post(f"{ROUND_URL}/board-decision", json=body,
                        headers={**world.auth("admin"), "Idempotency-Key": '"8e03978e-40d5"'})
    again = client.post(f"{ROUND_URL}/board-decision", json=body,
                        headers={**world.auth("admin"), "Idempotency-Key": "8e03978e-40d5"})
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"


def test_an_expired_key_may_be_used_afresh_and_is_purged(client, world, engine, settings):
    body = {"deputy": "hedda.chef", "role": "department_head", "unit": "D101",
            "valid_from": "2027-01-01", "valid_to": "2027-01-31"}
    headers = {**world.auth("head"), "Idempotency-Key": "ledighet-jan"}
    assert client.post("/api/v1/me/deputies", json=body, headers=headers).status_code == 201
    with Session(engine) as session:
        session.execute(update(IdempotencyRecord).values(
            created_at=utcnow() - timedelta(hours=settings.idempotency_hours, minutes=1)))
        session.commit()
    fresh = client.post("/api/v1/me/deputies", json={**body, "valid_to": "2027-02-28"}, headers=headers)
    assert fresh.status_code == 201 and "Idempotent-Replayed" not in fresh.headers
    assert count(engine, Deputy) == 2 and count(engine, IdempotencyRecord) == 1
    with Session(engine) as session:
        assert purge_expired(session, hours=settings.idempotency_hours) == 0
        session.execute(update(IdempotencyRecord).values(created_at=utcnow() - timedelta(hours=25)))
        assert purge_expired(session, hours=24) == 1
        session.commit()
    assert count(engine, IdempotencyRecord) == 0


def test_how_long_keys_are_kept_is_a_setting(tmp_path):
    env = {"PLANROUND_INSTANCE_DIR": str(tmp_path)}
    assert Settings.from_env(env).idempotency_hours == 24
    assert Settings.from_env({**env, "PLANROUND_IDEMPOTENCY_HOURS": "72"}).idempotency_hours == 72
    for wrong in ("0", "ett dygn"):
        with pytest.raises(SettingsError, match="PLANROUND_IDEMPOTENCY_HOURS"):
            Settings.from_env({**env, "PLANROUND_IDEMPOTENCY_HOURS": wrong})


def test_without_a_key_every_request_writes_as_before(client, world, engine):
    content = filled_template(client, world)
    assert [submit(client, world, content, None).json["version"] for _ in range(2)] == [1, 2]
    assert count(engine, IdempotencyRecord) == 0


def test_twins_in_flight_at_once_write_once_and_both_learn_the_outcome(settings, world, engine):
    """Two copies of one submission sent at the same moment: one is stored, the other is told so."""
    with serving(settings) as url:
        admin = {"Authorization": f"Bearer {world.tokens['admin']}"}
        assert requests.post(f"{url}/rounds/{world.round_code}/templates", headers=admin, timeout=60).ok
        template = requests.get(f"{url}/rounds/{world.round_code}/units/D101/template", headers=admin, timeout=60)
        content, key = fill_amounts(template.content, PLAN, comment="Ny kurs"), str(uuid.uuid4())
        headers = {"Authorization": f"Bearer {world.tokens['economist']}", "Content-Type": XLSX,
                   "Idempotency-Key": key}
        start, answers = threading.Barrier(2), []

        def send() -> None:
            start.wait()
            answers.append(requests.post(f"{url}/rounds/{world.round_code}/units/D101/submissions",
                                         data=content, headers=headers, timeout=120))

        twins = [threading.Thread(target=send) for _ in range(2)]
        for twin in twins:
            twin.start()
        for twin in twins:
            twin.join()
    # Each twin is either the stored version, its replay, or told the request is already in hand.
    assert sorted(a.status_code for a in answers) in ([201, 201], [201, 409]), [a.text for a in answers]
    stored = [a.json() for a in answers if a.status_code == 201]
    assert all(body["version"] == 1 for body in stored)
    assert all(a.json()["error"] in ("idempotency_in_flight", "concurrent_submission", "concurrent_change")
               for a in answers if a.status_code == 409)
    assert count(engine, Submission) == 1 and count(engine, BudgetLine) == 4
