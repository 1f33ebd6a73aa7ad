"""`ingest_*`: accepting a filled workbook through `submit_workbook`, against calamine reading it."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bench import data
from bench.floor import calamine_rows
from bench.memory import measure_in_subprocess
from bench.results import Metric
from bench.sizes import Sizes
from bench.timing import compare
from planround.models import OrgUnit, PlanningRound, User
from planround.server.settings import Settings
from planround.server.submissions import submit_workbook

TABLE_COLUMNS = 20  # the budget lines table's columns: what PLANROUND_MAX_CELLS counts per row
DEFAULT_MAX_CELLS = Settings(database_url="", secret_key="").max_cells
INGEST_WHAT = ("submit_workbook: read with calamine, validate, store the lines (one bulk INSERT) and what "
               "the route's call does besides (status step, consolidated workbooks regenerated up the tree); "
               "each repetition in its own transaction, rolled back at the end, so each stores version 1")
CALAMINE_WHAT = "python-calamine reading every sheet of the same file into Python rows (to_python)"


@dataclass
class IngestCase:
    """A filled workbook of one size, ready to submit."""

    metric: str
    unit_code: str
    path: Path
    lines: int


def max_cells_for(lines: int) -> int:
    """Return the service's cell limit, raised where the default would refuse this workbook."""
    needed = (lines + 10) * TABLE_COLUMNS  # 10 spare rows (layout.SPARE_ROWS)
    return max(DEFAULT_MAX_CELLS, needed)


def submit_rolled_back(engine: Engine, round_code: str, unit_code: str, username: str, content: bytes, *,
                       max_cells: int) -> None:
    """Submit the workbook as the route does, in a transaction that is rolled back at the end."""
    with Session(engine, expire_on_commit=False) as session:
        planning_round = session.exec(select(PlanningRound).where(PlanningRound.code == round_code)).one()
        unit = session.exec(select(OrgUnit).where(OrgUnit.code == unit_code)).one()
        user = session.exec(select(User).where(User.username == username)).one()
        summary = submit_workbook(session, planning_round=planning_round, unit=unit, user=user, content=content,
                                  secret=data.SECRET, max_cells=max_cells, filename=f"{unit_code}.xlsx")
        session.rollback()
    if summary.line_count == 0:
        raise RuntimeError("the benchmark's workbook stored no lines")


def prepare(out_dir: Path, sizes: Sizes, wanted: list[str], log) -> tuple[str, Engine, data.Organisation,
                                                                           list[IngestCase]]:
    """Build one department per wanted size, issue its template and fill every prefilled row."""
    per_size = {metric: lines // sizes.accounts for metric, lines in sizes.ingest.items() if metric in wanted}
    url = data.database_url(out_dir, "ingest")
    engine = data.fresh_engine(url)
    org = data.build_organisation(engine, departments=len(per_size), activities=list(per_size.values()),
                                  accounts=sizes.accounts)
    cases = []
    for code, (metric, activities) in zip(org.department_codes, per_size.items()):
        log(f"  {metric}: issuing and filling {code}'s template of {activities * sizes.accounts} lines")
        path = out_dir / f"{metric}.xlsx"
        path.write_bytes(data.issue_and_fill(engine, org, code))
        cases.append(IngestCase(metric, code, path, activities * sizes.accounts))
    return url, engine, org, cases


def measure(engine: Engine, org: data.Organisation, case: IngestCase, repeat: int, log) -> Metric:
    """Time the submission against calamine's read of the same file."""
    content = case.path.read_bytes()
    user, max_cells = org.economists[case.unit_code], max_cells_for(case.lines)
    timings = compare(
        lambda: submit_rolled_back(engine, org.round_code, case.unit_code, user, content, max_cells=max_cells),
        lambda: calamine_rows(content), repeat=repeat, log=log)
    return Metric(case.metric, "seconds", timings.median, timings.baseline_median, repeat, 2.0,
                  INGEST_WHAT, CALAMINE_WHAT, extra={
                      "lines": case.lines, "file_bytes": len(content), "samples": timings.measured,
                      "baseline_samples": timings.baseline, **_cells_note(case.lines, max_cells)})


def _cells_note(lines: int, max_cells: int) -> dict:
    """Say when the default PLANROUND_MAX_CELLS would have refused the workbook."""
    if max_cells == DEFAULT_MAX_CELLS:
        return {}
    return {"max_cells": max_cells, "note": f"the default PLANROUND_MAX_CELLS ({DEFAULT_MAX_CELLS}) refuses "
                                            f"this workbook's {(lines + 10) * TABLE_COLUMNS} cells; raised"}


def measure_memory(url: str, org: data.Organisation, case: IngestCase, runs: int, log) -> Metric:
    """Weigh the submission's peak memory against calamine's, each in fresh subprocesses, alternating."""
    ingest_args = ["ingest", str(case.path), "--database-url", url, "--round", org.round_code,
                   "--unit", case.unit_code, "--user", org.economists[case.unit_code],
                   "--max-cells", str(max_cells_for(case.lines))]
    measured, baseline, method = [], [], None
    for number in range(runs):
        measured_run = measure_in_subprocess(ingest_args, timeout=3600)
        baseline_run = measure_in_subprocess(["calamine", str(case.path)], timeout=600)
        measured.append(measured_run["bytes"])
        baseline.append(baseline_run["bytes"])
        method = measured_run["method"]
        log(f"  run {number + 1}/{runs}: {measured[-1] / 1e6:.1f} MB against {baseline[-1] / 1e6:.1f} MB")
    return Metric("ingest_peak_memory_" + case.metric.removeprefix("ingest_"), "bytes",
                  statistics.median(measured), statistics.median(baseline), runs, 2.0,
                  "peak resident-set growth of " + INGEST_WHAT.split(";")[0],
                  "peak resident-set growth of " + CALAMINE_WHAT,
                  extra={"lines": case.lines, "method": f"fresh subprocess per run; {method}",
                         "samples": measured, "baseline_samples": baseline})
