"""Follow-up workbooks: actual against budget and forecast, to date and by month, exact to the öre.

The expected figures are computed here independently: pandas over the rows of `actual` and
`budget_line` read with plain SQL, never with the code under test; the workbook is read back
with openpyxl.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from planround.models import AccountGroup, OrgUnit, PlanningRound, RoundKind
from planround.server.followup import followup_data
from planround.server.followup_workbook import followup_workbook, render_followup
from tests.factories import make_account, make_actual, make_round, make_small_university, make_submission, make_user
from tests.test_consolidation import kronor, scope, total  # scope: a department by activity, above by unit

D = Decimal
ORE = D("0.01")
NOW = datetime(2027, 4, 7, 8, 0, tzinfo=timezone.utc)
LABELS = {"revenue": "Intäkter", "personnel": "Personalkostnader", "premises": "Lokalkostnader",
          "operating": "Övriga driftkostnader", "depreciation": "Avskrivningar",
          "financial": "Finansiella kostnader"}
COSTS, RESULT = "Summa kostnader", "Resultat (intäkter − kostnader)"
MONTHS = [f"m{n:02d}" for n in range(1, 13)]
D101_LINES = {("UTB", "3010"): D("1250000.10"), ("UTB", "4010"): D("800000.20"), ("FOR", "3010"): D("0.20"),
              ("FOR", "4010"): D("333333.33"), ("FOR", "5010"): D("12345.67"), ("FOR", "6010"): D("0.01")}
D102_LINES = {("UTB", "3010"): D("2000000.05"), ("UTB", "4010"): D("1234567.89"), ("FOR", "7010"): D("45000.55")}
D201_LINES = {("UTB", "3010"): D("0.70"), ("FOR", "4010"): D("9876543.21")}
ACTUALS = [  # unit, activity, account, period, amount; 8410 has actuals but no budget anywhere
    ("D101", "UTB", "3010", 202701, "104166.67"), ("D101", "UTB", "3010", 202702, "100000.10"),
    ("D101", "UTB", "3010", 202703, "0.20"), ("D101", "FOR", "4010", 202701, "27777.77"),
    ("D101", "FOR", "4010", 202703, "30000.01"), ("D101", "FOR", "8410", 202702, "12.34"),
    ("D102", "UTB", "4010", 202702, "102880.66"), ("D102", "FOR", "7010", 202701, "3750.05"),
    ("D201", "FOR", "4010", 202703, "823045.27"),
    ("D101", "UTB", "3010", 202612, "5555.55"),  # last year: not followed up
    ("D101", "UTB", "3010", 202801, "4444.44"),  # next year: not followed up
]


@pytest.fixture
def uni(session: Session) -> dict:
    """A small university with a budget in every department and the ledger's first quarter."""
    org = make_small_university(session)
    make_account(session, "8410", AccountGroup.financial, "Räntekostnader")
    d101, d102, d201 = org["departments"]
    economist = make_user(session, "eva.ekonom")
    budget = make_round(session)
    superseded = {("UTB", "3010"): D("999.99")}
    for unit, planned in ((d101, superseded), (d101, D101_LINES), (d102, D102_LINES), (d201, D201_LINES)):
        make_submission(session, budget, unit, economist, planned)
    # An uneven profile, so "budget to date" must be the months', not a twelfth of the year.
    session.connection().execute(text(
        "UPDATE budget_line SET m01 = m01 + 10000, m12 = m12 - 10000 WHERE unit_id = :unit"), {"unit": d102.id})
    units = {u.code: u for u in session.exec(select(OrgUnit)).all()}
    for unit, activity, account, period, amount in ACTUALS:
        make_actual(session, units[unit], activity, account, period, D(amount))
    session.commit()
    return {"units": units, "budget": budget, "economist": economist}


def add_forecast(session: Session, uni: dict, *, submit: bool = True) -> PlanningRound:
    """Open the year's forecast round; D101 forecasts two lines."""
    forecast = make_round(session, "prognos-2027", kind=RoundKind.forecast)
    if submit:
        make_submission(session, forecast, uni["units"]["D101"], uni["economist"],
                        {("UTB", "3010"): D("1300000.00"), ("FOR", "4010"): D("340000.03")})
    session.commit()
    return forecast


