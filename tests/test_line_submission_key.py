"""A budget line's submission, round, unit and version are its submission's: the database refuses others,
and `planround db check` still finds them where foreign keys were off (a SQLite file written by hand)."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from planround.models import Activity, BudgetLine
from planround.server.integrity import check_database
from tests.factories import make_submission, make_university_in_round, make_user

LINES = {("UTB", "3010"): Decimal("1200.00"), ("FOR", "5010"): Decimal("-300.50")}


@pytest.fixture
def submitted(session):
    """A department's first submission of two lines, and its other departments."""
    org = make_university_in_round(session)
    submission = make_submission(session, org["round"], org["dept"], make_user(session, "eva.ekonom"), LINES)
    session.commit()
    return submission, org


def a_line(session, submission, **changes) -> BudgetLine:
    """A line of `submission`'s, with the given fields changed."""
    activity = session.exec(select(Activity).where(Activity.unit_id == submission.unit_id)).first()
    fields = dict(submission_id=submission.id, round_id=submission.round_id, unit_id=submission.unit_id,
                  submission_version=submission.version, activity_id=activity.id, account_code="6010",
                  distribution_key="even", annual_amount=Decimal("0.00"),
                  **{f"m{n:02d}": Decimal("0.00") for n in range(1, 13)})
    return BudgetLine(**{**fields, **changes})


def test_a_line_of_its_submissions_round_unit_and_version_is_stored(session, submitted):
    submission, _ = submitted
    session.add(a_line(session, submission))
    session.commit()
    assert len(session.exec(select(BudgetLine)).all()) == len(LINES) + 1


@pytest.mark.parametrize("field", ["round_id", "unit_id", "submission_version", "submission_id"])
def test_a_line_that_is_not_its_submissions_is_refused(session, submitted, field):
    submission, org = submitted
    other = {"round_id": submission.round_id + 1000, "unit_id": org["departments"][1].id,
             "submission_version": submission.version + 1, "submission_id": submission.id + 1000}
    session.add(a_line(session, submission, **{field: other[field]}))
    with pytest.raises(IntegrityError):
        session.commit()


def written_with_foreign_keys_off(database_url: str, statement: str) -> None:
    """Change the SQLite file as the sqlite3 shell would: its foreign keys off, as is SQLite's default."""
    connection = sqlite3.connect(database_url.split("///", 1)[1])
    with connection:
        connection.execute(statement)
    connection.close()


def test_db_check_still_finds_a_line_of_another_version_where_foreign_keys_were_off(
        engine, database_url, submitted):
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL always holds its foreign keys")
    submission, _ = submitted
    written_with_foreign_keys_off(database_url, "UPDATE budget_line SET submission_version = submission_version + 1")
    with Session(engine) as session:
        found = check_database(session)
    assert [(b.check, b.where) for b in found] == [("lines", f"submission {submission.id}")] * len(LINES)
    assert "annan omgång, enhet eller version" in found[0].message


def test_db_check_reports_a_line_of_a_missing_submission_where_foreign_keys_were_off(
        engine, database_url, submitted):
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL always holds its foreign keys")
    submission, _ = submitted
    written_with_foreign_keys_off(database_url, "UPDATE budget_line SET submission_id = submission_id + 1000 "
                                                "WHERE id = (SELECT MIN(id) FROM budget_line)")
    with Session(engine) as session:
        found = check_database(session)
    assert ("lines", f"submission {submission.id + 1000}", "en rad pekar på en inlämning som saknas") in {
        (b.check, b.where, b.message) for b in found}
