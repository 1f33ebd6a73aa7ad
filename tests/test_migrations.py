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
