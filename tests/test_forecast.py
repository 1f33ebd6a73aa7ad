"""Forecast rounds (prognos), end to end: template, filling, validation, stored lines; API and CLI."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from planround.models import Actual, Activity, BudgetLine, PlanningRound, Role, RoundKind, TemplateIssue
from planround.server import layout
from planround.server.errors import ValidationFailed
from planround.server.filling import fill_template, template_cells
from planround.server.forecast import closed_months, stored_months
from planround.server.masters import build_forecast_master
from planround.server.signature import signature_holds
from planround.server.submissions import submit_workbook
from planround.server.templates import generate_template
from planround.server.workbook import read_workbook
from tests.factories import economist_of_d110, make_round, make_small_university, make_user
from tests.workbooks import XLSX, fill_amounts, fill_forecast

SECRET = "test-secret"
MAX_CELLS = 100_000
# The approved budget of 2026 for D101 (no actuals of 2025, so every line over 100 000 kr has a comment).
BUDGET = {("UTB", "3010"): 1_200_000, ("UTB", "4010"): 600_000, ("FOR", "3110"): 90_000}
# A forecast for every line with a budget or actuals, none far from its budget.
FORECAST = {("UTB", "3010"): 1_250_000, ("UTB", "4010"): 600_000, ("FOR", "3110"): 90_000,
            ("FOR", "6010"): 1_234.56}


@pytest.fixture
def year(session):
    """D101 with a submitted 2026 budget, actuals of January to May (May still being booked), a forecast round."""
    org = make_small_university(session)
    dept = org["departments"][0]
    org["economist"] = make_user(session, "eva.ekonom", (Role.economist, dept))
    budget_round = make_round(session, "budget-2026", fiscal_year=2026)
    budget = generate_template(session, planning_round=budget_round, unit=dept, secret=SECRET)
    submit_workbook(session, planning_round=budget_round, unit=dept, user=org["economist"], secret=SECRET,
                    content=fill_amounts(budget.content, BUDGET, comment="Budget"), max_cells=MAX_CELLS)
    activities = {a.code: a.id for a in session.exec(select(Activity).where(Activity.unit_id == dept.id))}
    actuals = [(month, "UTB", "3010", amount, project) for month in range(1, 5)
               for amount, project in (("60000", "P1"), ("40000", "P2"))]  # two projects sum up
    actuals += [(month, "UTB", "4010", "50000.25", None) for month in range(1, 5)]
    actuals += [(1, "FOR", "6010", "1234.56", None), (5, "UTB", "3010", "10000", None)]
    for month, activity, account, amount, project in actuals:
        session.add(Actual(period=202600 + month, unit_id=dept.id, activity_id=activities[activity],
                           account_code=account, project=project, amount=Decimal(amount)))
    forecast_round = make_round(session, "prognos-2026-1", kind=RoundKind.forecast, fiscal_year=2026)
    forecast_round.deadline = date(2026, 5, 15)  # so April is the last closed month
    session.commit()
    org.update(dept=dept, budget_round=budget_round, round=forecast_round, budget_template=budget.content)
    return org


def generate(session, year, **kw):
    return generate_template(session, planning_round=year["round"], unit=year["dept"], secret=SECRET, **kw)


def submit(session, year, content: bytes, **kw):
    return submit_workbook(session, planning_round=year["round"], unit=year["dept"], user=year["economist"],
                           content=content, secret=SECRET, max_cells=MAX_CELLS, **kw)


def refused(session, year, content: bytes) -> list[tuple[str, str | None]]:
    with pytest.raises(ValidationFailed) as caught:
        submit(session, year, content)
    return [(p.code, p.cell) for p in caught.value.problems]


def row_of(content: bytes, pair: tuple[str, str]):
    """Return the reader's row of (activity, account)."""
    return next(r for r in read_workbook(content, max_cells=MAX_CELLS).rows
                if (r.values["activity"], str(r.values["account"])) == pair)


def edit(content: bytes, changes: dict[tuple[str, str], dict]) -> bytes:
    """Type into any cell of the rows of (activity, account), locked or not, as a determined user can."""
    def plan(cells):
        return changes.get((cells["activity"].value, str(cells["account"].value)))
    return fill_template(content, plan)


# --- the template ------------------------------------------------------------------------------

def test_a_forecast_template_has_the_budget_and_the_closed_months_actuals_prefilled_and_locked(session, year):
    generated = generate(session, year)
    book, spec, rows = template_cells(generated.content)
    assert spec is layout.FORECAST and book.sheetnames[0] == "Prognos"
    assert [c.name for c in book["Prognos"].tables["ForecastLines"].tableColumns] == [
        c.header for c in layout.FORECAST_COLUMNS]
    utb_3010 = next(r for r in rows if (r["activity"].value, r["account"].value) == ("UTB", "3010"))
    assert utb_3010["budget"].value == 1_200_000
    assert [utb_3010[k].value for k in layout.ACTUAL_MONTH_KEYS] == [100_000] * 4 + [None] * 8
    assert utb_3010["actual_to_date"].value == 400_000 and utb_3010["forecast"].value is None
    assert utb_3010["deviation"].value.startswith("=IF(")
    inputs = {"forecast", "comment"}
    assert all(cell.protection.locked == (key not in inputs) for key, cell in utb_3010.items())
    assert book["Prognos"].protection.sheet
    assert len(rows) == 12 + layout.SPARE_ROWS and rows[-1]["activity"].protection.locked is False


