"""Measure the UBW import on a large generated ledger file: time, peak memory and exact sums.

Run `python server/demo_data/ubw_load_benchmark.py [--lines 1000000] [--batch-size 5000]
[--tracemalloc] [--out bench_out]`. It writes a Windows-1252 export with decimal commas and
thousands separators over the demo organisation, loads it into a fresh SQLite database in one
transaction, loads it a second time (replacing every period), and checks the stored row count
and sum against a Decimal sum kept while writing. Peak memory is the process's maximum
resident set (`ru_maxrss`) and, with `--tracemalloc`, Python's own allocations (slower).
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func
from sqlmodel import SQLModel, select

from planround.models import Actual
from planround.server.db import make_engine, transaction
from planround.server.reference import load_accounts, load_organisation
from planround.server.ubw import import_ubw

HERE = Path(__file__).parent


def write_ledger(path: Path, lines: int) -> Decimal:
    """Write `lines` ledger lines over the demo activities and accounts; return their exact sum."""
    activities = [(row["unit"], row["code"]) for row in read_demo("activities.csv")]
    accounts = [row["code"] for row in read_demo("accounts.csv")]
    rng, total = random.Random(2027), Decimal("0.00")
    with path.open("w", encoding="cp1252", newline="") as stream:
        stream.write("period;account;department;activity;project;amount\r\n")
        for number in range(lines):
            department, activity = activities[number % len(activities)]
            ore = rng.randint(-5_000_00, 2_500_000_00)
            total += Decimal(ore) / 100
            stream.write(f"{2020 + number % 7}{number % 12 + 1:02d};{rng.choice(accounts)};"
                         f"{department};{activity};{'PRÖJ-Å' if number % 10 == 0 else ''};"
                         f"{swedish(ore)}\r\n")
    return total


def swedish(ore: int) -> str:
    """Return öre as kronor the way Swedish Excel writes them: '-1 234 567,89'."""
    sign, ore = ("-" if ore < 0 else ""), abs(ore)
    return f"{sign}{ore // 100:,}".replace(",", "\u00a0") + f",{ore % 100:02d}"


def read_demo(name: str) -> list[dict[str, str]]:
    """Read one of the demo reference files."""
    with (HERE / name).open(encoding="utf-8") as stream:
        return list(csv.DictReader(stream, delimiter=";"))


def load(engine, path: Path, batch_size: int) -> tuple[float, str]:
    """Import the file in one transaction; return the seconds taken and the summary."""
    started = time.perf_counter()
    with transaction(engine) as session:
        result = import_ubw(session, path=path, batch_size=batch_size)
    return time.perf_counter() - started, str(result)


def main() -> None:
    """Generate, load twice, check the sums and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--out", type=Path, default=Path("bench_out"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    ledger, database = args.out / "ubw_large.csv", args.out / "ubw_benchmark.sqlite"
    database.unlink(missing_ok=True)
    expected = write_ledger(ledger, args.lines)
    engine = make_engine(f"sqlite:///{database}")
    SQLModel.metadata.create_all(engine)
    with transaction(engine) as session:
        load_organisation(session, organisation_path=HERE / "organisation.csv",
                          activities_path=HERE / "activities.csv")
        load_accounts(session, path=HERE / "accounts.csv")
    print(f"{ledger}: {args.lines} lines, {ledger.stat().st_size / 1e6:.1f} MB")
    report(engine, ledger, args, expected)


def report(engine, ledger: Path, args, expected: Decimal) -> None:
    """Load the file twice and print the time, the memory and whether the sums hold."""
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if args.tracemalloc:
        tracemalloc.start()
    for attempt in ("first load", "reload"):
        seconds, summary = load(engine, ledger, args.batch_size)
        print(f"{attempt}: {seconds:.1f} s ({args.lines / seconds:,.0f} lines/s): {summary}")
    if args.tracemalloc:
        print(f"tracemalloc peak: {tracemalloc.get_traced_memory()[1] / 1e6:.1f} MB")
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS: {rss_before / 1024:.0f} MB before the loads, {rss_after / 1024:.0f} MB after")
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(Actual)).scalar_one()
        stored = connection.execute(select(func.sum(Actual.amount))).scalar_one()
    ok = count == args.lines and stored == expected
    print(f"stored {count} rows, sum {stored} (expected {expected}): {'OK' if ok else 'MISMATCH'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
