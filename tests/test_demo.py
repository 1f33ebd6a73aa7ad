"""The demo runs a whole round, and its totals are the sums of the stored lines."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
from sqlalchemy import text

from planround.server.db import make_engine
from planround.server.demo import run_demo

REVENUE_GROUP = "revenue"


def test_the_demo_runs_a_budget_round_and_reports_the_stored_totals(tmp_path):
    out = tmp_path / "demo_out"
    output: list[str] = []
    results = run_demo(out, echo=output.append)
    assert len(results) >= 12
    templates = sorted(p.stem for p in (out / "templates" / "budget-2027").glob("*.xlsx"))
    submitted = sorted(p.stem for p in (out / "submitted" / "budget-2027").glob("*.xlsx"))
    assert templates == submitted == sorted(r["unit"] for r in results)
    assert any("HTTP 422" in line for line in output)

    engine = make_engine(f"sqlite:///{out / 'instance' / 'planround.sqlite'}")
    with engine.connect() as connection:
        lines = pd.read_sql(text(
            "SELECT u.code AS unit, a.\"group\" AS grp, l.annual_amount AS ore "
            "FROM budget_line l JOIN org_unit u ON u.id = l.unit_id "
            "JOIN account a ON a.code = l.account_code"), connection)
    engine.dispose()
    # SQLite keeps whole öre; an independent sum in pandas, to the öre.
    lines["kr"] = lines["ore"].map(lambda ore: Decimal(int(ore)) / 100)
    for result in results:
        mine = lines[lines["unit"] == result["unit"]]
        revenue = sum(mine[mine["grp"] == REVENUE_GROUP]["kr"], Decimal(0))
        cost = sum(mine[mine["grp"] != REVENUE_GROUP]["kr"], Decimal(0))
        assert Decimal(result["total_revenue"]) == revenue
        assert Decimal(result["total_cost"]) == cost
        assert result["line_count"] == len(mine)