# --- the independent computation -------------------------------------------------------------

LINES_SQL = text(f"""
    SELECT r.code AS round_code, u.code AS unit, p.code AS parent, a.code AS activity,
           acc."group" AS account_group, bl.submission_version AS version,
           bl.annual_amount AS annual, {", ".join(f"bl.{m} AS {m}" for m in MONTHS)}
    FROM budget_line bl JOIN planning_round r ON r.id = bl.round_id
    JOIN org_unit u ON u.id = bl.unit_id JOIN org_unit p ON p.id = u.parent_id
    JOIN activity a ON a.id = bl.activity_id JOIN account acc ON acc.code = bl.account_code
""")
ACTUALS_SQL = text("""
    SELECT u.code AS unit, p.code AS parent, a.code AS activity, acc."group" AS account_group,
           ac.period AS period, ac.amount AS amount
    FROM actual ac JOIN org_unit u ON u.id = ac.unit_id JOIN org_unit p ON p.id = u.parent_id
    JOIN activity a ON a.id = ac.activity_id JOIN account acc ON acc.code = ac.account_code
""")


def lines(session: Session, round_code: str) -> pd.DataFrame:
    """Return the stored lines of each department's latest submission in the round, in kronor."""
    frame = pd.DataFrame(session.connection().execute(LINES_SQL).mappings().all())
    for column in ["annual", *MONTHS]:
        frame[column] = frame[column].map(lambda raw: kronor(session, raw))
    frame = frame[frame["round_code"] == round_code]
    return frame[frame["version"] == frame.groupby("unit")["version"].transform("max")]


def actuals(session: Session, through: int) -> pd.DataFrame:
    """Return the ledger's rows of 2027 through the cut-off, in kronor."""
    frame = pd.DataFrame(session.connection().execute(ACTUALS_SQL).mappings().all())
    frame["amount"] = frame["amount"].map(lambda raw: kronor(session, raw))
    return frame[frame["period"].between(202701, 202700 + through)]


def expected(actual: pd.DataFrame, budget: pd.DataFrame, through: int) -> dict[str, dict[str, Decimal]]:
    """Return actual and budget to date and the full-year budget by row label, costs and result too."""
    rows = {}
    for group, label in LABELS.items():
        booked, planned = actual[actual["account_group"] == group], budget[budget["account_group"] == group]
        rows[label] = {"actual": total(booked["amount"]), "budget": total(planned["annual"]),
                       "to_date": total(total(planned[m]) for m in MONTHS[:through])}
    rows[COSTS] = {k: total(rows[LABELS[g]][k] for g in LABELS if g != "revenue") for k in rows["Intäkter"]}
    rows[RESULT] = {k: rows["Intäkter"][k] - rows[COSTS][k] for k in rows["Intäkter"]}
    return rows


# --- reading the workbook back ----------------------------------------------------------------


def load(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content))


def cents(value) -> Decimal | None:
    return None if value is None else D(str(value)).quantize(ORE)


def figures(content: bytes) -> dict[str, tuple]:
    """Return the rows of "Uppföljning" by label: to date (4 values), then the full year (5)."""
    rows = load(content)["Uppföljning"].iter_rows(min_row=6, max_row=13, values_only=True)
    return {row[0]: row[1:] for row in rows}


def meta(content: bytes) -> dict[str, str]:
    return {k: v for k, v in load(content)["_meta"].iter_rows(values_only=True)}


def workbook(session: Session, uni: dict, unit: str, round_code: str = "budget-2027", **kw) -> bytes:
    planning_round = session.exec(select(PlanningRound).where(PlanningRound.code == round_code)).one()
    return followup_workbook(session, planning_round=planning_round, unit=uni["units"][unit], **kw)


