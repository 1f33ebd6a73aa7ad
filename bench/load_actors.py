"""The load: economists, department heads, deans, the university level and the administrator at once.

Each person is a thread with their own `PlanroundClient` (the add-in's client), acting on what
`/me/tasks` and the status route show, as the ribbon would. They also misbehave the way people
do: workbooks with errors, two clicks on the same approval, approvals of a consolidated version
reviewed a while ago, rejections with a reason. Every request and its answer is recorded
client-side, and no request is sent once the time or request bound is reached.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.load_world import ADMIN, UNIVERSITY, Department, LoadWorld, Workbook
from planround.addin.client import PlanroundClient, ServiceError

APPROVAL_KINDS = ("sign_off", "approve_department", "approve_group", "approve_total", "reject", "withdraw")
SUBMIT_KINDS = ("submit", "submit_invalid")
MAX_REJECTIONS = 1  # per department, so the round can still finish within the bounds
_answer = threading.local()  # the status of the last answer this thread got


def _note_status(response, *args, **kwargs) -> None:
    """A requests hook: keep the answer's status for the recorder (the client keeps only the body)."""
    _answer.status = response.status_code


@dataclass
class Request:
    """One request of the load and its answer: status None when none came."""

    kind: str
    actor: str
    unit: str
    status: int | None
    seconds: float
    error: str | None = None  # the service's error code, or the client's (timeout, unreachable)
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Recorder:
    """The log of every request, and the bounds: no request is sent past the deadline or the budget."""

    def __init__(self, *, max_requests: int, duration: float):
        self.lock = threading.Lock()
        self.requests: list[Request] = []
        self.max_requests, self.deadline = max_requests, time.monotonic() + duration
        self.issued = 0
        self.stopped_by: str | None = None  # duration or max_requests
        self.finished = threading.Event()  # set once the university total is approved

    def reserve(self) -> bool:
        """Take one request from the budget; False once a bound is reached."""
        with self.lock:
            if self.finished.is_set():
                return False
            if self.stopped_by is None and time.monotonic() >= self.deadline:
                self.stopped_by = "duration"
            if self.stopped_by is None and self.issued >= self.max_requests:
                self.stopped_by = "max_requests"
            if self.stopped_by:
                return False
            self.issued += 1
            return True

    def running(self) -> bool:
        with self.lock:
            return self.stopped_by is None and not self.finished.is_set() and time.monotonic() < self.deadline

    def call(self, kind: str, actor: str, unit: str, send: Callable[[], Any],
             **detail: Any) -> tuple[Request | None, Any]:
        """Send one request if the bounds allow; record it; return the record and the answer (None if refused)."""
        if not self.reserve():
            return None, None
        _answer.status = None
        started = time.perf_counter()
        try:
            result, error, status = send(), None, None
        except ServiceError as refusal:
            result, error, status = None, refusal.code, refusal.status
        seconds = time.perf_counter() - started
        request = Request(kind, actor, unit, status if error else _answer.status, seconds, error, detail)
        with self.lock:
            self.requests.append(request)
        return request, result


