"""`planround serve --production`: gunicorn's workers answer on PostgreSQL and stop cleanly."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys

import pytest
import requests
from sqlmodel import Session

from bench.production_server import free_port, wait_until_answering
from planround.models import Role
from planround.server.auth import issue_token
from planround.server.db import make_engine, upgrade
from planround.server.production import default_workers, production_app
from tests.conftest import PG_URL, _reset_postgresql
from tests.factories import make_small_university, make_user

needs_postgresql = pytest.mark.skipif(
    sys.platform == "win32" or not PG_URL,
    reason="PLANROUND_TEST_DATABASE_URL is not set (or Windows): no PostgreSQL for gunicorn to serve",
)

STARTUP_SECONDS = 30


@pytest.fixture
def admin_token(postgresql_url) -> str:
    """An upgraded, emptied PostgreSQL database with an administrator; return their token."""
    engine = make_engine(postgresql_url)
    _reset_postgresql(engine)
    upgrade(postgresql_url)
    with Session(engine, expire_on_commit=False) as session:
        org = make_small_university(session)
        token = issue_token(session, user=make_user(session, "pia.process", (Role.administrator, org["uni"])),
                            days=1)
        session.commit()
    engine.dispose()
    return token


@pytest.fixture
def production_server(postgresql_url, admin_token, tmp_path):
    """Start `planround serve --production` with two workers; yield its base URL, then stop it."""
    port = free_port()
    env = {**os.environ, "PLANROUND_DATABASE_URL": postgresql_url, "PLANROUND_SECRET_KEY": "p" * 40,
           "PLANROUND_INSTANCE_DIR": str(tmp_path / "instance")}
    env.pop("PLANROUND_ENV", None)  # the flag sets it
    process = subprocess.Popen(
        [sys.executable, "-m", "planround.server.cli", "serve", "--production", "--workers", "2",
         "--bind", f"127.0.0.1:{port}"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    yield process, f"http://127.0.0.1:{port}/api/v1"
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=40)


def wait_for(process, url: str) -> None:
    """Wait until the service answers; fail with its output if it dies or stays silent."""
    try:
        wait_until_answering(process, f"{url}/openapi.json", STARTUP_SECONDS)
    except RuntimeError as error:
        pytest.fail(f"{error}:\n{process.stdout.read() if process.poll() is not None else ''}")


@needs_postgresql
def test_production_serves_an_authenticated_request_and_stops_cleanly(production_server, admin_token):
    process, url = production_server
    wait_for(process, url)
    answer = requests.get(f"{url}/me", headers={"Authorization": f"Bearer {admin_token}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["username"] == "pia.process"
    assert requests.get(f"{url}/me", timeout=10).status_code == 401
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=40) == 0
    output = process.stdout.read()
    assert "2 processer" in output and "Booting worker" in output


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn is Unix-only")
def test_production_refuses_sqlite(tmp_path):
    env = {**os.environ, "PLANROUND_INSTANCE_DIR": str(tmp_path / "instance"), "PLANROUND_SECRET_KEY": "p" * 40}
    env.pop("PLANROUND_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "planround.server.cli", "serve", "--production"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "PostgreSQL" in done.stderr


def test_behind_a_proxy_the_throttle_counts_each_client_apart(settings, engine):
    app = production_app(dataclasses.replace(settings, login_failures=2), proxies=1)
    client = app.test_client()

    def wrong_token(address: str) -> int:
        return client.get("/api/v1/me", headers={"Authorization": "Bearer pr_wrong", "X-Forwarded-For": address},
                          environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code

    assert [wrong_token("10.0.0.1") for _ in range(3)] == [401, 401, 429]
    assert wrong_token("10.0.0.2") == 401
    app.extensions["planround"]["engine"].dispose()


def test_default_workers_is_capped():
    assert 3 <= default_workers() <= 8
