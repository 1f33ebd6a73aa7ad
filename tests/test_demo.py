"""The demo runs a whole planning year, and what it reports are the sums of the stored lines."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import text

from planround.server.db import make_engine
from planround.server.demo import FORECAST, REJECTED, run_demo

REVENUE_GROUP = "revenue"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """Run the demo once for this module's tests: its output folder, its results and what it printed."""
    out = tmp_path_factory.mktemp("demo") / "demo_out"
    output: list[str] = []
    results = run_demo(out, echo=output.append)
    return out, results, output


def stored(out, query: str) -> pd.DataFrame:
    engine = make_engine(f"sqlite:///{out / 'instance' / 'planround.sqlite'}")
    with engine.connect() as connection:
        frame = pd.read_sql(text(query), connection)
    engine.dispose()
    return frame


def test_the_demo_runs_the_budget_climb_and_reports_the_stored_totals(demo):
    out, results, output = demo
    units = sorted(r["unit"] for r in results)
    assert len(units) >= 12
    for folder in ("templates", "submitted"):
        assert sorted(p.stem for p in (out / folder / "budget-2027").glob("*.xlsx")) == units
    consolidated = {p.stem for p in (out / "consolidated" / "budget-2027").glob("*.xlsx")}
    assert set(units) | {"UNI", "NAT", "HUM", "FORV"} == consolidated
    assert any("HTTP 422" in line for line in output)

    lines = stored(out, "SELECT u.code AS unit, l.submission_version AS version, a.\"group\" AS grp, "
                        "l.annual_amount AS ore FROM budget_line l JOIN org_unit u ON u.id = l.unit_id "
                        "JOIN account a ON a.code = l.account_code "
                        "JOIN planning_round r ON r.id = l.round_id WHERE r.code = 'budget-2027'")
    # SQLite keeps whole öre; an independent sum in pandas, to the öre.
    lines["kr"] = lines["ore"].map(lambda ore: Decimal(int(ore)) / 100)
    for result in results:
        mine = lines[(lines["unit"] == result["unit"]) & (lines["version"] == result["version"])]
        assert Decimal(result["total_revenue"]) == sum(mine[mine["grp"] == REVENUE_GROUP]["kr"], Decimal(0))
        assert Decimal(result["total_cost"]) == sum(mine[mine["grp"] != REVENUE_GROUP]["kr"], Decimal(0))
        assert result["line_count"] == len(mine)


def test_the_demo_ends_with_every_department_approved_and_one_rejected_once(demo):
    out, _results, _output = demo
    states = stored(out, "SELECT u.code AS unit, s.state FROM department_status s JOIN org_unit u ON u.id = s.unit_id")
    assert set(states["state"]) == {"university_approved"}
    events = stored(out, "SELECT u.code AS unit, e.action FROM approval_event e JOIN org_unit u ON u.id = e.unit_id")
    rejected = events[events["action"] == "reject"]
    assert list(rejected["unit"]) == [REJECTED]
    versions = stored(out, f"SELECT COUNT(*) AS n FROM submission s JOIN org_unit u ON u.id = s.unit_id "
                           f"JOIN planning_round r ON r.id = s.round_id "
                           f"WHERE u.code = '{REJECTED}' AND r.code = 'budget-2027'")
    assert versions["n"][0] == 2


def test_the_demo_runs_a_forecast_round_after_the_budget(demo):
    out, _results, _output = demo
    consolidated = {p.stem for p in (out / "consolidated" / FORECAST.code).glob("*.xlsx")}
    assert {"UNI", "NAT", "HUM", "FORV"} <= consolidated
    rounds = stored(out, "SELECT r.code, r.kind, COUNT(DISTINCT s.unit_id) AS units FROM submission s "
                         "JOIN planning_round r ON r.id = s.round_id GROUP BY r.code, r.kind ORDER BY r.code")
    assert list(rounds["code"]) == ["budget-2027", FORECAST.code]
    assert list(rounds["kind"]) == ["budget", "forecast"]
    assert rounds["units"].nunique() == 1
