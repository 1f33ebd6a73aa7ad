"""A submission's lines summed per account are stored with them, and migration 0008 sums the older ones."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from alembic import command
from sqlmodel import Session, select

from planround.models import BudgetLine, SubmissionAccountSum
from planround.models.submissions import MONTHS
from planround.server.db import alembic_config, make_engine, upgrade
from tests.climb import submit_department
from tests.factories import make_round, make_small_university, make_submission, make_user

D = Decimal


def sums_of_lines(session: Session) -> dict[tuple[int, str], list[Decimal]]:
    """Sum every line per submission and account in Python: annual amount, then the twelve months."""
    sums: dict[tuple[int, str], list[Decimal]] = defaultdict(lambda: [D("0.00")] * 13)
    for line in session.exec(select(BudgetLine)).all():
        entry = sums[(line.submission_id, line.account_code)]
        for i, amount in enumerate([line.annual_amount, *(getattr(line, m) for m in MONTHS)]):
            entry[i] += amount
    return dict(sums)


def stored_sums(session: Session) -> dict[tuple[int, str], list[Decimal]]:
    """Return the stored sums per submission and account in the same shape."""
    return {(s.submission_id, s.account_code): [s.annual_amount, *(getattr(s, m) for m in MONTHS)]
            for s in session.exec(select(SubmissionAccountSum)).all()}


def test_a_submitted_workbook_stores_its_lines_summed_per_account_for_each_version(client, world, engine):
    submit_department(client, world, "D101")
    submit_department(client, world, "D101")
    submit_department(client, world, "D102")
    with Session(engine) as session:
        expected = sums_of_lines(session)
        assert len({submission for submission, _ in expected}) == 3
        assert stored_sums(session) == expected


def test_migration_0008_sums_the_submissions_stored_before_it(database_url):
    upgrade(database_url)
    engine = make_engine(database_url)
    with Session(engine) as session:
        org = make_small_university(session)
        economist = make_user(session, "eva.ekonom")
        budget = make_round(session)
        d101, d102, _ = org["departments"]
        make_submission(session, budget, d101, economist, {("UTB", "3010"): D("1250000.10"),
                                                            ("FOR", "3010"): D("0.25"),
                                                            ("FOR", "4010"): D("333333.33")})
        make_submission(session, budget, d102, economist, {("UTB", "4010"): D("1234567.89")})
        session.commit()
        expected = sums_of_lines(session)
    engine.dispose()
    # Back to before the table existed (its rows go with it), then up again: the migration sums the lines.
    command.downgrade(alembic_config(database_url), "0007")
    upgrade(database_url)
    engine = make_engine(database_url)
    with Session(engine) as session:
        assert stored_sums(session) == expected
        assert D("1250000.35") in {sums[0] for sums in expected.values()}  # two lines of an account, summed
    engine.dispose()
