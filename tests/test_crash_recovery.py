"""Kill the real server in the middle of a write: nothing half written, and the retry writes once.

`planround serve` runs as its own process on a loopback port. To catch it in the middle of a
transaction without fault hooks in the code, the test holds a database lock: on PostgreSQL an
EXCLUSIVE lock on a table the write reaches late (the server has begun writing and waits there),
on SQLite `BEGIN IMMEDIATE` (the server waits at its first write). Then `kill -9`, release the
lock, restart, and check: `planround db check` passes, nothing of the write is there, and the
client's retry with its Idempotency-Key is stored exactly once.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import requests
from sqlalchemy import func, text
from sqlmodel import Session, select

from planround.models import ApprovalEvent, AuditEvent, BudgetLine, DepartmentStatus, IdempotencyRecord, Submission
from planround.models import UnitState
from bench.production_server import free_port, wait_until_answering
from planround.server.db import make_engine, upgrade
from tests.workbooks import PLAN, XLSX, fill_amounts

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="kill -9 is a Unix signal")

STARTUP_SECONDS = 30
ROUND = "budget-2027"


@dataclass
class Service:
    """`planround serve` on one database: started, killed and started again by the test."""

    database_url: str
    instance_dir: str
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"

    def env(self) -> dict[str, str]:
        env = {**os.environ, "PLANROUND_DATABASE_URL": self.database_url, "PLANROUND_SECRET_KEY": "k" * 40,
               "PLANROUND_INSTANCE_DIR": self.instance_dir}
        env.pop("PLANROUND_ENV", None)
        return env

    def start(self) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "planround.server.cli", "serve", "--port", str(self.port)],
            env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            wait_until_answering(self.process, f"{self.url}/openapi.json", STARTUP_SECONDS)
        except RuntimeError as error:
            self.stop()
            pytest.fail(f"{error}:\n{self.process.stdout.read()}")

    def kill(self) -> None:
        """Kill the server outright: no cleanup, no rollback, as a power cut would."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        assert self.process.returncode == -signal.SIGKILL

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def db_check(self) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "planround.server.cli", "db", "check"], env=self.env(),
                              capture_output=True, text=True, timeout=120)


@pytest.fixture
def service(database_url, tmp_path, request) -> Iterator[tuple[Service, object]]:
    """A migrated database with the test world, and the server on it, templates generated."""
    upgrade(database_url)
    world = request.getfixturevalue("world")
    server = Service(database_url, str(tmp_path / "instance"))
    server.start()
    try:
        answer = requests.post(f"{server.url}/rounds/{ROUND}/templates", headers=world.auth("admin"), timeout=60)
        assert answer.status_code == 201, answer.text
        yield server, world
    finally:
        server.stop()


def filled_template(server: Service, world) -> bytes:
    answer = requests.get(f"{server.url}/rounds/{ROUND}/units/D101/template", headers=world.auth("economist"),
                          timeout=60)
    assert answer.status_code == 200, answer.text
    return fill_amounts(answer.content, PLAN, comment="Ny kurs")


def submit(server: Service, world, content: bytes, key: str, timeout: float = 60) -> requests.Response:
    return requests.post(f"{server.url}/rounds/{ROUND}/units/D101/submissions", data=content, timeout=timeout,
                         headers={**world.auth("economist"), "Content-Type": XLSX, "Idempotency-Key": key})


def sign_off(server: Service, world, key: str, timeout: float = 60) -> requests.Response:
    return requests.post(f"{server.url}/rounds/{ROUND}/units/D101/approvals", timeout=timeout,
                         json={"action": "approve", "comment": "Klar"},
                         headers={**world.auth("economist"), "Idempotency-Key": key})


def counts(engine) -> dict[str, int]:
    with Session(engine) as session:
        return {table.__name__: session.exec(select(func.count()).select_from(table)).one()
                for table in (Submission, BudgetLine, ApprovalEvent, AuditEvent, IdempotencyRecord)}


def state_of_d101(engine) -> UnitState | None:
    with Session(engine) as session:
        rows = session.exec(select(DepartmentStatus.state)).all()
        return rows[0] if rows else None


# --- holding the server in the middle of its transaction ------------------------------------------


@contextmanager
def held(database_url: str, table: str, written: str) -> Iterator[Callable[[], None]]:
    """Hold a lock that stops the server's write; yield a function that waits until it is stopped there.

    PostgreSQL: an EXCLUSIVE lock on `table` lets the server read everything and write the tables
    before it (`written` among them, checked), and stops its INSERT into `table`. SQLite: BEGIN
    IMMEDIATE stops its first write.
    """
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(database_url.split("///", 1)[1], isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield lambda: None  # the request's own thread tells when it has been sent and stays unanswered
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    engine = make_engine(database_url)
    connection = engine.connect()
    transaction = connection.begin()
    connection.execute(text(f"LOCK TABLE {table} IN EXCLUSIVE MODE"))
    try:
        yield lambda: wait_until_blocked_writing(engine, table, written)
    finally:
        transaction.rollback()
        connection.close()
        engine.dispose()


def wait_until_blocked_writing(engine, table: str, written: str) -> None:
    """Wait until a server backend waits for the lock on `table` having already written `written`."""
    deadline = time.monotonic() + 30
    with engine.connect() as watcher:
        while time.monotonic() < deadline:
            pid = watcher.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND (query ILIKE :insert OR query ILIKE :copy)"),  # lines go by COPY
                {"insert": f"INSERT INTO {table}%", "copy": f"COPY {table}%"}).scalar()
            if pid is not None:
                writing = watcher.execute(text(
                    "SELECT relation::regclass::text FROM pg_locks WHERE pid = :pid AND granted "
                    "AND mode = 'RowExclusiveLock'"), {"pid": pid}).scalars().all()
                assert written in writing, f"the server waits, but has not written {written}: {writing}"
                return
            watcher.rollback()
            time.sleep(0.05)
    pytest.fail(f"the server never waited to write {table}")