@dataclass
class Load:
    """What every actor shares: the world, the server, the recorder, and how often people misbehave."""

    world: LoadWorld
    base_url: str
    recorder: Recorder
    timeout: float = 120
    invalid_share: float = 0.25
    double_share: float = 0.25
    stale_share: float = 0.3
    reject_share: float = 0.15
    rejections: Counter = field(default_factory=Counter)
    board_wanted: threading.Event = field(default_factory=threading.Event)
    board_recorded: threading.Event = field(default_factory=threading.Event)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self, username: str) -> PlanroundClient:
        """Return a new client for the user, whose answers' statuses the recorder sees."""
        client = self.world.client(username, self.base_url, self.timeout)
        client.session.hooks["response"].append(_note_status)
        return client

    def next_id(self) -> str:
        """Return a marker no other request carries: approvals are found in the history by it."""
        with self._lock:
            return f"lt{next(self._ids):06d}"

    def may_reject(self, unit: str, rng: random.Random) -> bool:
        """Decide to reject a department: now and then, and at most MAX_REJECTIONS times each."""
        with self._lock:
            if self.rejections[unit] >= MAX_REJECTIONS or rng.random() >= self.reject_share:
                return False
            self.rejections[unit] += 1
            return True

    def pause(self, rng: random.Random, low: float = 0.5, high: float = 1.5) -> None:
        """Wait a moment, as a person reading does; wake at once when the round is finished."""
        self.recorder.finished.wait(rng.uniform(low, high))

    # --- the requests ----------------------------------------------------------------------

    def tasks(self, client: PlanroundClient, actor: str) -> list[dict]:
        return self.recorder.call("tasks", actor, "-", client.tasks)[1] or []

    def submit(self, client: PlanroundClient, actor: str, unit: str, workbook: Workbook, kind: str) -> bool:
        """Send a workbook; record what was typed into it, to compare with what was stored."""
        request, answer = self.recorder.call(
            kind, actor, unit, lambda: client.submit(self.world.round_code, unit, workbook.content,
                                                     filename=f"{unit}.xlsx"),
            checksum=workbook.checksum, line_count=workbook.line_count, revenue=str(workbook.revenue),
            cost=str(workbook.cost))
        if request is not None and answer is not None:
            request.detail.update(version=answer["version"], answer_line_count=answer["line_count"],
                                  answer_revenue=answer["total_revenue"], answer_cost=answer["total_cost"])
        return bool(request and request.ok)

    def act(self, actor: str, unit: str, kind: str, action: str, *, client: PlanroundClient | None = None,
            comment: str | None = None, version: int | None = None, double: bool = False) -> list[Request]:
        """Approve, reject or withdraw; with `double`, twice at the same moment (a double click)."""
        def once(marker: str, twin: bool) -> Request | None:
            text = f"{marker} {comment}" if comment else marker
            own = self.client(actor) if twin or client is None else client
            request, answer = self.recorder.call(
                kind, actor, unit, lambda: own.act(self.world.round_code, unit, action, comment=text,
                                                   consolidated_version=version),
                comment=text, version=version, double=double)
            if request is not None and answer is not None:
                request.detail["transitions"] = answer["transitions"]
            return request

        marker = self.next_id()
        if not double:
            return [r for r in [once(marker, False)] if r]
        barrier, done = threading.Barrier(2), []

        def click(suffix: str) -> None:
            barrier.wait()
            done.append(once(marker + suffix, True))
        threads = [threading.Thread(target=click, args=(s,)) for s in "ab"]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return [r for r in done if r]

    def review_and_approve(self, client: PlanroundClient, actor: str, unit: str, kind: str,
                           remembered: dict[str, int], rng: random.Random) -> None:
        """Approve the consolidated version reviewed: sometimes one read a while ago, which may be stale."""
        if unit in remembered and rng.random() < self.stale_share:
            sent = self.act(actor, unit, kind, "approve", client=client, version=remembered.pop(unit))
            if not sent or sent[0].ok or sent[0].error != "stale_consolidated":
                return
        _, got = self.recorder.call("consolidated", actor, unit,
                                    lambda: client.consolidated(self.world.round_code, unit))
        if got is None:
            return
        remembered[unit] = got[1]
        self.act(actor, unit, kind, "approve", client=client, version=got[1], double=rng.random() < self.double_share)

    def read_consolidated(self, client: PlanroundClient, actor: str, unit: str, remembered: dict[str, int]) -> None:
        """Download a unit's consolidated workbook to look at, and remember its version."""
        _, got = self.recorder.call("consolidated", actor, unit,
                                    lambda: client.consolidated(self.world.round_code, unit))
        if got is not None:
            remembered[unit] = got[1]

    def status(self, client: PlanroundClient, actor: str, unit: str) -> dict | None:
        return self.recorder.call("status", actor, unit, lambda: client.status(self.world.round_code, unit))[1]


# --- the people ------------------------------------------------------------------------------


def economist(load: Load, department: Department, rng: random.Random) -> None:
    """Submit versions (some with errors), sign off, now and then withdraw; resubmit after a rejection."""
    name, unit = department.economist, department.code
    client = load.client(name)
    valid, invalid = itertools.cycle(department.valid), itertools.cycle(department.invalid)
    sent, wanted, withdrew = 0, rng.randint(1, 3), False
    while load.recorder.running():
        task = next((t for t in load.tasks(client, name) if t["unit_code"] == unit), None)
        if task is None:
            if not withdrew and rng.random() < 0.05:
                withdrew = True
                load.act(name, unit, "withdraw", "withdraw", client=client)
            load.pause(rng, 2.0, 5.0)  # signed off: look in now and then for a rejection
        elif task["action"] in ("submit", "resubmit") or sent < wanted:
            if rng.random() < load.invalid_share:
                load.submit(client, name, unit, next(invalid), "submit_invalid")
            sent += load.submit(client, name, unit, next(valid), "submit")
        else:
            load.act(name, unit, "sign_off", "approve", client=client, double=rng.random() < load.double_share)
            sent, wanted = 0, rng.randint(1, 3)


