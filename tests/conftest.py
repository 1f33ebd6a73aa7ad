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


@pytest.fixture(scope="session")
def postgresql_url():
    """A database of this test run's own on the test server, so parallel runs never collide."""
    from sqlalchemy.engine import make_url

    base = make_url(PG_URL)
    name = f"{base.database}_run{os.getpid()}"
    admin = make_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path) -> str:
    """The URL of an empty database: a SQLite file per test, or this run's PostgreSQL, emptied."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'planround.sqlite'}"
    url = request.getfixturevalue("postgresql_url")
    engine = make_engine(url)
    _reset_postgresql(engine)
    engine.dispose()
    return url


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


# --- the service --------------------------------------------------------------------------

from dataclasses import dataclass, field  # noqa: E402

from planround.models import Role  # noqa: E402
from planround.server.app import create_app  # noqa: E402
from planround.server.auth import issue_token  # noqa: E402
from planround.server.settings import Settings  # noqa: E402


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    """Settings for the test database, with a known secret and a small upload limit."""
    return Settings(database_url=database_url, secret_key="s" * 40, instance_dir=tmp_path / "instance",
                    max_upload_bytes=2 * 1024 * 1024, max_cells=200_000)


@dataclass
class World:
    """A small university, an open budget round and a named user of each kind, with tokens."""

    org: dict
    round_code: str
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture
def world(engine) -> World:
    """Set up the university, the round and the users once per test, committed."""
    from tests.factories import make_round, make_small_university, make_user

    with Session(engine, expire_on_commit=False) as session:
        org = make_small_university(session)
        d101, d102, d201 = org["departments"]
        users = {
            "admin": make_user(session, "pia.process", (Role.administrator, org["uni"])),
            "economist": make_user(session, "eva.ekonom", (Role.economist, d101)),
            "other_economist": make_user(session, "olle.ekonom", (Role.economist, d102)),
            "two_units_economist": make_user(session, "tva.ekonom", (Role.economist, d101), (Role.economist, d102)),
            "head": make_user(session, "hans.chef", (Role.department_head, d101)),
            "head_d102": make_user(session, "hedda.chef", (Role.department_head, d102)),
            "head_d201": make_user(session, "holger.chef", (Role.department_head, d201)),
            "economist_d201": make_user(session, "elin.ekonom", (Role.economist, d201)),
            "dean": make_user(session, "dora.dekan", (Role.group_head, org["faculty"])),
            "admin_head": make_user(session, "fia.forvaltningschef", (Role.group_head, org["admin"])),
            "university": make_user(session, "ulla.universitet", (Role.university, org["uni"])),
            "system_admin": make_user(session, "sam.system", (Role.system_admin, org["uni"])),
            "system_owner": make_user(session, "sara.systemagare", (Role.system_owner, org["uni"])),
            "nobody": make_user(session, "nils.ingen"),
        }
        planning_round = make_round(session)
        tokens = {name: issue_token(session, user=user, days=30) for name, user in users.items()}
        session.commit()
    return World(org=org, round_code=planning_round.code, tokens=tokens)


@pytest.fixture
def app(settings, engine, world):
    """The Flask app on the test database (schema created, world set up)."""
    app = create_app(settings)
    app.config["TESTING"] = True
    yield app
    app.extensions["planround"]["engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


# --- the command line -----------------------------------------------------------------------

from click.testing import CliRunner  # noqa: E402

from planround.server.cli import main  # noqa: E402


@pytest.fixture
def run(database_url, tmp_path):
    """Run `planround ...` against the test database; return the click result."""
    runner = CliRunner()
    env = {"PLANROUND_DATABASE_URL": database_url, "PLANROUND_INSTANCE_DIR": str(tmp_path / "instance")}

    def invoke(*args: str):
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)
    return invoke


@pytest.fixture
def loaded(run):
    """`run`, on a database upgraded and loaded with the shipped demo data."""
    assert run("db", "upgrade").exit_code == 0
    result = run("load", "demo")
    assert result.exit_code == 0, result.output
    return run


@pytest.fixture
def service(settings, world):
    """The real service on loopback, with every department's template generated by the administrator."""
    from planround.addin.client import PlanroundClient
    from planround.server.local_server import serving

    with serving(settings) as url:
        PlanroundClient(url, world.tokens["admin"]).generate_templates(world.round_code)
        yield url