def send_in_background(send: Callable[[], requests.Response]) -> tuple[threading.Thread, list]:
    """Send a request from a thread; what comes back (an answer or the error) lands in the list."""
    outcome: list = []

    def run() -> None:
        try:
            outcome.append(send())
        except requests.RequestException as lost:
            outcome.append(lost)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def kill_while_held(server: Service, database_url: str, table: str, written: str,
                    send: Callable[[], requests.Response]) -> None:
    """Send the write, wait until the server is stuck in it, kill -9 the server, then let the lock go."""
    with held(database_url, table, written) as wait_until_blocked:
        thread, outcome = send_in_background(send)
        wait_until_blocked()
        time.sleep(1.5)  # on SQLite the only sign: sent, and no answer
        assert thread.is_alive() and outcome == [], "the server answered while the lock was held"
        server.kill()
        thread.join(timeout=30)
        assert isinstance(outcome[0], requests.ConnectionError), outcome  # the client lost its answer
    wait_for_backends_to_go(database_url)


def wait_for_backends_to_go(database_url: str) -> None:
    """On PostgreSQL, wait until the killed server's sessions are gone (their work rolled back)."""
    if database_url.startswith("sqlite"):
        return
    engine = make_engine(database_url)
    deadline = time.monotonic() + 30
    with engine.connect() as watcher:
        while time.monotonic() < deadline:
            busy = watcher.execute(text(  # idle sessions are the test's own pool
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND state <> 'idle'")).scalar()
            watcher.rollback()
            if busy == 0:
                break
            time.sleep(0.1)
    engine.dispose()
    assert busy == 0, "the killed server's transaction is still open"


def the_database_is_whole(server: Service) -> None:
    checked = server.db_check()
    assert checked.returncode == 0, checked.stderr
    assert "Databasen är hel" in checked.stdout


# --- the tests ------------------------------------------------------------------------------------


def test_a_server_killed_in_the_middle_of_a_submission_leaves_nothing_and_the_retry_stores_it_once(
        service, database_url, engine):
    server, world = service
    content, key = filled_template(server, world), str(uuid.uuid4())
    before = counts(engine)
    kill_while_held(server, database_url, "budget_line", "submission", lambda: submit(server, world, content, key))

    assert counts(engine) == before  # no submission, no line, no audit entry, no stored answer
    assert state_of_d101(engine) in (None, UnitState.not_started)
    the_database_is_whole(server)

    server.start()
    retried = submit(server, world, content, key)
    assert retried.status_code == 201, retried.text
    assert "Idempotent-Replayed" not in retried.headers and retried.json()["version"] == 1
    again = submit(server, world, content, key)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == retried.json()
    after = counts(engine)
    assert (after["Submission"], after["BudgetLine"], after["IdempotencyRecord"]) == (1, 4, 1)
    assert state_of_d101(engine) == UnitState.in_progress
    the_database_is_whole(server)


def test_a_server_killed_in_the_middle_of_an_approval_leaves_the_state_and_the_retry_takes_the_step_once(
        service, database_url, engine):
    server, world = service
    stored = submit(server, world, filled_template(server, world), str(uuid.uuid4()))
    assert stored.status_code == 201, stored.text
    before, key = counts(engine), str(uuid.uuid4())
    kill_while_held(server, database_url, "approval_event", "department_status", lambda: sign_off(server, world, key))

    assert counts(engine) == before
    assert state_of_d101(engine) == UnitState.in_progress
    the_database_is_whole(server)

    server.start()
    retried = sign_off(server, world, key)
    assert retried.status_code == 201, retried.text
    assert [t["to"] for t in retried.json()["transitions"]] == ["economist_approved"]
    again = sign_off(server, world, key)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert counts(engine)["ApprovalEvent"] == before["ApprovalEvent"] + 1
    assert state_of_d101(engine) == UnitState.economist_approved
    the_database_is_whole(server)


def test_a_server_killed_after_committing_but_before_answering_replays_on_the_retry(
        service, database_url, engine):
    server, world = service
    content, key = filled_template(server, world), str(uuid.uuid4())
    with held(database_url, "budget_line", "submission") as wait_until_blocked:
        thread, outcome = send_in_background(lambda: submit(server, world, content, key, timeout=3))
        wait_until_blocked()
        thread.join(timeout=30)
        assert isinstance(outcome[0], requests.Timeout), outcome  # the client gave up: its answer is lost
    # The lock is gone: the server goes on and commits, with no one left to answer.
    deadline = time.monotonic() + 30
    while counts(engine)["Submission"] == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert counts(engine)["Submission"] == 1
    server.kill()
    wait_for_backends_to_go(database_url)
    the_database_is_whole(server)

    server.start()
    retried = submit(server, world, content, key)
    assert retried.status_code == 201, retried.text
    assert retried.headers["Idempotent-Replayed"] == "true" and retried.json()["version"] == 1
    after = counts(engine)
    assert (after["Submission"], after["BudgetLine"], after["IdempotencyRecord"]) == (1, 4, 1)
    the_database_is_whole(server)