def department_head(load: Load, name: str, units: list[str], rng: random.Random) -> None:
    """Approve (or reject) what the economists signed off, reviewing each department's workbook."""
    client, remembered = load.client(name), {}
    while load.recorder.running():
        waiting = [t["unit_code"] for t in load.tasks(client, name) if t["action"] == "approve"]
        if not waiting:
            if rng.random() < 0.3:
                load.read_consolidated(client, name, rng.choice(units), remembered)
            load.pause(rng)
        for unit in waiting:
            if load.may_reject(unit, rng):
                load.act(name, unit, "reject", "reject", client=client, comment="Se över kostnaderna")
            else:
                load.review_and_approve(client, name, unit, "approve_department", remembered, rng)


def dean(load: Load, name: str, group: str, rng: random.Random) -> None:
    """Approve the group when all its departments are ready; meanwhile approve or reject one at a time."""
    client, remembered = load.client(name), {}
    while load.recorder.running():
        if any(t["action"] == "approve_group" and t["unit_code"] == group for t in load.tasks(client, name)):
            load.review_and_approve(client, name, group, "approve_group", remembered, rng)
            continue
        status = load.status(client, name, group) if rng.random() < 0.5 else None
        ready = [d["unit"] for d in (status or {}).get("departments", []) if d["state"] == "head_approved"]
        if ready:
            unit = rng.choice(ready)
            if load.may_reject(unit, rng):
                load.act(name, unit, "reject", "reject", client=client, comment="Kontrollera intäkterna")
            elif rng.random() < 0.5:
                load.act(name, unit, "approve_department", "approve", client=client)
        elif rng.random() < 0.3:
            load.read_consolidated(client, name, group, remembered)
        load.pause(rng)


def university(load: Load, rng: random.Random) -> None:
    """Approve the total once every group is approved and the board has decided; finish the round."""
    client, remembered = load.client(UNIVERSITY), {}
    total = load.world.university
    while load.recorder.running():
        status = load.status(client, UNIVERSITY, total)
        state = status["state"] if status else None
        if state == "approved":
            load.recorder.finished.set()
        elif state == "ready" and not load.board_recorded.is_set():
            load.act(UNIVERSITY, total, "approve_total", "approve", client=client)  # refused: no board decision yet
            load.board_wanted.set()
        elif state == "ready":
            ready = [d["unit"] for d in status["departments"] if d["state"] == "group_approved"]
            if ready and load.may_reject(unit := rng.choice(ready), rng):
                load.act(UNIVERSITY, unit, "reject", "reject", client=client, comment="Avvaktar styrelsens ram")
            else:
                load.review_and_approve(client, UNIVERSITY, total, "approve_total", remembered, rng)
        elif rng.random() < 0.2:
            load.read_consolidated(client, UNIVERSITY, total, remembered)
        load.pause(rng, 1.0, 2.0)


def administrator(load: Load, rng: random.Random) -> None:
    """Record the university board's decision once the university level has found the total ready."""
    client = load.client(ADMIN)
    while load.recorder.running() and not load.board_recorded.is_set():
        tasks = load.tasks(client, ADMIN)
        if load.board_wanted.is_set() and any(t["action"] == "record_board_decision" for t in tasks):
            request, _ = load.recorder.call("board_decision", ADMIN, load.world.university,
                                            lambda: client.record_board_decision(load.world.round_code,
                                                                                 "2026-12-15", "US 2026/42"))
            if request and request.ok:
                load.board_recorded.set()
        load.pause(rng, 1.0, 2.0)


def run_load(load: Load, seed: int = 1) -> None:
    """Start every person at once and wait until the round is finished or a bound is reached."""
    rng = random.Random(seed)
    world = load.world
    people: list[tuple[Callable, tuple]] = [(economist, (d,)) for d in world.departments.values()]
    people += [(department_head, (name, units)) for name, units in world.heads.items()]
    people += [(dean, (name, group)) for group, name in world.groups.items()]
    people += [(university, ()), (administrator, ())]
    threads = [threading.Thread(target=_guarded, args=(load, act, (*args, random.Random(rng.random()))),
                                name=act.__name__, daemon=True) for act, args in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _guarded(load: Load, act: Callable, args: tuple) -> None:
    """Run one person; an exception in the load script itself stops the run rather than hiding."""
    try:
        act(load, *args)
    except Exception as error:  # noqa: BLE001 (reported as a breach by the caller)
        with load.recorder.lock:
            load.recorder.requests.append(Request("script_error", act.__name__, "-", None, 0.0,
                                                  f"{type(error).__name__}: {error}"))
        load.recorder.finished.set()
