"""`planround db check` finds what breaks the invariants, and a restored backup passes it."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import update
from sqlmodel import Session, select

from planround.models import (
    BudgetLine,
    ConsolidatedWorkbook,
    DepartmentStatus,
    Submission,
    SubmissionAccountSum,
    UnitState,
)
from planround.server.integrity import check_database
from tests.climb import act, submit_department


def breaches(engine) -> list:
    with Session(engine) as session:
        return check_database(session)


def test_a_database_after_a_climb_passes_every_check(client, world, engine):
    submit_department(client, world, "D101")
    act(client, world, "economist", "D101")
    act(client, world, "head", "D101")
    submit_department(client, world, "D102")
    assert breaches(engine) == []


def test_a_line_changed_behind_the_service_is_reported(client, world, engine):
    submit_department(client, world, "D101")
    assert client.get("/api/v1/rounds/budget-2027/units/UNI/consolidated", headers=world.auth("admin")).status_code == 200
    with Session(engine) as session:
        line = session.exec(select(BudgetLine)).first()
        session.execute(update(BudgetLine).where(BudgetLine.id == line.id)
                        .values(annual_amount=line.annual_amount + Decimal("0.01")))
        session.commit()
    found = {b.check for b in breaches(engine)}
    assert {"totals", "consolidated"} <= found


def test_a_stored_sum_per_account_changed_behind_the_service_is_reported(client, world, engine, run):
    submit_department(client, world, "D101")
    with Session(engine) as session:
        submission_id, account, march = session.exec(
            select(SubmissionAccountSum.submission_id, SubmissionAccountSum.account_code, SubmissionAccountSum.m03)
            .order_by(SubmissionAccountSum.account_code)).first()
        session.execute(update(SubmissionAccountSum)
                        .where(SubmissionAccountSum.submission_id == submission_id,
                               SubmissionAccountSum.account_code == account)
                        .values(m03=march + Decimal("0.01")))
        session.commit()
    found = breaches(engine)
    assert [(b.check, b.where) for b in found] == [("account sums", f"submission {submission_id}, konto {account}")]
    stored_part, lines_part = found[0].message.split(" men raderna summerar till ")
    assert f"{march + Decimal('0.01')}" in stored_part and f"{march}" in lines_part
    result = run("db", "check")
    assert result.exit_code == 1 and f"konto {account}" in result.output


def test_a_missing_sum_per_account_is_reported(client, world, engine):
    submit_department(client, world, "D101")
    with Session(engine) as session:
        stored = session.exec(select(SubmissionAccountSum)).first()
        session.delete(stored)
        session.commit()
    found = breaches(engine)
    assert [b.check for b in found] == ["account sums"] and "saknas" in found[0].message


def test_a_state_outside_the_history_is_reported(client, world, engine):
    submit_department(client, world, "D101")
    with Session(engine) as session:
        session.execute(update(DepartmentStatus).values(state=UnitState.group_approved))
        session.commit()
    assert [b.check for b in breaches(engine)] == ["state"]


def test_a_changed_stored_file_is_reported(client, world, engine):
    submit_department(client, world, "D101")
    with Session(engine) as session:
        session.execute(update(Submission).values(file_bytes=b"PK changed"))
        session.commit()
    assert [b.check for b in breaches(engine)] == ["checksum"]


def test_the_command_exits_non_zero_on_a_breach(client, world, engine, run):
    submit_department(client, world, "D101")
    client.get("/api/v1/rounds/budget-2027/units/D101/consolidated", headers=world.auth("admin"))
    assert run("db", "check").exit_code == 0
    with Session(engine) as session:
        session.execute(update(ConsolidatedWorkbook).values(checksum="0" * 64))
        session.commit()
    result = run("db", "check")
    assert result.exit_code == 1 and "kontrollsumma" in result.output


def test_an_out_of_date_workbook_is_no_breach(client, world, engine):
    submit_department(client, world, "D101")
    client.get("/api/v1/rounds/budget-2027/units/D101/consolidated", headers=world.auth("admin"))
    submit_department(client, world, "D101")
    assert breaches(engine) == []
