"""Fixtures: a real database per test, on SQLite and, when configured, on PostgreSQL."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text
from sqlmodel import Session, SQLModel

from planround.server.db import make_engine

PG_URL = os.environ.get("PLANROUND_TEST_DATABASE_URL")

DATABASES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(
            not PG_URL, reason="PLANROUND_TEST_DATABASE_URL is not set: no PostgreSQL to test on"
        ),
    ),
]


def _reset_postgresql(engine) -> None:
    """Give the test an empty public schema, whatever an earlier test left behind."""
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path) -> str:
    """The URL of an empty database: a SQLite file per test, or the test PostgreSQL, emptied."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'planround.sqlite'}"
    engine = make_engine(PG_URL)
    _reset_postgresql(engine)
    engine.dispose()
    return PG_URL


@pytest.fixture
def engine(database_url):
    """An engine on an empty database with the current schema created."""
    engine = make_engine(database_url)
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine):
    """A session on the test database; the test commits what it needs."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
