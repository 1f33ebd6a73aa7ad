"""`consolidate_university`: the university's consolidated workbook against plain xlsxwriter."""

from __future__ import annotations

import statistics
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bench import data
from bench.database_clock import DatabaseClock, clock_engine
from bench.floor import cell_values, count_cells, write_plain
from bench.results import Metric
from bench.sizes import Sizes
from bench.timing import compare
from planround.models import OrgUnit, PlanningRound
from planround.server import consolidated_workbook

WHAT = ("regenerate(university): the departments' states, consolidation_data (SQL aggregates; the drill-down "
        "reads each department's lines summed per account and month, stored with the submission), the workbook "
        "rendered with xlsxwriter and stored as a version; rolled back after each")
BASELINE_WHAT = "xlsxwriter writing the same output cells (every sheet), no styles, table or chart"
DATABASE_WHAT = ("seconds inside the database driver during regenerate: executing every statement and "
                 "fetching its rows (not the Python work done with them)")


def prepare(out_dir: Path, sizes: Sizes, log) -> tuple[str, Engine, data.Organisation]:
    """Build the departments and store each one's latest submission with bulk INSERTs."""
    url = data.database_url(out_dir, "consolidate")
    engine = data.fresh_engine(url)
    org = data.build_organisation(engine, departments=sizes.consolidate_departments,
                                  activities=sizes.consolidate_lines // sizes.accounts, accounts=sizes.accounts)
    count = data.store_latest_lines(engine, org)
    log(f"  stored {count} lines in {sizes.consolidate_departments} departments' submissions")
    return url, engine, org


def regenerate_rolled_back(engine: Engine, org: data.Organisation, clock: DatabaseClock) -> bytes:
    """Regenerate the university's workbook as an approval step does, then roll it back."""
    with Session(engine, expire_on_commit=False) as session:
        planning_round = session.exec(select(PlanningRound).where(PlanningRound.code == org.round_code)).one()
        university = session.exec(select(OrgUnit).where(OrgUnit.code == org.university_code)).one()
        clock.reset()
        book = consolidated_workbook.regenerate(session, planning_round=planning_round, unit=university)
        clock.samples.append(clock.seconds)
        content = book.content
        session.rollback()
    return content


def measure(engine: Engine, org: data.Organisation, sizes: Sizes, repeat: int, log) -> Metric:
    """Time the consolidated workbook against writing its cells plainly; report the database's share."""
    clock = DatabaseClock()
    clock_engine(engine, clock)
    log("  warm-up: regenerating once, to read back the cells the baseline writes")
    sheets = cell_values(regenerate_rolled_back(engine, org, clock))
    timings = compare(lambda: regenerate_rolled_back(engine, org, clock), lambda: write_plain(sheets),
                      repeat=repeat, log=log, measured_warm=True)
    database = clock.samples[1:]  # the warm-up's is not counted
    return Metric("consolidate_university", "seconds", timings.median, timings.baseline_median, repeat, 3.0,
                  WHAT, BASELINE_WHAT, limits={"database_seconds_max": 1.0}, extra={
                      "database_seconds": statistics.median(database),
                      "database_what": DATABASE_WHAT,
                      "departments": sizes.consolidate_departments,
                      "stored_lines": sizes.consolidate_departments * sizes.consolidate_lines,
                      "cells_written_by_baseline": count_cells(sheets),
                      "samples": timings.measured, "baseline_samples": timings.baseline,
                      "database_samples": database})
