"""The load test: a small bounded run against the production server, and checks shown able to fail.

The verification is tried on a round climbed over loopback HTTP one request at a time, first
intact, then with the database broken behind the service's back in one way per test.
"""

from __future__ import annotations

import json
import random
import sys

import pytest
from sqlalchemy import delete, select as sa_select, update
from sqlmodel import Session, select

from bench.load_actors import Load, Recorder
from bench.load_verify import verify
from bench.load_world import ADMIN, UNIVERSITY, build_world, prepare_workbooks
from bench.loadtest import main, read_back
from planround.models import ApprovalEvent, BudgetLine, Submission
from planround.server.local_server import serving
from tests.conftest import PG_URL

needs_postgresql = pytest.mark.skipif(
    sys.platform == "win32" or not PG_URL,
    reason="PLANROUND_TEST_DATABASE_URL is not set (or Windows): no PostgreSQL for gunicorn to serve",
)


@needs_postgresql
def test_a_small_bounded_load_against_the_production_server_passes_every_check(tmp_path, capsys):
    status = main(["--economists", "4", "--approvers", "4", "--groups", "2", "--workers", "2", "--duration", "90",
                   "--max-requests", "1500", "--database-url", PG_URL, "--out", str(tmp_path)])
    report = json.loads((tmp_path / "loadtest.json").read_text(encoding="utf-8"))
    assert status == 0, capsys.readouterr().out
    assert report["passed"] and report["breaches"] == []
    outcomes = report["outcomes"]
    assert outcomes["submissions_accepted"] > 0 and outcomes["approvals_accepted"] > 0
    assert outcomes["submissions_refused"] + outcomes["approvals_refused"] > 0
    assert outcomes["status_5xx"] == 0 and outcomes["unanswered"] == 0
    assert report["run"]["requests"] <= 1500
    assert report["kinds"]["submit"]["p95"] > 0
    assert "PASSED" in capsys.readouterr().out


def test_without_postgresql_it_says_what_it_needs(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("PLANROUND_BENCH_DATABASE_URL", raising=False)
    assert main(["--out", str(tmp_path)]) == 2
    assert "PostgreSQL" in capsys.readouterr().err
    assert not (tmp_path / "loadtest.json").exists()


def test_no_request_is_sent_past_the_request_bound_or_the_deadline():
    counted = Recorder(max_requests=3, duration=60)
    sent = [counted.call("tasks", "eva", "-", lambda: [])[0] for _ in range(5)]
    assert [r is not None for r in sent] == [True, True, True, False, False]
    assert counted.stopped_by == "max_requests" and len(counted.requests) == 3
    timed = Recorder(max_requests=100, duration=0)
    assert timed.call("tasks", "eva", "-", lambda: []) == (None, None)
    assert timed.stopped_by == "duration" and timed.requests == []


# --- the verification, shown able to fail ----------------------------------------------------


@pytest.fixture
def climbed(settings, engine):
    """Climb a two-department round to the university over loopback HTTP; return what verify needs."""
    world = build_world(engine, economists=2, approvers=3, groups=1)
    rng = random.Random(0)
    with serving(settings) as base:
        prepare_workbooks(world, base, 60)
        load = Load(world, base, Recorder(max_requests=500, duration=300))
        for department in world.departments.values():
            name, unit = department.economist, department.code
            client = load.client(name)
            load.submit(client, name, unit, department.invalid[0], "submit_invalid")
            load.submit(client, name, unit, department.valid[0], "submit")
            load.submit(client, name, unit, department.valid[1], "submit")
            load.act(name, unit, "sign_off", "approve", client=client, double=True)
            load.review_and_approve(load.client(department.head), department.head, unit, "approve_department", {}, rng)
        (group, dean), = world.groups.items()
        load.review_and_approve(load.client(dean), dean, group, "approve_group", {}, rng)
        load.act(UNIVERSITY, world.university, "approve_total", "approve")  # refused: the board has not decided
        load.client(ADMIN).record_board_decision(world.round_code, "2026-12-15", "US 2026/42")
        load.review_and_approve(load.client(UNIVERSITY), UNIVERSITY, world.university, "approve_total", {}, rng)
        states, consolidated = read_back(world, base)
    return world, load.recorder.requests, states, consolidated


def checks_failing(engine, climbed) -> set[str]:
    world, requests, states, consolidated = climbed
    with Session(engine) as session:
        return {b.check for b in verify(session, round_code=world.round_code, requests=requests,
                                        api_states=states, consolidated=consolidated)}


def test_an_intact_climb_passes_and_did_what_it_says(engine, climbed):
    _, requests, states, _ = climbed
    assert checks_failing(engine, climbed) == set()
    assert set(states.values()) == {"university_approved"}
    kinds = {(r.kind, r.ok) for r in requests}
    assert {("submit", True), ("submit_invalid", False), ("approve_total", False), ("approve_total", True)} <= kinds


def test_a_line_deleted_behind_the_service_is_found(engine, climbed):
    with Session(engine) as session:
        latest = session.exec(select(BudgetLine.id).where(BudgetLine.submission_version == 2)).first()
        session.execute(delete(BudgetLine).where(BudgetLine.id == latest))
        session.commit()
    assert {"submission lines", "consolidated", "db check: totals"} <= checks_failing(engine, climbed)


def test_a_doubled_approval_is_found(engine, climbed):
    with Session(engine) as session:
        event = session.exec(select(ApprovalEvent).where(ApprovalEvent.action == "approve")).first()
        session.add(ApprovalEvent(**event.model_dump(exclude={"id"})))
        session.commit()
    assert {"approval", "db check: order"} <= checks_failing(engine, climbed)


def test_a_lost_approval_is_found(engine, climbed):
    with Session(engine) as session:
        last = session.execute(sa_select(ApprovalEvent.id).order_by(ApprovalEvent.id.desc())).scalars().first()
        session.execute(delete(ApprovalEvent).where(ApprovalEvent.id == last))
        session.commit()
    assert {"approval", "db check: state"} <= checks_failing(engine, climbed)


def test_a_submission_stored_without_an_answer_is_found(engine, climbed):
    _, requests, _, _ = climbed
    refused = next(r for r in requests if r.kind == "submit_invalid")
    with Session(engine) as session:  # as if the refused workbook had been kept after all
        session.execute(update(Submission).where(Submission.version == 1).values(checksum=refused.detail["checksum"]))
        session.commit()
    assert "submission count" in checks_failing(engine, climbed)


def test_a_5xx_or_a_missing_answer_is_a_breach(engine, climbed):
    _, requests, _, _ = climbed
    requests[0].status = 502
    requests[1].status = None
    assert {"5xx", "answered"} <= checks_failing(engine, climbed)