def assert_row(values: tuple, want: dict[str, Decimal]) -> None:
    """Check one row's to-date figures, its variance and percentage, and the full-year budget."""
    actual, to_date, variance, pct = values[:4]
    assert (cents(actual), cents(to_date), cents(variance)) == (
        want["actual"], want["to_date"], want["actual"] - want["to_date"])
    if want["to_date"] == 0:
        assert pct is None
    else:
        assert pct == pytest.approx(float((want["actual"] - want["to_date"]) / abs(want["to_date"])), abs=1e-12)
    assert cents(values[4]) == want["budget"]


# --- the figures ------------------------------------------------------------------------------


@pytest.mark.parametrize(("unit", "through"), [("D101", None), ("FAK1", None), ("FORV", None),
                                               ("UNI", None), ("D101", 1), ("UNI", 2), ("FAK1", 12)])
def test_every_to_date_figure_equals_the_stored_rows(session, uni, unit, through):
    content = workbook(session, uni, unit, through=through)
    cut = through or 3  # the ledger's latest month of 2027
    want = expected(scope(actuals(session, cut), unit)[0], scope(lines(session, "budget-2027"), unit)[0], cut)
    rows = figures(content)
    assert list(rows) == [*LABELS.values(), COSTS, RESULT]
    for label, values in rows.items():
        assert_row(values, want[label])
    assert meta(content)["through"] == f"2027-{cut:02d}"


def test_the_cut_off_is_the_latest_month_of_the_year_with_actuals(session, uni):
    book = load(workbook(session, uni, "UNI"))
    assert book["Uppföljning"]["B4"].value == "Hittills t.o.m. Mar 2027"
    assert "utfall t.o.m. Mar 2027" in book["Uppföljning"]["A2"].value
    make_actual(session, uni["units"]["D201"], "UTB", "3010", 202705, D("1.00"))
    session.commit()
    assert meta(workbook(session, uni, "UNI"))["through"] == "2027-05"


def test_a_year_without_actuals_has_nothing_to_date(session, uni):
    make_round(session, "budget-2029", fiscal_year=2029)
    session.commit()
    content = workbook(session, uni, "UNI", "budget-2029")
    assert meta(content)["through"] == ""
    assert load(content)["Uppföljning"]["B4"].value == "Hittills (inga bokförda månader)"
    assert figures(content)[RESULT][:4] == (0, 0, 0, None)


def test_without_a_forecast_the_year_is_actual_plus_the_remaining_budget(session, uni):
    content = workbook(session, uni, "FAK1")
    budget, booked = scope(lines(session, "budget-2027"), "FAK1")[0], scope(actuals(session, 3), "FAK1")[0]
    personnel = figures(content)["Personalkostnader"]
    rest = total(total(budget[budget["account_group"] == "personnel"][m]) for m in MONTHS[3:])
    assert personnel[5] is None  # no forecast
    assert cents(personnel[6]) == total(booked[booked["account_group"] == "personnel"]["amount"]) + rest
    assert cents(personnel[7]) == cents(personnel[6]) - cents(personnel[4])
    sheet = load(content)["Uppföljning"]
    assert sheet["H5"].value == "Utfall + återstående budget"
    assert sheet["A3"].value == "Budget: budget-2027 · Prognos: ingen omgång för 2027"


@pytest.mark.parametrize("round_code", ["budget-2027", "prognos-2027"])
def test_a_forecast_rounds_figures_appear_when_one_exists(session, uni, round_code):
    add_forecast(session, uni)
    content = workbook(session, uni, "D101", round_code)
    forecast, booked = lines(session, "prognos-2027"), actuals(session, 3)
    booked = booked[booked["unit"] == "D101"]
    for group in ("revenue", "personnel"):
        row = figures(content)[LABELS[group]]
        planned = forecast[forecast["account_group"] == group]
        rest = total(total(planned[m]) for m in MONTHS[3:])
        assert cents(row[5]) == total(planned["annual"])
        assert cents(row[6]) == total(booked[booked["account_group"] == group]["amount"]) + rest
        assert cents(row[7]) == cents(row[6]) - cents(row[4])
    assert figures(content)["Lokalkostnader"][5] == 0  # forecast, nothing planned
    assert (meta(content)["budget_round"], meta(content)["forecast_round"]) == ("budget-2027", "prognos-2027")
    assert load(content)["Uppföljning"]["H5"].value == "Utfall + återstående prognos"


