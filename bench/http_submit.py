"""`submit_concurrent_p95`: 20 economists submitting at once over HTTP to gunicorn on PostgreSQL.

The benchmark starts the production server as an administrator would (`planround serve
--production`: gunicorn's sync workers, their default count) on loopback (`bench.production_server`).
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlmodel import Session, select

from bench import data
from bench.production_server import start_server, stop
from bench.results import Metric
from bench.sizes import Sizes
from bench.timing import percentile
from planround.models import User
from planround.server.auth import issue_token
from planround.server.db import make_engine, upgrade
from planround.server.production import default_workers

WHAT = ("p95 latency of POST /rounds/<round>/units/<unit>/submissions when every client submits its own "
        "department's filled workbook at the same moment (planround serve --production: gunicorn, PostgreSQL, "
        "loopback)")
BASELINE_WHAT = "median latency of the same request from one client alone"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REQUEST_TIMEOUT = 600  # seconds; bounded, so a stuck server fails the run instead of hanging it


def unavailable() -> str | None:
    """Return why the measurement cannot run here, or None when it can."""
    if not os.environ.get(data.PG_URL_ENV):
        return f"needs PostgreSQL: set {data.PG_URL_ENV} (the production server runs on PostgreSQL)"
    if importlib.util.find_spec("gunicorn") is None:
        return "needs gunicorn, which the production server runs on (not on Windows)"
    return None


@dataclass
class Client:
    """One economist: the department, a token and the filled workbook."""

    unit_code: str
    token: str
    content: bytes


@dataclass
class Samples:
    """Latencies and answers, lone and at once."""

    lone: list[float] = field(default_factory=list)
    burst: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)

    def count(self, status: int) -> None:
        self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1


def prepare(out_dir: Path, sizes: Sizes, log) -> tuple[str, list[Client], data.Organisation]:
    """Build a department per client, with its own economist and token, and fill each template."""
    url = data.database_url(out_dir, "concurrent")
    upgrade(url)  # through the migrations, as production does, so the server's own upgrade finds nothing to do
    engine = make_engine(url)
    org = data.build_organisation(engine, departments=sizes.concurrent_clients,
                                  activities=sizes.concurrent_lines // sizes.accounts, accounts=sizes.accounts,
                                  one_economist_each=True)
    clients = []
    for code in org.department_codes:
        content = data.issue_and_fill(engine, org, code)
        with Session(engine) as session:
            user = session.exec(select(User).where(User.username == org.economists[code])).one()
            token = issue_token(session, user=user, days=1)
            session.commit()
        clients.append(Client(code, token, content))
    log(f"  {len(clients)} departments with a filled workbook of {sizes.concurrent_lines} lines each")
    engine.dispose()
    return url, clients, org


def submit(base: str, round_code: str, client: Client, samples: Samples, into: list[float]) -> None:
    """Send one submission and note its latency and status."""
    started = time.perf_counter()
    answer = requests.post(f"{base}/rounds/{round_code}/units/{client.unit_code}/submissions",
                           data=client.content, timeout=REQUEST_TIMEOUT,
                           headers={"Authorization": f"Bearer {client.token}", "Content-Type": XLSX,
                                    "X-Filename": f"{client.unit_code}.xlsx"})
    into.append(time.perf_counter() - started)
    samples.count(answer.status_code)


def burst(base: str, round_code: str, clients: list[Client], samples: Samples, into: list[float]) -> None:
    """Let every client submit at the same moment (a barrier releases them together)."""
    barrier = threading.Barrier(len(clients))

    def one(client: Client) -> None:
        barrier.wait()
        submit(base, round_code, client, samples, into)

    threads = [threading.Thread(target=one, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def measure(url: str, out_dir: Path, clients: list[Client], org: data.Organisation, sizes: Sizes, log) -> Metric:
    """Warm up, then alternate bursts of every client with a lone client's submission."""
    workers = default_workers()  # what `serve --production` starts without --workers
    process, base = start_server(url, out_dir)
    samples, warm = Samples(), Samples()
    try:
        submit(base, org.round_code, clients[0], warm, [])
        burst(base, org.round_code, clients, warm, [])
        for number in range(sizes.concurrent_bursts):
            steps = [lambda: burst(base, org.round_code, clients, samples, samples.burst),
                     lambda: submit(base, org.round_code, clients[0], samples, samples.lone)]
            for step in (steps if number % 2 == 0 else reversed(steps)):
                step()
            log(f"  burst {number + 1}/{sizes.concurrent_bursts}: slowest {max(samples.burst[-len(clients):]):.2f} s, "
                f"lone {samples.lone[-1]:.2f} s, answers so far {samples.statuses}")
    finally:
        stop(process)
    return Metric("submit_concurrent_p95", "seconds", percentile(samples.burst, 95), statistics.median(samples.lone),
                  sizes.concurrent_bursts, 4.0, WHAT, BASELINE_WHAT,
                  checks={"every request answered 201": set(samples.statuses) == {"201"}}, extra={
                      "clients": len(clients), "lines_per_workbook": sizes.concurrent_lines, "workers": workers,
                      "requests_at_once": len(samples.burst), "statuses": samples.statuses,
                      "warm_up_statuses": warm.statuses, "samples": samples.burst,
                      "baseline_samples": samples.lone})
