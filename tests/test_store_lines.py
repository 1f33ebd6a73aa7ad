"""Storing a submission's lines: every line, in order, each amount exactly as validated, in batches of any size.

Lines that carry their öre (`LineDraft.ore`) and lines that do not are stored alike.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import pytest
from sqlmodel import select

from planround.models import Activity, BudgetLine
from planround.models.submissions import MONTHS, DistributionKey
from planround.models.types import as_decimal, whole_ore
from planround.server import submissions
from planround.server.submissions import store_lines
from planround.server.validation import LineDraft
from tests.factories import make_submission, make_university_in_round, make_user, spread_evenly

D = Decimal
ACCOUNTS = ("3010", "3110", "4010", "5010", "6010", "7010")
AWKWARD = (D("0.01"), D("-0.01"), D("0.00"), D("-1250000.35"), D("9999999999999999.99"), D("850.0"), D("7"))


def drafts(activities: dict[str, int], count: int) -> list[LineDraft]:
    """Lines of every key: awkward amounts, repeated ones, own months that differ, some commented."""
    lines = []
    for number in range(count):
        activity = ("UTB", "FOR")[number % 2]
        annual = AWKWARD[number % len(AWKWARD)] if number % 3 == 0 else D(1000 + number * 7) / 100
        months = tuple(spread_evenly(annual))
        key = DistributionKey.even
        if number % 5 == 0:
            key, months = DistributionKey.own, (*(D(n) + D("0.01") for n in range(11)), annual - D("55.11"))
        # Every other line knows its amounts in whole öre, as validation's short way gives them.
        ore = tuple(map(whole_ore, (annual, *months))) if number % 2 and annual < 10**13 else None
        lines.append(LineDraft(row=number + 11, activity_code=activity, activity_id=activities[activity],
                               account_code=ACCOUNTS[number % len(ACCOUNTS)], key=key, annual=annual,
                               months=months, comment=f"Rad {number}" if number % 7 == 0 else None, ore=ore))
    return lines


def stored(session) -> list[tuple]:
    """Return the stored lines in the order they were inserted, as the drafts' fields."""
    return [(line.activity_id, line.account_code, DistributionKey(line.distribution_key), line.annual_amount,
             tuple(getattr(line, m) for m in MONTHS), line.comment)
            for line in session.exec(select(BudgetLine).order_by(BudgetLine.id)).all()]


def as_drafted(lines: list[LineDraft]) -> list[tuple]:
    return [(l.activity_id, l.account_code, l.key, l.annual, l.months, l.comment) for l in lines]


@pytest.fixture
def empty_submission(session):
    org = make_university_in_round(session)
    submission = make_submission(session, org["round"], org["dept"], make_user(session, "eva.ekonom"), {})
    activities = {a.code: a.id for a in session.exec(select(Activity).where(Activity.unit_id == org["dept"].id))}
    return submission, activities


def test_every_line_is_stored_in_order_with_its_exact_amounts_across_batches_and_inserts(
        session, empty_submission, monkeypatch):
    # Small sizes, so one store crosses batches, multi-row INSERTs (with a short last one) and memo clearings.
    monkeypatch.setattr(submissions, "STORE_BATCH", 100)
    monkeypatch.setattr(submissions, "ROWS_PER_INSERT", 7)
    monkeypatch.setattr(submissions, "AMOUNTS_MEMOISED", 5)
    submission, activities = empty_submission
    lines = drafts(activities, 1234)
    store_lines(session, submission=submission, lines=lines)
    session.commit()
    assert stored(session) == as_drafted(lines)
    heads = session.exec(select(BudgetLine.submission_id, BudgetLine.round_id, BudgetLine.unit_id,
                                BudgetLine.submission_version).distinct()).all()
    assert heads == [(submission.id, submission.round_id, submission.unit_id, submission.version)]


def test_a_sqlite_with_few_parameters_gets_fewer_rows_per_insert(session, empty_submission, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's limit on a statement's parameters")
    submission, activities = empty_submission
    dbapi_connection = session.connection().connection.dbapi_connection
    dbapi_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 3 * len(submissions.LINE_COLUMNS) + 1)
    assert submissions._rows_per_sqlite_insert(session.connection()) == 3
    lines = drafts(activities, 10)
    store_lines(session, submission=submission, lines=lines)
    session.commit()
    assert stored(session) == as_drafted(lines)


def test_money_is_bound_as_before_whole_ore_rounding_half_even_and_decimals_as_they_are():
    assert [whole_ore(v) for v in (D("1.005"), D("1.015"), D("-0.01"), D("850.0"), 7, None)] == [
        100, 102, -1, 85000, 700, None]
    amount = D("1250000.35")
    assert as_decimal(amount) is amount
    assert as_decimal(7) == D(7) and as_decimal(None) is None