def test_a_forecast_round_nobody_has_submitted_in_is_not_followed_up(session, uni):
    add_forecast(session, uni, submit=False)
    content = workbook(session, uni, "UNI")
    assert meta(content)["forecast_round"] == ""
    assert figures(content)["Intäkter"][5] is None


def test_variance_percent_is_empty_where_the_budget_is_zero(session, uni):
    row = figures(workbook(session, uni, "D101"))["Finansiella kostnader"]
    assert (cents(row[0]), cents(row[1]), cents(row[2]), row[3]) == (D("12.34"), 0, D("12.34"), None)
    assert row[8] is None  # the full year's percentage too
    empty = figures(workbook(session, uni, "D201"))["Lokalkostnader"]
    assert empty[:4] == (0, 0, 0, None)


# --- the other sheets -------------------------------------------------------------------------


def test_per_month_shows_actual_to_the_cut_off_budget_and_forecast(session, uni):
    add_forecast(session, uni)
    sheet = load(workbook(session, uni, "FAK1"))["Per månad"]
    rows = {(r[0], r[1]): r[2:] for r in sheet.iter_rows(min_row=5, values_only=True) if r[1]}
    budget, booked = scope(lines(session, "budget-2027"), "FAK1")[0], scope(actuals(session, 12), "FAK1")[0]
    forecast = scope(lines(session, "prognos-2027"), "FAK1")[0]
    for group, label in LABELS.items():
        months = [total(booked[(booked["account_group"] == group) & (booked["period"] == 202700 + m)]["amount"])
                  for m in range(1, 4)]
        assert [cents(v) for v in rows[(label, "Utfall")][:12]] == [*months, *[None] * 9]
        assert cents(rows[(label, "Utfall")][12]) == total(months)
        for what, frame in (("Budget", budget), ("Prognos", forecast)):
            planned = frame[frame["account_group"] == group]
            assert [cents(v) for v in rows[(label, what)][:12]] == [total(planned[m]) for m in MONTHS]
    result = rows[("Ackumulerat resultat", "Budget")]
    assert cents(result[11]) == cents(rows[(RESULT, "Budget")][12])


@pytest.mark.parametrize("unit", ["D101", "FAK1", "UNI"])
def test_per_verksamhet_shows_the_to_date_figures_of_each_column(session, uni, unit):
    sheet = load(workbook(session, uni, unit))["Per verksamhet"]
    assert sheet["A4"].value == ("Verksamhet" if unit == "D101" else "Enhet")
    rows = {(r[0], r[2]): r[3:] for r in sheet.iter_rows(min_row=5, values_only=True)}
    booked, by = scope(actuals(session, 3), unit)
    budget, _ = scope(lines(session, "budget-2027"), unit)
    columns = sorted(set(budget[by]) | set(booked[by]))
    assert sorted({code for code, _ in rows}) == columns
    for column in columns:
        want = expected(booked[booked[by] == column], budget[budget[by] == column], 3)
        for label, values in want.items():
            assert_row((*rows[(column, label)], values["budget"]), values)


# --- the workbook's form ----------------------------------------------------------------------


def test_the_chart_meta_and_print_setup(session, uni):
    content = workbook(session, uni, "FAK1", through=2)
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        chart = package.read("xl/charts/chart1.xml").decode()
    assert "<c:lineChart>" in chart and chart.count("<c:ser>") == 2  # actual and budget
    assert "'Per månad'!$C$4:$N$4" in chart
    values = meta(content)
    assert (values["format"], values["round"], values["unit"], values["through"]) == (
        "planround-followup", "budget-2027", "FAK1", "2027-02")
    assert datetime.fromisoformat(values["generated_at"]).tzinfo is not None
    book = load(content)
    assert book.sheetnames == ["Uppföljning", "Per månad", "Per verksamhet", "_meta"]
    assert book["_meta"].sheet_state == "hidden"
    assert (book["Uppföljning"].freeze_panes, book["Per månad"].freeze_panes) == ("B6", "C5")
    for name in book.sheetnames[:3]:
        sheet = book[name]
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToHeight == 0
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert book["Uppföljning"]["B6"].number_format == "#,##0.00"
    assert book["Uppföljning"]["E6"].number_format == "0.0%"


