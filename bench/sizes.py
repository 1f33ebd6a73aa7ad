"""How big each measurement is and how often it runs: the full benchmark and the quick smoke run."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Sizes:
    """Sizes in lines; a department's lines are its activities × the accounts."""

    accounts: int
    ingest: dict[str, int] = field(default_factory=dict)  # metric -> lines of the filled workbook
    generate_departments: int = 300
    generate_lines: int = 200  # per department
    consolidate_departments: int = 300
    consolidate_lines: int = 2000  # stored per department
    concurrent_clients: int = 20
    concurrent_lines: int = 1000  # per submitted workbook
    concurrent_bursts: int = 5  # rounds of every client at once
    repeat: int = 5
    slow_repeat: int = 3  # for the measurements of minutes: the 100k ingest, 300 templates, 600k lines
    memory_runs: int = 3


FULL = Sizes(accounts=40, ingest={"ingest_10k": 10_000, "ingest_100k": 100_000})
QUICK = Sizes(accounts=10, ingest={"ingest_10k": 40, "ingest_100k": 80}, generate_departments=2,
              generate_lines=20, consolidate_departments=2, consolidate_lines=40, concurrent_clients=3,
              concurrent_lines=20, concurrent_bursts=2, repeat=2, slow_repeat=2, memory_runs=1)
