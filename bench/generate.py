"""`generate_300`: issuing every department's template (openpyxl, from the master) against plain xlsxwriter."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bench import data
from bench.floor import cell_values, count_cells, write_plain
from bench.results import Metric
from bench.sizes import Sizes
from bench.timing import compare
from planround.models import PlanningRound
from planround.server.issuing import issue_templates

WHAT = ("issue_templates for every department of the university (what POST /rounds/<round>/templates "
        "calls): last year's actuals, the master loaded and filled with openpyxl, signed, recorded; "
        "each repetition in one transaction, rolled back at the end")
BASELINE_WHAT = "xlsxwriter writing the same cell values (every sheet), no styles, one workbook per department"


def prepare(out_dir: Path, sizes: Sizes) -> tuple[str, Engine, data.Organisation]:
    """Build the departments, each with generate_lines = activities × accounts, and last year's actuals."""
    url = data.database_url(out_dir, "generate")
    engine = data.fresh_engine(url)
    org = data.build_organisation(engine, departments=sizes.generate_departments,
                                  activities=sizes.generate_lines // sizes.accounts, accounts=sizes.accounts)
    return url, engine, org


def issue_all_rolled_back(engine: Engine, org: data.Organisation) -> list[bytes]:
    """Issue every department's template as the route does, then roll the issues back."""
    with Session(engine, expire_on_commit=False) as session:
        planning_round = session.exec(select(PlanningRound).where(PlanningRound.code == org.round_code)).one()
        issued = issue_templates(session, planning_round=planning_round, unit_code=None, secret=data.SECRET,
                                 user=None)
        session.rollback()
    return [template.content for template in issued]


def measure(engine: Engine, org: data.Organisation, sizes: Sizes, repeat: int, log) -> Metric:
    """Time issuing the templates against writing their cell values plainly."""
    log("  warm-up: issuing every template once, to read back the cells the baseline writes")
    contents = issue_all_rolled_back(engine, org)
    books = [cell_values(content) for content in contents]
    timings = compare(lambda: issue_all_rolled_back(engine, org),
                      lambda: [write_plain(book) for book in books],
                      repeat=repeat, log=log, measured_warm=True)
    return Metric("generate_300", "seconds", timings.median, timings.baseline_median,
                  repeat, 2.0, WHAT, BASELINE_WHAT, extra={
                      "departments": len(contents), "lines_per_department": sizes.generate_lines,
                      "cells_written_by_baseline": sum(count_cells(book) for book in books),
                      "template_bytes": sum(len(c) for c in contents),
                      "samples": timings.measured, "baseline_samples": timings.baseline})
