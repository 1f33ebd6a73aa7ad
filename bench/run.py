"""The benchmark against the raw xlsx floor: `python -m bench.run [--quick] [--only METRIC] [--out DIR]`.

Builds its own data of each size on fresh databases in the output folder (SQLite, or
PostgreSQL when PLANROUND_BENCH_DATABASE_URL is set), measures each metric after a warm-up
against its baseline in the same run on the same data, and writes `results.json` and
`results.md`. `--profile` also writes a cProfile of one more measured run per metric.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/run.py`: import `bench` from the repo, not bench/ itself
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench import consolidate, data, generate, http_submit, ingest  # noqa: E402
from bench.results import Metric, table  # noqa: E402
from bench.sizes import FULL, QUICK, Sizes  # noqa: E402

METRICS = ("ingest_10k", "ingest_100k", "ingest_peak_memory_100k", "generate_300", "consolidate_university",
           "submit_concurrent_p95")
MEMORY_CASE = "ingest_100k"  # the ingest whose peak memory is weighed


def log(message: str) -> None:
    """Print progress at once (the run takes minutes)."""
    print(message, flush=True)


def profile(out_dir: Path, name: str, call: Callable[[], object]) -> None:
    """Write the top functions of one more run of `call`, by cumulative and by own time."""
    profiler = cProfile.Profile()
    profiler.runcall(call)
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(25)
    (out_dir / f"profile_{name}.txt").write_text(text.getvalue(), encoding="utf-8")
    log(f"  profile written to {out_dir / f'profile_{name}.txt'}")


def run_ingest(out_dir: Path, sizes: Sizes, wanted: list[str], options) -> list[Metric]:
    """Measure the ingest metrics that were asked for, on one database."""
    cases_wanted = [m for m in sizes.ingest if m in wanted or (m == MEMORY_CASE and "ingest_peak_memory_100k" in wanted)]
    if not cases_wanted:
        return []
    log("ingest: building the organisation and the filled workbooks")
    url, engine, org, cases = ingest.prepare(out_dir, sizes, cases_wanted, log)
    metrics = []
    for case in cases:
        if case.metric in wanted:
            log(f"{case.metric}: {case.lines} lines")
            repeat = sizes.slow_repeat if case.metric == "ingest_100k" else sizes.repeat
            metrics.append(ingest.measure(engine, org, case, repeat, log))
            if options.profile:
                profile(out_dir, case.metric, lambda case=case, content=case.path.read_bytes(): ingest.submit_rolled_back(
                    engine, org.round_code, case.unit_code, org.economists[case.unit_code], content,
                    max_cells=ingest.max_cells_for(case.lines)))
        if case.metric == MEMORY_CASE and "ingest_peak_memory_100k" in wanted:
            log(f"ingest_peak_memory_100k: {case.lines} lines, a fresh subprocess per run")
            metrics.append(ingest.measure_memory(url, org, case, sizes.memory_runs, log))
    engine.dispose()
    data.drop_database(url)
    return metrics


def run_generate(out_dir: Path, sizes: Sizes, options) -> Metric:
    """Measure issuing every department's template."""
    log(f"generate_300: {sizes.generate_departments} departments × {sizes.generate_lines} lines")
    url, engine, org = generate.prepare(out_dir, sizes)
    metric = generate.measure(engine, org, sizes, sizes.slow_repeat, log)
    if options.profile:
        profile(out_dir, "generate_300", lambda: generate.issue_all_rolled_back(engine, org))
    engine.dispose()
    data.drop_database(url)
    return metric


def run_consolidate(out_dir: Path, sizes: Sizes, options) -> Metric:
    """Measure the university's consolidated workbook."""
    log(f"consolidate_university: {sizes.consolidate_departments} departments × {sizes.consolidate_lines} lines")
    url, engine, org = consolidate.prepare(out_dir, sizes, log)
    metric = consolidate.measure(engine, org, sizes, sizes.slow_repeat, log)
    if options.profile:
        profile(out_dir, "consolidate_university",
                lambda: consolidate.regenerate_rolled_back(engine, org, consolidate.DatabaseClock()))
    engine.dispose()
    data.drop_database(url)
    return metric


def run_concurrent(out_dir: Path, sizes: Sizes) -> Metric:
    """Measure simultaneous submissions over HTTP, or say why not."""
    reason = http_submit.unavailable()
    if reason:
        log(f"submit_concurrent_p95: skipped: {reason}")
        return Metric("submit_concurrent_p95", "seconds", None, None, 0, 4.0, http_submit.WHAT,
                      http_submit.BASELINE_WHAT, skipped=reason)
    log(f"submit_concurrent_p95: {sizes.concurrent_clients} clients × {sizes.concurrent_lines} lines")
    url, clients, org = http_submit.prepare(out_dir, sizes, log)
    try:
        return http_submit.measure(url, out_dir, clients, org, sizes, log)
    finally:
        data.drop_database(url)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes and few repetitions: a smoke run")
    parser.add_argument("--only", action="append", choices=METRICS, metavar="METRIC",
                        help=f"measure only this metric (repeatable): {', '.join(METRICS)}")
    parser.add_argument("--out", type=Path, default=Path("bench_out"), help="output folder (default bench_out)")
    parser.add_argument("--profile", action="store_true", help="also write profile_<metric>.txt per metric")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark and write results.json and results.md; return what results.json holds."""
    options = parse(argv)
    options.argv = sys.argv[1:] if argv is None else argv
    options.code = code_version()  # at the start: the modules measured are the ones imported now
    sizes, wanted = (QUICK if options.quick else FULL), options.only or list(METRICS)
    out_dir = options.out
    out_dir.mkdir(parents=True, exist_ok=True)
    started, clock = datetime.now(timezone.utc), time.perf_counter()
    steps = [lambda: run_ingest(out_dir, sizes, wanted, options)]
    steps += [lambda: [run_generate(out_dir, sizes, options)]] if "generate_300" in wanted else []
    steps += [lambda: [run_consolidate(out_dir, sizes, options)]] if "consolidate_university" in wanted else []
    steps += [lambda: [run_concurrent(out_dir, sizes)]] if "submit_concurrent_p95" in wanted else []
    metrics: list[Metric] = []
    for step in steps:
        metrics += step()
        metrics.sort(key=lambda m: METRICS.index(m.name))
        # Written after every step, so a long run that is stopped still leaves what it measured.
        results = write(out_dir, metrics, options, started, time.perf_counter() - clock)
    log("\n" + table(metrics) + f"\n\nwritten to {out_dir / 'results.json'} and {out_dir / 'results.md'} "
        f"({time.perf_counter() - clock:.0f} s)")
    return results


def code_version() -> str:
    """Return the commit measured, marked when the working tree had uncommitted changes."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=Path(__file__).resolve().parent.parent, capture_output=True,
                              text=True, timeout=30, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""
    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + (" with uncommitted changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def write(out_dir: Path, metrics: list[Metric], options, started: datetime, seconds: float) -> dict:
    """Write results.json and results.md; return what results.json holds."""
    results = {
        "run": {"started_at": started.isoformat(timespec="seconds"), "seconds": round(seconds, 1),
                "quick": options.quick, "command": " ".join(["python -m bench.run", *options.argv]),
                "database": "postgresql" if os.environ.get(data.PG_URL_ENV) else "sqlite",
                "python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
                "code": options.code},
        "metrics": {m.name: m.as_json() for m in metrics},
    }
    (out_dir / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    (out_dir / "results.md").write_text(table(metrics) + "\n", encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
