"""The load test: `python -m bench.loadtest [--economists N] [--approvers N] [--duration S] [--max-requests N]`.

Builds a university on a fresh PostgreSQL database, starts `planround serve --production` on
loopback, lets every economist and approver act at once until the round is approved or a bound
is reached, then checks the database and the API against what each client was told. Prints a
report, writes `loadtest.json` to the output folder, and exits 1 on any breach (2 when it cannot
run here).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/loadtest.py`: import `bench` from the repo
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from sqlmodel import Session  # noqa: E402

from bench import data  # noqa: E402
from bench.load_actors import APPROVAL_KINDS, Load, Recorder, Request, run_load  # noqa: E402
from bench.load_verify import verify  # noqa: E402
from bench.load_world import ADMIN, LoadWorld, build_world, prepare_workbooks  # noqa: E402
from bench.production_server import start_server, stop  # noqa: E402
from bench.run import code_version  # noqa: E402
from bench.timing import percentile  # noqa: E402
from planround.server.db import make_engine, upgrade  # noqa: E402

REQUEST_TIMEOUT = 120  # seconds: gunicorn's worker timeout; a stuck request fails the run, never hangs it


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.loadtest", description=__doc__.splitlines()[0])
    parser.add_argument("--economists", type=int, default=40, help="departments, each with its own economist")
    parser.add_argument("--approvers", type=int, default=10,
                        help="department heads, a dean per group and the university level (at least groups + 2)")
    parser.add_argument("--groups", type=int, default=4, help="faculties and the administration")
    parser.add_argument("--duration", type=float, default=120, help="stop sending after this many seconds")
    parser.add_argument("--max-requests", type=int, default=2000, help="stop sending after this many requests")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: serve's own)")
    parser.add_argument("--database-url", default=None,
                        help=f"a PostgreSQL server to create the test's database on (default: ${data.PG_URL_ENV})")
    parser.add_argument("--out", default="bench_out", help="folder for loadtest.json and the server's log")
    parser.add_argument("--seed", type=int, default=1, help="seed of the people's choices")
    parser.add_argument("--keep-database", action="store_true", help="leave the test's database for a look")
    return parser.parse_args(argv)


def unavailable(base: str | None) -> str | None:
    """Return why the load test cannot run here, or None."""
    if not base or not base.startswith("postgresql"):
        return (f"the load test needs PostgreSQL, as the production server does: set {data.PG_URL_ENV} or "
                f"--database-url to a server it may create a database on, e.g. postgresql://postgres@127.0.0.1:5432/test")
    if importlib.util.find_spec("gunicorn") is None:
        return "the load test needs gunicorn, which the production server runs on (not on Windows)"
    return None


def main(argv: list[str] | None = None) -> int:
    """Run the load test; return the exit status: 0 all held, 1 a breach, 2 cannot run."""
    options = parse(argv)
    base = options.database_url or os.environ.get(data.PG_URL_ENV)
    if reason := unavailable(base):
        print(reason, file=sys.stderr)
        return 2
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    url = data.database_url(out, f"loadtest_{os.getpid()}", base)  # its own: a test may run beside a manual run
    upgrade(url)
    engine = make_engine(url)
    try:
        world = build_world(engine, economists=options.economists, approvers=options.approvers,
                            groups=options.groups)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    print(f"{options.economists} departments in {len(world.groups)} groups; {len(world.heads)} department heads, "
          f"{len(world.groups)} deans, the university level; starting the production server", flush=True)
    report = run(options, url, world, out, engine)
    engine.dispose()
    if not options.keep_database:
        data.drop_database(url, base)
    (out / "loadtest.json").write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    print(render(report))
    return 1 if report["breaches"] else 0


def run(options: argparse.Namespace, url: str, world: LoadWorld, out: Path, engine) -> dict:
    """Serve, fill the workbooks, run the load, read the results back over HTTP, and verify."""
    process, api = start_server(url, out, options.workers)
    try:
        prepare_workbooks(world, api, REQUEST_TIMEOUT)
        load = Load(world, api, Recorder(max_requests=options.max_requests, duration=options.duration),
                    timeout=REQUEST_TIMEOUT)
        print(f"load: every person at once, for at most {options.duration:g} s and {options.max_requests} requests",
              flush=True)
        started = time.monotonic()
        run_load(load, options.seed)
        seconds = time.monotonic() - started
        api_states, consolidated = read_back(world, api)
    finally:
        stop(process)
    with Session(engine) as session:
        breaches = verify(session, round_code=world.round_code, requests=load.recorder.requests,
                          api_states=api_states, consolidated=consolidated)
    return summarise(options, load, seconds, api_states, breaches)


def read_back(world: LoadWorld, api: str) -> tuple[dict[str, str], dict[str, bytes]]:
    """Return every department's state as the API shows it, and every unit's consolidated workbook."""
    client = world.client(ADMIN, api, REQUEST_TIMEOUT)
    status = client.status(world.round_code, world.university)
    states = {d["unit"]: d["state"] for d in status["departments"]}
    units = [world.university, *world.groups, *world.departments]
    return states, {unit: client.consolidated(world.round_code, unit)[0] for unit in units}


def summarise(options: argparse.Namespace, load: Load, seconds: float, api_states: dict[str, str],
              breaches: list) -> dict:
    """Return the report: the run, the requests by kind with latencies, what happened, and every breach."""
    requests = load.recorder.requests
    return {
        "run": {"command": "python -m bench.loadtest " + " ".join(sys.argv[1:]), "commit": code_version(),
                "economists": options.economists, "approvers": options.approvers, "groups": len(load.world.groups),
                "workers": options.workers or "serve's default", "duration_bound_s": options.duration,
                "max_requests": options.max_requests, "seconds": round(seconds, 2),
                "ended_by": ended_by(load),
                "requests": len(requests), "requests_per_second": round(len(requests) / seconds, 1) if seconds else 0},
        "kinds": latency_table(requests),
        "outcomes": outcomes(requests, load),
        "final_states": dict(Counter(api_states.values())),
        "breaches": [asdict(b) for b in breaches],
        "passed": not breaches,
    }


def ended_by(load: Load) -> str:
    """Return what ended the load: the round approved, a bound, or a failure of the script itself."""
    if any(r.kind == "script_error" for r in load.recorder.requests):
        return "an error in the load script"
    if load.recorder.stopped_by:
        return load.recorder.stopped_by
    return "round approved" if load.recorder.finished.is_set() else "every person stopped"


def latency_table(requests: list[Request]) -> dict[str, dict]:
    """Return per request kind: how many, their statuses, and latency percentiles in seconds."""
    table = {}
    for kind in sorted({r.kind for r in requests}):
        times = [r.seconds for r in requests if r.kind == kind]
        statuses = Counter(str(r.status) for r in requests if r.kind == kind)
        table[kind] = {"n": len(times), "statuses": dict(sorted(statuses.items())),
                       **{f"p{p}": round(percentile(times, p), 3) for p in (50, 95, 99)},
                       "max": round(max(times), 3)}
    return table


def outcomes(requests: list[Request], load: Load) -> dict:
    """Return what the load did: accepted and refused submissions and approvals, and the double clicks."""
    approvals = [r for r in requests if r.kind in APPROVAL_KINDS]
    doubles = Counter(r.detail["comment"].split(" ")[0][:-1] for r in approvals if r.detail.get("double"))
    both = sum(1 for marker in doubles if sum(1 for r in approvals if r.ok and r.detail.get("double")
                                              and r.detail["comment"].startswith(marker)) > 1)
    return {
        "submissions_accepted": sum(r.ok for r in requests if r.kind == "submit"),
        "submissions_refused": sum(not r.ok for r in requests if r.kind in ("submit", "submit_invalid")),
        "invalid_workbooks_refused": sum(r.status == 422 for r in requests if r.kind == "submit_invalid"),
        "invalid_workbooks_accepted": sum(r.ok for r in requests if r.kind == "submit_invalid"),
        "approvals_accepted": sum(r.ok for r in approvals if r.kind != "reject"),
        "approvals_refused": sum(not r.ok for r in approvals if r.kind != "reject"),
        "approval_refusals": dict(Counter(r.error for r in approvals if not r.ok)),
        "rejections_accepted": sum(r.ok for r in approvals if r.kind == "reject"),
        "double_clicks": len(doubles), "double_clicks_both_accepted": both,
        "stale_version_refusals": sum(r.error == "stale_consolidated" for r in approvals),
        "board_decision_recorded": load.board_recorded.is_set(),
        "status_5xx": sum(1 for r in requests if r.status is not None and r.status >= 500),
        "unanswered": sum(1 for r in requests if r.status is None),
    }


def render(report: dict) -> str:
    """Return the report as text: the run, a latency table, the outcomes and the breaches."""
    run_ = report["run"]
    lines = [f"\n{run_['command']}  (commit {run_['commit']})",
             f"{run_['requests']} requests in {run_['seconds']} s ({run_['requests_per_second']}/s), ended by: "
             f"{run_['ended_by']}", "", f"{'kind':<20}{'n':>6}{'p50 s':>9}{'p95 s':>9}{'p99 s':>9}{'max s':>9}  statuses"]
    for kind, row in report["kinds"].items():
        lines.append(f"{kind:<20}{row['n']:>6}{row['p50']:>9.3f}{row['p95']:>9.3f}{row['p99']:>9.3f}{row['max']:>9.3f}"
                     f"  {row['statuses']}")
    lines += ["", *(f"{key}: {value}" for key, value in report["outcomes"].items()),
              f"final states: {report['final_states']}", ""]
    if report["passed"]:
        lines.append("PASSED: states follow the order, accepted submissions are stored whole, no approval lost or "
                     "doubled, consolidated totals equal the stored lines, no 5xx")
    else:
        lines.append(f"FAILED: {len(report['breaches'])} breaches")
        lines += [f"  - [{b['check']}] {b['where']}: {b['message']}" for b in report["breaches"][:200]]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