def test_the_issue_records_the_budget_and_the_closed_months_and_signs_them(session, year):
    generated = generate(session, year)
    prefill = {(e["activity"], e["account"]): e for e in generated.issue.prefill}
    assert prefill[("UTB", "3010")] == {"row": 6, "activity": "UTB", "account": "3010",
                                        "budget": "1200000.00", "actuals": ["100000.00"] * 4}
    assert prefill[("FOR", "6010")]["actuals"] == ["1234.56", None, None, None]
    assert prefill[("FOR", "7010")] == {"row": 5, "activity": "FOR", "account": "7010", "budget": None,
                                        "actuals": [None] * 4}
    book = load_workbook(io.BytesIO(generated.content))
    meta = {row[0].value: row[1].value for row in book[layout.META_SHEET].iter_rows()}
    assert (meta["kind"], meta["round"], meta["actuals_through"]) == ("forecast", "prognos-2026-1", "2026-04")
    assert signature_holds(SECRET, meta["signature"], round_code="prognos-2026-1", unit_code="D101",
                           template_version=1, issue_id=generated.issue.id, prefill=generated.issue.prefill)
    header = read_workbook(generated.content, max_cells=MAX_CELLS).header
    assert header[layout.NAME_ACTUALS_THROUGH] == "Apr 2026" and header[layout.NAME_FISCAL_YEAR] == 2026


def test_without_a_budget_submission_the_budget_column_is_empty(session, year):
    year["round"].fiscal_year = 2027  # no budget and no actuals of 2027
    generated = generate(session, year)
    assert all(e["budget"] is None and e["actuals"] == [] for e in generated.issue.prefill)


def test_the_closed_months_are_the_ledgers_latest_but_none_after_the_deadline_month(session, year):
    assert closed_months(session, planning_round=year["round"]) == 4
    year["round"].deadline = None
    assert closed_months(session, planning_round=year["round"]) == 5
    year["round"].deadline = date(2025, 12, 1)
    assert closed_months(session, planning_round=year["round"]) == 0


# --- a filled forecast ------------------------------------------------------------------------

def test_a_filled_forecast_is_stored_with_the_closed_months_as_booked_and_the_rest_spread(session, year):
    summary = submit(session, year, fill_forecast(generate(session, year).content, FORECAST))
    assert summary.line_count == 4 and summary.total_revenue == Decimal("1340000.00")
    assert summary.total_cost == Decimal("601234.56")
    lines = {(line.activity_id, line.account_code): line for line in session.exec(select(BudgetLine).where(
        BudgetLine.round_id == year["round"].id))}
    assert len(lines) == 4
    for line in lines.values():
        months = [getattr(line, key) for key in layout.MONTH_KEYS]
        assert sum(months) == line.annual_amount and line.distribution_key == "own"
    utb = session.exec(select(Activity.id).where(Activity.unit_id == year["dept"].id, Activity.code == "UTB")).one()
    salaries = [getattr(lines[(utb, "4010")], key) for key in layout.MONTH_KEYS]
    assert salaries[:4] == [Decimal("50000.25")] * 4  # the closed months as booked
    assert sum(salaries[4:]) == Decimal("399999.00") and max(salaries[4:]) - min(salaries[4:]) == Decimal("0.01")


def test_a_forecast_below_the_actual_to_date_spreads_a_negative_rest():
    months = stored_months(Decimal("100.00"), [Decimal("60.00"), None, Decimal("50.00")])
    assert months[:3] == (Decimal("60.00"), Decimal("0.00"), Decimal("50.00"))
    assert sum(months) == Decimal("100.00") and all(m in (Decimal("-1.11"), Decimal("-1.12")) for m in months[3:])


def test_a_forecast_far_from_budget_without_a_comment_is_refused_naming_the_comment_cell(session, year):
    blank = generate(session, year).content
    far = fill_forecast(blank, {**FORECAST, ("UTB", "3010"): 2_000_000})
    assert refused(session, year, far) == [("forecast_comment_required", row_of(far, ("UTB", "3010")).cells["comment"])]
    explained = edit(far, {("UTB", "3010"): {"comment": "Ny uppdragsutbildning"}})
    assert submit(session, year, explained).line_count == 4


def test_a_missing_forecast_on_a_line_with_a_budget_is_refused_naming_the_forecast_cell(session, year):
    content = fill_forecast(generate(session, year).content, {k: v for k, v in FORECAST.items() if k[0] != "FOR"})
    assert refused(session, year, content) == [
        ("forecast_missing", row_of(content, pair).cells["forecast"]) for pair in (("FOR", "3110"), ("FOR", "6010"))]


