"""The approval climb over the API: strict order, clear refusals, rejections with a reason."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from planround.models import ApprovalEvent, AuditEvent, PlanningRound, RoundState
from tests.climb import ROUND_URL, act, climb_to_head, record_board_decision, state_of, submit_department
from planround.server.consolidated_workbook import read_consolidated_meta
from tests.workbooks import PLAN, XLSX, fill_amounts


def test_the_climb_goes_from_the_economist_to_the_university(client, world):
    assert state_of(client, world, "D101") == "not_started"
    submit_department(client, world, "D101")
    assert state_of(client, world, "D101") == "in_progress"
    steps = [("economist", "D101", "economist_approved"), ("head", "D101", "head_approved")]
    for who, unit, expected in steps:
        answer = act(client, world, who, unit)
        assert answer.status_code == 201, answer.json
        assert state_of(client, world, unit) == expected
    for unit in ("D102", "D201"):
        climb_to_head(client, world, unit)
    assert state_of(client, world, "FAK1") == "ready"
    assert act(client, world, "dean", "FAK1").status_code == 201
    assert state_of(client, world, "FAK1") == "approved"
    assert act(client, world, "admin_head", "FORV").status_code == 201
    assert state_of(client, world, "UNI") == "ready"
    record_board_decision(client, world)
    final = act(client, world, "university", "UNI", comment="Enligt US beslut")
    assert final.status_code == 201, final.json
    assert {t["to"] for t in final.json["transitions"]} == {"university_approved"}
    assert state_of(client, world, "UNI") == "approved"


def test_the_department_head_cannot_approve_before_the_economist_signs_off(client, world):
    submit_department(client, world, "D101")
    answer = act(client, world, "head", "D101")
    assert answer.status_code == 409
    assert "ekonomens klarmarkering" in answer.json["message"]


def test_nothing_can_be_approved_before_a_submission(client, world):
    answer = act(client, world, "economist", "D101")
    assert answer.status_code == 409
    assert answer.json["error"] == "nothing_submitted"


def test_the_dean_cannot_skip_the_department_head(client, world):
    submit_department(client, world, "D101")
    act(client, world, "economist", "D101")
    answer = act(client, world, "dean", "D101")
    assert answer.status_code == 409 and answer.json["error"] == "waiting_for_level"


@pytest.mark.parametrize("who", ["nobody", "other_economist", "head_d102", "admin_head"])
def test_a_user_without_a_role_on_the_department_gets_403(client, world, who):
    submit_department(client, world, "D101")
    answer = act(client, world, who, "D101")
    assert answer.status_code == 403
    assert "D101" in answer.json["message"]


def test_a_group_is_approved_only_when_every_department_is_approved_by_its_head(client, world):
    climb_to_head(client, world, "D101")
    submit_department(client, world, "D102")
    answer = act(client, world, "dean", "FAK1")
    assert answer.status_code == 409
    assert answer.json["error"] == "departments_not_ready"
    assert "D102" in answer.json["message"] and "D101" not in answer.json["message"]
    assert state_of(client, world, "FAK1") == "incomplete"


def test_the_group_level_may_approve_one_department_at_a_time(client, world):
    climb_to_head(client, world, "D101")
    assert act(client, world, "dean", "D101").status_code == 201
    assert state_of(client, world, "D101") == "group_approved"


def test_only_the_dean_of_the_faculty_approves_it(client, world):
    climb_to_head(client, world, "D101")
    climb_to_head(client, world, "D102")
    assert act(client, world, "admin_head", "FAK1").status_code == 403
    assert act(client, world, "head", "FAK1").status_code == 403


def test_the_university_waits_for_the_board_decision(client, world):
    for unit in ("D101", "D102", "D201"):
        climb_to_head(client, world, unit)
    act(client, world, "dean", "FAK1")
    act(client, world, "admin_head", "FORV")
    answer = act(client, world, "university", "UNI")
    assert answer.status_code == 409
    assert "styrelsens beslut" in answer.json["message"]


def test_the_university_cannot_approve_before_every_group(client, world):
    climb_to_head(client, world, "D101")
    climb_to_head(client, world, "D102")
    act(client, world, "dean", "FAK1")
    record_board_decision(client, world)
    answer = act(client, world, "university", "UNI")
    assert answer.status_code == 409
    assert "D201" in answer.json["message"]


def test_a_signed_off_department_cannot_be_resubmitted(client, world):
    submit_department(client, world, "D101")
    act(client, world, "economist", "D101")
    template = client.get(f"{ROUND_URL}/units/D101/template", headers=world.auth("economist")).data
    answer = client.post(f"{ROUND_URL}/units/D101/submissions", data=fill_amounts(template, PLAN, comment="x"),
                         headers={**world.auth("economist"), "Content-Type": XLSX})
    assert answer.status_code == 409
    assert "återkalla" in answer.json["message"]


def test_the_economist_can_withdraw_until_the_head_acts(client, world):
    submit_department(client, world, "D101")
    act(client, world, "economist", "D101")
    assert act(client, world, "economist", "D101", "withdraw").status_code == 201
    assert state_of(client, world, "D101") == "in_progress"
    act(client, world, "economist", "D101")
    act(client, world, "head", "D101")
    answer = act(client, world, "economist", "D101", "withdraw")
    assert answer.status_code == 409 and answer.json["error"] == "withdraw_too_late"


def test_a_rejection_sends_the_department_back_with_its_reason_and_keeps_the_history(client, world, engine):
    climb_to_head(client, world, "D101")
    act(client, world, "dean", "D101")
    answer = act(client, world, "dean", "D101", "reject", comment="Lönekostnaderna saknar LKP")
    assert answer.status_code == 201
    status = client.get(f"{ROUND_URL}/units/D101/status", headers=world.auth("economist")).json
    assert status["state"] == "in_progress"
    assert status["departments"][0]["rejection_reason"] == "Lönekostnaderna saknar LKP"
    tasks = client.get("/api/v1/me/tasks", headers=world.auth("economist")).json["tasks"]
    assert tasks[0]["action"] == "resubmit" and "LKP" in tasks[0]["message"]
    with Session(engine) as session:
        events = session.exec(select(ApprovalEvent).order_by(ApprovalEvent.id)).all()
        audited = session.exec(select(AuditEvent.action).where(AuditEvent.action == "workflow.reject")).all()
    assert [(e.action, e.from_state.value, e.to_state.value) for e in events] == [
        ("submit", "not_started", "in_progress"), ("approve", "in_progress", "economist_approved"),
        ("approve", "economist_approved", "head_approved"), ("approve", "head_approved", "group_approved"),
        ("reject", "group_approved", "in_progress")]
    assert len(audited) == 1
    submit_department(client, world, "D101")
    assert act(client, world, "economist", "D101").status_code == 201


def test_a_rejection_needs_a_reason(client, world):
    climb_to_head(client, world, "D101")
    answer = act(client, world, "dean", "D101", "reject", comment="  ")
    assert answer.status_code == 400 and answer.json["error"] == "reject_needs_reason"


def test_the_economist_cannot_reject(client, world):
    submit_department(client, world, "D101")
    act(client, world, "economist", "D101")
    assert act(client, world, "economist", "D101", "reject", comment="nej").status_code == 403


def test_the_head_cannot_reject_what_the_dean_already_approved(client, world):
    climb_to_head(client, world, "D101")
    act(client, world, "dean", "D101")
    answer = act(client, world, "head", "D101", "reject", comment="Fel")
    assert answer.status_code == 409 and answer.json["error"] == "nothing_to_reject"


def test_an_unknown_action_is_a_400(client, world):
    assert act(client, world, "economist", "D101", "bless").status_code == 400


def test_the_administrator_reopens_a_department(client, world):
    climb_to_head(client, world, "D101")
    answer = client.post(f"{ROUND_URL}/units/D101/reopen", json={"comment": "Ny ram"}, headers=world.auth("admin"))
    assert answer.status_code == 201, answer.json
    assert state_of(client, world, "D101") == "in_progress"
    denied = client.post(f"{ROUND_URL}/units/D101/reopen", json={}, headers=world.auth("dean"))
    assert denied.status_code == 403


def test_a_closed_round_takes_no_approvals(client, world, engine):
    submit_department(client, world, "D101")
    with Session(engine) as session:
        planning_round = session.exec(select(PlanningRound)).one()
        planning_round.state = RoundState.closed
        session.add(planning_round)
        session.commit()
    assert act(client, world, "economist", "D101").status_code == 409


def test_a_deputy_acts_for_the_dates_named_and_the_history_says_for_whom(client, world, engine):
    climb_to_head(client, world, "D101")
    today = date.today()
    named = client.post("/api/v1/me/deputies", headers=world.auth("dean"), json={
        "deputy": "hedda.chef", "role": "group_head", "unit": "FAK1",
        "valid_from": (today - timedelta(days=1)).isoformat(), "valid_to": (today + timedelta(days=7)).isoformat()})
    assert named.status_code == 201, named.json
    assert act(client, world, "head_d102", "D101").status_code == 201
    assert state_of(client, world, "D101") == "group_approved"
    with Session(engine) as session:
        event = session.exec(select(ApprovalEvent).order_by(ApprovalEvent.id.desc())).first()
    assert event.acting_for_id is not None and event.acting_for_id != event.user_id
    listed = client.get("/api/v1/me/deputies", headers=world.auth("head_d102")).json["deputies"]
    assert listed[0]["principal"] == "dora.dekan"


def test_a_deputy_outside_the_period_has_no_right(client, world):
    climb_to_head(client, world, "D101")
    later = date.today() + timedelta(days=30)
    client.post("/api/v1/me/deputies", headers=world.auth("dean"), json={
        "deputy": "hedda.chef", "role": "group_head", "unit": "FAK1",
        "valid_from": later.isoformat(), "valid_to": (later + timedelta(days=7)).isoformat()})
    assert act(client, world, "head_d102", "D101").status_code == 403


def test_only_a_role_holder_names_a_deputy_for_it(client, world):
    answer = client.post("/api/v1/me/deputies", headers=world.auth("nobody"), json={
        "deputy": "hedda.chef", "role": "group_head", "unit": "FAK1",
        "valid_from": "2026-12-01", "valid_to": "2026-12-31"})
    assert answer.status_code == 403


def test_tasks_show_what_waits_for_each_user(client, world):
    assert [t["action"] for t in client.get("/api/v1/me/tasks", headers=world.auth("economist")).json["tasks"]] == ["submit"]
    submit_department(client, world, "D101")
    act(client, world, "economist", "D101")
    head_tasks = client.get("/api/v1/me/tasks", headers=world.auth("head")).json["tasks"]
    assert [(t["unit_code"], t["action"]) for t in head_tasks] == [("D101", "approve")]
    assert client.get("/api/v1/me/tasks", headers=world.auth("nobody")).json["tasks"] == []


def test_status_lists_every_department_below_with_who_and_when(client, world):
    submit_department(client, world, "D101")
    status = client.get(f"{ROUND_URL}/units/UNI/status", headers=world.auth("university")).json
    assert [g["unit"] for g in status["groups"]] == ["FAK1", "FORV"]
    by_unit = {d["unit"]: d for d in status["departments"]}
    assert by_unit["D101"]["state"] == "in_progress" and by_unit["D101"]["changed_by"] == "Eva Ekonom"
    assert by_unit["D102"]["label"] == "Ej påbörjad"


def test_an_approval_of_a_stale_consolidated_version_is_refused(client, world):
    submit_department(client, world, "D101")
    act(client, world, "economist", "D101")
    seen = client.get(f"{ROUND_URL}/units/D101/consolidated", headers=world.auth("head"))
    assert seen.status_code == 200
    version = int(seen.headers["X-Version"])
    assert read_consolidated_meta(seen.data)["version"] == str(version)
    act(client, world, "economist", "D101", "withdraw")
    act(client, world, "economist", "D101")
    stale = act(client, world, "head", "D101", consolidated_version=version)
    assert stale.status_code == 409 and stale.json["error"] == "stale_consolidated"
    fresh = int(client.get(f"{ROUND_URL}/units/D101/consolidated", headers=world.auth("head")).headers["X-Version"])
    assert fresh > version
    assert act(client, world, "head", "D101", consolidated_version=fresh).status_code == 201


def test_a_workbook_is_made_anew_after_a_step_and_kept_while_nothing_changes(client, world):
    submit_department(client, world, "D101")

    def versions() -> dict[str, int]:
        return {u: int(client.get(f"{ROUND_URL}/units/{u}/consolidated", headers=world.auth("university"))
                       .headers["X-Version"]) for u in ("D101", "FAK1", "UNI")}

    first = versions()
    assert versions() == first
    act(client, world, "economist", "D101")
    assert versions() == {u: v + 1 for u, v in first.items()}
    assert client.get(f"{ROUND_URL}/units/D201/consolidated", headers=world.auth("university")).status_code == 200
    assert versions() == {u: v + 1 for u, v in first.items()}


def test_a_department_without_a_submission_gets_an_empty_workbook(client, world):
    answer = client.get(f"{ROUND_URL}/units/D101/consolidated", headers=world.auth("head"))
    assert answer.status_code == 200 and answer.headers["X-Version"] == "1"
    assert read_consolidated_meta(answer.data)["unit"] == "D101"


def test_readers_asking_at_once_all_get_a_current_version_they_can_approve(app, client, world):
    import threading

    submit_department(client, world, "D101")
    act(client, world, "economist", "D101")
    barrier, answers = threading.Barrier(4), []

    def read():
        with app.test_client() as own:
            barrier.wait()
            answer = own.get(f"{ROUND_URL}/units/D101/consolidated", headers=world.auth("head"))
            answers.append((answer.status_code, int(answer.headers.get("X-Version", 0))))

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [status for status, _ in answers] == [200] * 4
    # Whichever version a reader got shows the current state, so the oldest of them still approves.
    oldest = min(version for _, version in answers)
    assert act(client, world, "head", "D101", consolidated_version=oldest).status_code == 201