def test_texts_are_english_when_asked(session, uni):
    data = followup_data(session, planning_round=uni["budget"], unit=uni["units"]["D101"])
    book = load(render_followup(data, generated_at=NOW, lang="en"))
    assert book.sheetnames == ["Follow-up", "By month", "By activity", "_meta"]
    assert book["Follow-up"]["A6"].value == "Revenue" and book["Follow-up"]["B5"].value == "Actual"


# --- the route and the command ------------------------------------------------------------------

URL = "/api/v1/rounds/budget-2027/units/{unit}/followup"


def test_readers_get_the_workbook_over_the_api(client, world, engine):
    with Session(engine) as session:
        d101 = session.exec(select(OrgUnit).where(OrgUnit.code == "D101")).one()
        make_actual(session, d101, "UTB", "3010", 202702, D("10.00"))
        session.commit()
    for who, unit in (("economist", "D101"), ("dean", "FAK1"), ("university", "UNI")):
        answer = client.get(URL.format(unit=unit), headers=world.auth(who))
        assert answer.status_code == 200 and answer.mimetype.endswith("spreadsheetml.sheet")
        assert meta(answer.data)["through"] == "2027-02"
    chosen = client.get(URL.format(unit="D101") + "?through=2027-01", headers=world.auth("economist"))
    assert meta(chosen.data)["through"] == "2027-01"
    assert figures(chosen.data)["Intäkter"][0] == 0


def test_the_route_refuses_clearly(client, world):
    assert client.get(URL.format(unit="D101"), headers=world.auth("nobody")).status_code == 403
    assert client.get(URL.format(unit="D201"), headers=world.auth("economist")).status_code == 403
    unknown = client.get("/api/v1/rounds/budget-1999/units/D101/followup", headers=world.auth("admin"))
    assert unknown.status_code == 404 and unknown.json["error"] == "round_not_found"
    assert client.get(URL.format(unit="X9"), headers=world.auth("admin")).status_code == 404
    for bad in ("2026-03", "2027-13", "mars", "202703"):
        answer = client.get(URL.format(unit="UNI") + f"?through={bad}", headers=world.auth("admin"))
        assert answer.status_code == 400 and "Fältet 'through'" in answer.json["message"]
    english = client.get(URL.format(unit="UNI") + "?through=2027-00",
                         headers={**world.auth("admin"), "Accept-Language": "en"})
    assert english.json["message"].startswith("The field 'through' is invalid")


def test_the_command_writes_the_workbook(loaded, tmp_path):
    run = loaded
    assert run("rounds", "create", "budget-2026", "--name", "Budget 2026", "--year", "2026").exit_code == 0
    out = tmp_path / "ut" / "NAT.xlsx"
    result = run("followup", "budget-2026", "NAT", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert meta(out.read_bytes())["through"] == "2026-12"
    assert run("followup", "budget-2026", "D110", "--out", str(out), "--through", "2026-06").exit_code == 0
    assert meta(out.read_bytes())["through"] == "2026-06"


def test_the_command_fails_clearly(loaded, tmp_path):
    assert loaded("rounds", "create", "budget-2026", "--name", "Budget 2026", "--year", "2026").exit_code == 0
    unknown = loaded("followup", "budget-2026", "X999", "--out", str(tmp_path / "x.xlsx"))
    assert unknown.exit_code == 1 and "Enheten X999 finns inte" in unknown.output
    bad = loaded("followup", "budget-2026", "NAT", "--out", str(tmp_path / "x.xlsx"), "--through", "2026-13")
    assert bad.exit_code == 1 and "Fältet 'through' är felaktigt" in bad.output
    assert not (tmp_path / "x.xlsx").exists()
