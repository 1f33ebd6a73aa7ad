"""A write whose answer is lost on the way back: the add-in sends it once more with the same key.

Between the add-in and the real service on loopback sits a relay that passes the first write
on, lets the service answer (so the write is committed), and then drops the connection or
holds the answer past the client's timeout. Without the key the second send would store a
second version; with it the service replays its first answer.
"""

from __future__ import annotations

import http.client
import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from planround.addin import ribbon
from planround.addin.actions import Context
from planround.addin.client import PlanroundClient, ServiceError
from planround.addin.settings import ProfileStore
from planround.models import ApprovalEvent, BudgetLine, Submission
from planround.server.local_server import in_thread, serving
from tests.addin_support import MemoryExcel, closed_port_url, template_file
from tests.workbooks import PLAN, fill_amounts

TIMEOUT = 3.0  # the client's; the relay holds a stalled answer longer than this


class Relay:
    """What the relay saw: each request's method, path and key, and each answer's status and headers."""

    def __init__(self, backend: str, lose: str):
        self.backend, self.lose = urlsplit(backend), lose  # lose: "drop" or "stall" the first write's answer
        self.seen: list[tuple[str, str, str | None, int, dict[str, str]]] = []
        self.lock = threading.Lock()

    def forward(self, method: str, path: str, headers: dict[str, str], body: bytes):
        connection = http.client.HTTPConnection(self.backend.hostname, self.backend.port, timeout=120)
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        content, status, answer_headers = answer.read(), answer.status, dict(answer.getheaders())
        connection.close()
        with self.lock:
            first_write = method == "POST" and not any(m == "POST" for m, *_ in self.seen)
            self.seen.append((method, path, headers.get("Idempotency-Key"), status, answer_headers))
        return first_write, status, answer.reason, answer_headers, content


def relay_handler(relay: Relay):
    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            request_line = self.rfile.readline().decode("latin-1").split()
            headers = {}
            while (line := self.rfile.readline().decode("latin-1").strip()):
                name, _, value = line.partition(":")
                headers[name.strip()] = value.strip()
            body = self.rfile.read(int(headers.get("Content-Length") or 0))
            headers["Connection"] = "close"
            first_write, status, reason, answer_headers, content = relay.forward(
                request_line[0], request_line[1], headers, body)
            if first_write:  # the service has answered, so the write is committed: lose the answer
                if relay.lose == "stall":
                    time.sleep(TIMEOUT + 1)
                return  # the connection closes with nothing sent back
            self.wfile.write(f"HTTP/1.1 {status} {reason}\r\n".encode())
            for name, value in answer_headers.items():
                if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.wfile.write(f"{name}: {value}\r\n".encode("latin-1"))
            self.wfile.write(f"Content-Length: {len(content)}\r\nConnection: close\r\n\r\n".encode())
            self.wfile.write(content)

    return Handler


@contextmanager
def losing_relay(backend: str, lose: str) -> Iterator[tuple[str, Relay]]:
    """Run the relay on a loopback port in front of `backend`; yield its URL and what it saw."""
    relay = Relay(backend, lose)
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), relay_handler(relay))
    server.daemon_threads = True
    with in_thread(server) as port:
        yield f"http://127.0.0.1:{port}/api/v1", relay


@pytest.fixture
def live(settings, world) -> Iterator[str]:
    """The real service on loopback, every department's template generated."""
    with serving(settings) as url:
        PlanroundClient(url, world.tokens["admin"]).generate_templates(world.round_code)
        yield url


def quick_client(profile, language: str) -> PlanroundClient:
    return PlanroundClient(profile.server_url, profile.token, language=language, timeout=TIMEOUT,
                           retry_pause=0.2)


def count(engine, table) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


def the_retry_was_replayed(relay: Relay) -> None:
    writes = [entry for entry in relay.seen if entry[0] == "POST"]
    assert len(writes) == 2, relay.seen
    (_, path_1, key_1, status_1, headers_1), (_, path_2, key_2, status_2, headers_2) = writes
    assert path_1 == path_2 and key_1 == key_2 and len(key_1) == 36  # one uuid4 for the one action
    assert status_1 == status_2 == 201
    assert "Idempotent-Replayed" not in headers_1 and headers_2["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("lose", ["drop", "stall"])
def test_a_submission_whose_answer_was_lost_is_stored_once_and_reported(live, world, engine, tmp_path, lose):
    excel = MemoryExcel(template_file(live, world, "D101", tmp_path,
                                      lambda content: fill_amounts(content, PLAN, comment="Ny kurs")))
    with losing_relay(live, lose) as (url, relay):
        store = ProfileStore(tmp_path / "profile", keyring=None)
        store.save(server_url=url, token=world.tokens["economist"], download_dir=tmp_path / "downloads")
        ribbon.run("Submit", Context(excel=excel, store=store, connect=quick_client))
    assert len(excel.messages) == 1 and "version 1" in excel.messages[0], excel.messages
    the_retry_was_replayed(relay)
    assert count(engine, Submission) == 1 and count(engine, BudgetLine) == 4


def test_a_sign_off_whose_answer_was_lost_is_taken_once(live, world, engine, tmp_path):
    path = template_file(live, world, "D101", tmp_path, lambda c: fill_amounts(c, PLAN, comment="Ny kurs"))
    PlanroundClient(live, world.tokens["economist"]).submit(world.round_code, "D101", path.read_bytes())
    events = count(engine, ApprovalEvent)
    with losing_relay(live, "drop") as (url, relay):
        client = PlanroundClient(url, world.tokens["economist"], timeout=TIMEOUT, retry_pause=0.2)
        answer = client.act(world.round_code, "D101", "approve", comment="Klar")
    assert [t["to"] for t in answer["transitions"]] == ["economist_approved"]
    the_retry_was_replayed(relay)
    assert count(engine, ApprovalEvent) == events + 1


def test_each_action_gets_its_own_key(live, world, engine, tmp_path):
    path = template_file(live, world, "D101", tmp_path, lambda c: fill_amounts(c, PLAN, comment="Ny kurs"))
    client = PlanroundClient(live, world.tokens["economist"])
    versions = [client.submit(world.round_code, "D101", path.read_bytes())["version"] for _ in range(2)]
    assert versions == [1, 2] and count(engine, Submission) == 2


def test_a_server_that_stays_down_is_tried_twice_then_said_plainly(world):
    url = closed_port_url()
    client = PlanroundClient(url, world.tokens["economist"], retry_pause=0.2)
    started = time.monotonic()
    with pytest.raises(ServiceError) as failed:
        client.act(world.round_code, "D101", "approve")
    assert failed.value.code == "unreachable" and failed.value.status is None
    assert time.monotonic() - started >= 0.2  # it waited and sent once more