@pytest.mark.parametrize("key", ["budget", "actual_m02", "actual_to_date", "actual_m07"])
def test_a_changed_budget_or_actual_cell_is_refused_naming_the_cell(session, year, key):
    filled = fill_forecast(generate(session, year).content, FORECAST)
    tampered = edit(filled, {("UTB", "3010"): {key: 1.0}})
    assert refused(session, year, tampered) == [("prefilled_changed", row_of(tampered, ("UTB", "3010")).cells[key])]


def test_a_duplicate_forecast_line_is_refused(session, year):
    filled = fill_forecast(generate(session, year).content, FORECAST)
    book, _, rows = template_cells(filled)
    rows[-1]["activity"].value, rows[-1]["account"].value, rows[-1]["forecast"].value = "FOR", "3110", 5
    out = io.BytesIO()
    book.save(out)
    assert [code for code, _ in refused(session, year, out.getvalue())] == ["duplicate_line"]


def test_a_budget_template_sent_to_a_forecast_round_is_refused(session, year):
    generate(session, year)
    assert refused(session, year, fill_amounts(year["budget_template"], BUDGET, comment="x")) == [
        ("budget_template_in_forecast_round", None)]


def test_the_forecast_master_with_rows_inserted_above_still_works(session, year, tmp_path):
    master = build_forecast_master(tmp_path / "forecast.xlsx", extra_rows_above=3)
    generated = generate(session, year, master_path=master)
    book = load_workbook(io.BytesIO(generated.content))
    assert book["Prognos"].tables["ForecastLines"].ref.startswith("A14:")
    assert book.defined_names[layout.NAME_UNIT_CODE].attr_text == "'Prognos'!$B$7"
    content = fill_forecast(generated.content, FORECAST)
    assert row_of(content, ("UTB", "3010")).cells["forecast"] == "S21"
    assert submit(session, year, content).line_count == 4


# --- through the API and the command line -----------------------------------------------------

def test_a_forecast_round_runs_through_the_api(client, world, engine):
    budget_url, forecast_url = "/api/v1/rounds/budget-2027/units/D101", "/api/v1/rounds/prognos-2027/units/D101"
    assert client.get(f"{budget_url}/template", headers=world.auth("admin")).status_code == 200
    budget = client.get(f"{budget_url}/template", headers=world.auth("economist")).data
    send = {**world.auth("economist"), "Content-Type": XLSX}
    answer = client.post(f"{budget_url}/submissions", data=fill_amounts(budget, BUDGET, comment="B"), headers=send)
    assert answer.status_code == 201, answer.json
    with Session(engine) as session:
        make_round(session, "prognos-2027", kind=RoundKind.forecast, fiscal_year=2027).deadline = date(2027, 3, 1)
        session.commit()
    generated = client.post("/api/v1/rounds/prognos-2027/templates?unit=D101", headers=world.auth("admin"))
    assert generated.status_code == 201
    template = client.get(f"{forecast_url}/template", headers=world.auth("economist")).data
    assert client.post(f"{forecast_url}/submissions", data=budget, headers=send).json["errors"][0]["code"] == (
        "budget_template_in_forecast_round")
    answer = client.post(f"{forecast_url}/submissions", data=fill_forecast(template, BUDGET), headers=send)
    assert answer.status_code == 201, answer.json
    assert Decimal(answer.json["total_revenue"]) == Decimal("1290000.00")
    with Session(engine) as session:
        planning_round = session.exec(select(PlanningRound).where(PlanningRound.code == "prognos-2027")).one()
        lines = session.exec(select(BudgetLine).where(BudgetLine.round_id == planning_round.id)).all()
        assert sorted(line.annual_amount for line in lines) == [Decimal("90000.00"), Decimal("600000.00"),
                                                                Decimal("1200000.00")]
        assert session.exec(select(TemplateIssue).where(TemplateIssue.round_id == planning_round.id)).one()


def test_a_forecast_round_runs_from_the_command_line(loaded, tmp_path):
    run = loaded
    created = run("rounds", "create", "prognos-2026", "--name", "Prognos 1 2026", "--kind", "forecast",
                  "--year", "2026", "--deadline", "2026-05-15")
    assert created.exit_code == 0, created.output
    assert run("rounds", "open", "prognos-2026").exit_code == 0
    generated = run("templates", "generate", "prognos-2026", "--unit", "D110", "--out", str(tmp_path / "t"))
    assert generated.exit_code == 0, generated.output
    template = (tmp_path / "t" / "prognos-2026" / "D110.xlsx").read_bytes()

    def nothing_more_expected(cells):
        booked = cells["actual_to_date"].value
        return None if booked is None else {"forecast": booked, "comment": "Inget mer väntas"}
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(fill_template(template, nothing_more_expected))
    stored = run("submit", "prognos-2026", "D110", str(filled), "--user", economist_of_d110())
    assert stored.exit_code == 0 and "version 1" in stored.output, stored.output
