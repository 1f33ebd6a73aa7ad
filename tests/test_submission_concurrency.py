"""Two workbooks for one department sent at the same moment: each is stored whole or refused clearly, never a 500."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import Session, select

from planround.models import DepartmentStatus, Submission
from planround.server import integrity
from tests.climb import ECONOMIST_OF, ROUND_URL
from tests.workbooks import PLAN, XLSX, fill_amounts


def send_at_once(app, requests_to_send: list[tuple[str, bytes, dict]]) -> list[int]:
    """Post each (url, body, headers) from its own thread and test client, released together."""
    barrier, statuses = threading.Barrier(len(requests_to_send)), [0] * len(requests_to_send)

    def send(index: int, url: str, body: bytes, headers: dict) -> None:
        client = app.test_client()
        barrier.wait()
        statuses[index] = client.post(url, data=body, headers=headers).status_code

    threads = [threading.Thread(target=send, args=(i, *r)) for i, r in enumerate(requests_to_send)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


@pytest.fixture
def workbook(client, world) -> bytes:
    """D101's template, filled."""
    assert client.post(f"{ROUND_URL}/templates", headers=world.auth("admin")).status_code == 201
    template = client.get(f"{ROUND_URL}/units/D101/template", headers=world.auth("admin")).data
    return fill_amounts(template, PLAN, comment="Ny kurs")


@pytest.mark.parametrize("earlier_versions", [0, 1], ids=["first submissions", "later submissions"])
@pytest.mark.parametrize("attempt", range(2))
def test_two_submissions_at_once_are_each_stored_or_refused_with_409(app, client, world, engine, workbook,
                                                                     earlier_versions, attempt):
    url = f"{ROUND_URL}/units/D101/submissions"
    headers = {**world.auth(ECONOMIST_OF["D101"]), "Content-Type": XLSX}
    for _ in range(earlier_versions):
        assert client.post(url, data=workbook, headers=headers).status_code == 201
    statuses = send_at_once(app, [(url, workbook, headers), (url, workbook, headers)])
    assert set(statuses) <= {201, 409} and 201 in statuses, statuses
    with Session(engine) as session:
        versions = sorted(s.version for s in session.exec(select(Submission)).all())
        assert versions == list(range(1, earlier_versions + statuses.count(201) + 1))
        assert len(session.exec(select(DepartmentStatus)).all()) == 1
        assert integrity.check_database(session) == []
