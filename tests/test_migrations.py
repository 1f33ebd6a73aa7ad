"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from planround.server.db import make_engine, upgrade


def test_upgrading_an_empty_database_gives_the_models_schema(database_url):
    upgrade(database_url)
    engine = make_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert differences == []


def test_upgrading_twice_changes_nothing(database_url):
    upgrade(database_url)
    upgrade(database_url)
    engine = make_engine(database_url)
    assert set(SQLModel.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def budget_line_indexes(database_url) -> set[str]:
    engine = make_engine(database_url)
    names = {index["name"] for index in inspect(engine).get_indexes("budget_line")}
    engine.dispose()
    return names


def test_0010_drops_the_round_index_of_budget_lines_and_its_downgrade_restores_it(database_url):
    from alembic import command

    from planround.server.db import alembic_config

    upgrade(database_url, "0009")
    assert "ix_budget_line_round_id" in budget_line_indexes(database_url)
    upgrade(database_url, "0010")
    assert budget_line_indexes(database_url) == {"ix_budget_line_submission_account", "ix_budget_line_unit_id"}
    command.downgrade(alembic_config(database_url), "0009")
    assert "ix_budget_line_round_id" in budget_line_indexes(database_url)


def test_0012_drops_the_unit_index_of_budget_lines_and_its_downgrade_restores_it(database_url):
    from alembic import command

    from planround.server.db import alembic_config

    upgrade(database_url, "0011")
    assert "ix_budget_line_unit_id" in budget_line_indexes(database_url)
    upgrade(database_url, "0012")
    assert budget_line_indexes(database_url) == {"ix_budget_line_submission_account"}
    command.downgrade(alembic_config(database_url), "0011")
    assert budget_line_indexes(database_url) == {"ix_budget_line_submission_account", "ix_budget_line_unit_id"}


# --- 0011: a line's submission, round, unit and version under one key --------------------------------

SINGLE_KEYS = {(("submission_id",), "submission", ("id",)), (("round_id",), "planning_round", ("id",)),
               (("unit_id",), "org_unit", ("id",))}
ONE_KEY = (("submission_id", "round_id", "unit_id", "submission_version"), "submission",
           ("id", "round_id", "unit_id", "version"))


def budget_line_foreign_keys(database_url) -> set[tuple]:
    engine = make_engine(database_url)
    keys = {(tuple(key["constrained_columns"]), key["referred_table"], tuple(key["referred_columns"]))
            for key in inspect(engine).get_foreign_keys("budget_line")}
    engine.dispose()
    return keys


def submission_indexes(database_url) -> set[str]:
    engine = make_engine(database_url)
    names = {index["name"] for index in inspect(engine).get_indexes("submission")}
    engine.dispose()
    return names


def stored_lines(database_url) -> list[tuple]:
    from sqlmodel import Session, select

    from planround.models import BudgetLine

    engine = make_engine(database_url)
    with Session(engine) as session:
        lines = session.exec(select(BudgetLine.submission_id, BudgetLine.round_id, BudgetLine.unit_id,
                                    BudgetLine.submission_version, BudgetLine.account_code,
                                    BudgetLine.annual_amount).order_by(BudgetLine.id)).all()
    engine.dispose()
    return [tuple(line) for line in lines]


def submitted_at_0010(database_url):
    """Upgrade to 0010 and store a department's submission of two lines there, as the service did."""
    from decimal import Decimal

    from sqlmodel import Session

    from tests.factories import make_submission, make_university_in_round, make_user

    upgrade(database_url, "0010")
    engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        org = make_university_in_round(session)
        submission = make_submission(session, org["round"], org["dept"], make_user(session, "eva.ekonom"),
                                     {("UTB", "3010"): Decimal("1200.00"), ("FOR", "5010"): Decimal("-300.50")})
        session.commit()
    engine.dispose()
    return submission


def test_0011_puts_a_lines_submission_under_one_key_with_its_lines_kept_and_its_downgrade_restores_three(
        database_url):
    import pytest
    from alembic import command
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from planround.models import BudgetLine
    from planround.server.db import alembic_config

    submission = submitted_at_0010(database_url)
    keys_at_0010, lines = budget_line_foreign_keys(database_url), stored_lines(database_url)
    assert SINGLE_KEYS <= keys_at_0010 and len(lines) == 2
    upgrade(database_url, "0011")
    assert budget_line_foreign_keys(database_url) == keys_at_0010 - SINGLE_KEYS | {ONE_KEY}
    assert "uq_submission_id_round_unit_version" in submission_indexes(database_url)
    assert budget_line_indexes(database_url) == {"ix_budget_line_submission_account", "ix_budget_line_unit_id"}
    assert stored_lines(database_url) == lines
    engine = make_engine(database_url)
    with pytest.raises(IntegrityError), engine.begin() as connection:
        _, _, _, _, account, amount = lines[0]
        row = dict(zip(("submission_id", "round_id", "unit_id", "account_code", "annual_amount"),
                       (submission.id, submission.round_id, submission.unit_id, account, amount)))
        activity = connection.exec_driver_sql("SELECT activity_id FROM budget_line").scalar()
        connection.execute(insert(BudgetLine).values(**row, submission_version=submission.version + 1,
                                                     activity_id=activity, distribution_key="even",
                                                     **{f"m{n:02d}": 0 for n in range(1, 13)}))
    engine.dispose()
    command.downgrade(alembic_config(database_url), "0010")
    assert budget_line_foreign_keys(database_url) == keys_at_0010
    assert "uq_submission_id_round_unit_version" not in submission_indexes(database_url)
    assert stored_lines(database_url) == lines


def test_0011_refuses_lines_that_are_not_their_submissions_and_leaves_the_schema_at_0010(database_url):
    import pytest
    from sqlalchemy import text

    submitted_at_0010(database_url)
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE budget_line SET submission_version = submission_version + 1 "
                                "WHERE id = (SELECT MIN(id) FROM budget_line)"))
    keys_at_0010 = budget_line_foreign_keys(database_url)
    with pytest.raises(RuntimeError, match=r"avbryts: 1 av budgetraderna .* `planround db check`"):
        upgrade(database_url, "0011")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0010"
    engine.dispose()
    assert budget_line_foreign_keys(database_url) == keys_at_0010
    assert "uq_submission_id_round_unit_version" not in submission_indexes(database_url)
