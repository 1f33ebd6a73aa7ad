"""Consolidated workbooks: exact figures from the latest submissions, every sheet, every version.

The expected figures are computed here independently: pandas over the rows of `budget_line`
and `actual` read with plain SQL, never with the code under test; the workbook is read back
with openpyxl.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import datetime, timezone
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import func, text
from sqlmodel import Session, select

from planround.models import (
    AccountGroup,
    BudgetLine,
    DepartmentStatus,
    OrgUnit,
    PlanningRound,
    RoundKind,
    UnitState,
)
from planround.server.consolidated_workbook import (
    latest_consolidated,
    read_consolidated_meta,
    regenerate,
    current_consolidated,
    render_consolidated,
)
from planround.server.consolidation import consolidation_data
from planround.server.errors import BadRequest, UnsupportedFile
from planround.server.workflow import department_states
from tests.factories import (
    make_account,
    make_actual,
    make_round,
    make_small_university,
    make_submission,
    make_user,
)

D = Decimal
ORE = D("0.01")
EVIL = '=HYPERLINK("http://example.invalid/stjäl","Klicka här")'
SUBTOTALS = {"revenue": "Summa intäkter", "personnel": "Summa personalkostnader",
             "premises": "Summa lokalkostnader", "operating": "Summa övriga driftkostnader",
             "depreciation": "Summa avskrivningar", "financial": "Summa finansiella kostnader"}
RESULT = "Resultat (intäkter − kostnader)"
# Amounts chosen so that binary floating point would drift: 0.10 + 0.20 and friends.
D101_FIRST = {("UTB", "3010"): D("999.99"), ("UTB", "7010"): D("777.77")}
D101_LATEST = {
    ("UTB", "3010"): D("1250000.10"), ("UTB", "3110"): D("0.10"),
    ("UTB", "4010"): (D("800000.20"), EVIL), ("FOR", "3010"): D("0.20"),
    ("FOR", "4010"): D("333333.33"), ("FOR", "5010"): D("12345.67"),
    ("FOR", "6010"): D("0.01"), ("FOR", "8410"): D("99.99"),
}
D102_LINES = {("UTB", "3010"): D("2000000.05"), ("UTB", "4010"): D("1234567.89"),
              ("FOR", "7010"): D("45000.55"), ("FOR", "6010"): (D("0.30"), "Material till labbet")}
D201_LINES = {("UTB", "3010"): D("0.70"), ("FOR", "4010"): D("9876543.21"), ("UTB", "5010"): D("1.11")}
NOW = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)


@pytest.fixture
def uni(session: Session) -> dict:
    """A small university whose three departments have submitted in the budget round."""
    org = make_small_university(session)
    make_account(session, "8410", AccountGroup.financial, "Räntekostnader")
    d101, d102, d201 = org["departments"]
    economist = make_user(session, "eva.ekonom")
    budget = make_round(session)
    make_submission(session, budget, d101, economist, D101_FIRST)
    make_submission(session, budget, d101, economist, D101_LATEST)
    make_submission(session, budget, d102, economist, D102_LINES)
    make_submission(session, budget, d201, economist, D201_LINES)
    for period, amount in ((202601, "1000.10"), (202606, "0.20"), (202612, "999.99")):
        make_actual(session, d101, "UTB", "3010", period, D(amount))
    make_actual(session, d102, "FOR", "7010", 202603, D("40000.45"))
    make_actual(session, d201, "FOR", "4010", 202611, D("9000000.01"))
    make_actual(session, d101, "UTB", "3010", 202512, D("5555.55"))  # two years ago: not shown
    make_actual(session, d101, "UTB", "3010", 202701, D("4444.44"))  # the planned year: not shown
    session.commit()
    units = {u.code: u for u in session.exec(select(OrgUnit)).all()}
    return {"units": units, "budget": budget, "economist": economist}


# --- the independent computation -------------------------------------------------------------

LINES_SQL = text("""
    SELECT r.code AS round_code, u.code AS unit, p.code AS parent, a.code AS activity,
           bl.account_code AS account, acc."group" AS account_group,
           bl.submission_version AS version, bl.annual_amount AS raw_amount, bl.comment AS comment
    FROM budget_line bl
    JOIN planning_round r ON r.id = bl.round_id
    JOIN org_unit u ON u.id = bl.unit_id
    JOIN org_unit p ON p.id = u.parent_id
    JOIN activity a ON a.id = bl.activity_id
    JOIN account acc ON acc.code = bl.account_code
""")
ACTUALS_SQL = text("""
    SELECT u.code AS unit, p.code AS parent, ac.account_code AS account, ac.period AS period,
           ac.amount AS raw_amount
    FROM actual ac JOIN org_unit u ON u.id = ac.unit_id JOIN org_unit p ON p.id = u.parent_id
""")


def kronor(session: Session, raw) -> Decimal:
    """Return a raw money column as kronor: SQLite keeps whole öre, PostgreSQL NUMERIC."""
    if session.get_bind().dialect.name == "sqlite":
        return (D(int(raw)) / 100).quantize(ORE)
    return D(raw).quantize(ORE)


def read_frame(session: Session, sql) -> pd.DataFrame:
    frame = pd.DataFrame(session.connection().execute(sql).mappings().all())
    frame["amount"] = frame["raw_amount"].map(lambda raw: kronor(session, raw))
    return frame


def stored_lines(session: Session, round_code: str = "budget-2027") -> pd.DataFrame:
    """Return the stored lines of each department's latest submission in the round."""
    frame = read_frame(session, LINES_SQL)
    frame = frame[frame["round_code"] == round_code]
    newest = frame.groupby("unit")["version"].transform("max")
    return frame[frame["version"] == newest]


def scope(frame: pd.DataFrame, unit: str) -> tuple[pd.DataFrame, str]:
    """Return the rows below `unit` and the column that names the unit's summary columns."""
    if unit.startswith("D"):
        return frame[frame["unit"] == unit], "activity"
    if unit == "UNI":
        return frame, "parent"
    return frame[frame["parent"] == unit], "unit"


def total(values) -> Decimal:
    return sum(values, D("0.00"))


# --- reading the workbook back ----------------------------------------------------------------


def load(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content))


def cents(value) -> Decimal:
    return D(repr(value)).quantize(ORE)


def summary(content: bytes) -> tuple[list[str], dict[str, dict[str, Decimal]]]:
    """Return the summary's value headers (first line) and its rows by account code or label."""
    sheet = load(content)["Sammanställning"]
    headers = [str(c.value).split("\n")[0] for c in sheet[4]]
    rows = {}
    for row in sheet.iter_rows(min_row=5, values_only=True):
        if row[1] is None:  # a group's heading
            continue
        key = row[0] or row[1]
        rows[key] = {h: cents(v) for h, v in zip(headers[2:], row[2:])}
    return headers[2:], rows


def lines_sheet(content: bytes) -> pd.DataFrame:
    sheet = load(content)["Rader"]
    values = list(sheet.iter_rows(values_only=True))
    return pd.DataFrame(values[1:], columns=values[0])


def workbook_for(session: Session, uni: dict, unit: str, round_code: str = "budget-2027") -> bytes:
    planning_round = session.exec(select(PlanningRound).where(PlanningRound.code == round_code)).one()
    stored = regenerate(session, planning_round=planning_round, unit=uni["units"][unit])
    session.commit()
    return stored.content


# --- the figures ------------------------------------------------------------------------------


@pytest.mark.parametrize("unit", ["D101", "FAK1", "FORV", "UNI"])
def test_every_figure_and_total_equals_the_sum_of_the_stored_lines_to_the_ore(session, uni, unit):
    lines, by = scope(stored_lines(session), unit)
    _, rows = summary(workbook_for(session, uni, unit))
    for account, group in lines.groupby("account"):
        assert rows[account]["Totalt"] == total(group["amount"])
        for column, cell in group.groupby(by):
            assert rows[account][column] == total(cell["amount"])
    for name, label in SUBTOTALS.items():
        assert rows[label]["Totalt"] == total(lines[lines["account_group"] == name]["amount"])
    revenue = total(lines[lines["account_group"] == "revenue"]["amount"])
    costs = total(lines[lines["account_group"] != "revenue"]["amount"])
    assert rows["Summa kostnader"]["Totalt"] == costs
    assert rows[RESULT]["Totalt"] == revenue - costs


@pytest.mark.parametrize("unit", ["D101", "FAK1", "UNI"])
def test_columns_add_up_to_the_total_on_every_row(session, uni, unit):
    headers, rows = summary(workbook_for(session, uni, unit))
    columns = headers[: headers.index("Totalt")]
    for values in rows.values():
        assert total(values[c] for c in columns) == values["Totalt"]


def test_last_years_actual_comes_from_the_ledger_of_the_year_before(session, uni):
    actuals = read_frame(session, ACTUALS_SQL)
    last_year = actuals[actuals["period"].between(202601, 202612)]
    _, rows = summary(workbook_for(session, uni, "UNI"))
    for account, group in last_year.groupby("account"):
        assert rows[account]["Utfall 2026"] == total(group["amount"])
    assert rows["3010"]["Utfall 2026"] == D("2000.29")  # not the 2025 or 2027 bookings
    assert rows["3010"]["Avvikelse mot utfall"] == rows["3010"]["Totalt"] - D("2000.29")


def test_sums_over_money_columns_are_exact_decimals_on_both_databases(session, uni):
    summed = session.exec(select(func.sum(BudgetLine.annual_amount))).one()
    assert isinstance(summed, Decimal)
    assert summed == total(read_frame(session, LINES_SQL)["amount"])


def test_a_group_workbook_has_one_column_per_department(session, uni):
    headers, _ = summary(workbook_for(session, uni, "FAK1"))
    assert headers[:3] == ["D101", "D102", "Totalt"]


def test_the_university_workbook_has_one_column_per_group(session, uni):
    headers, _ = summary(workbook_for(session, uni, "UNI"))
    assert headers[:3] == ["FAK1", "FORV", "Totalt"]


def test_a_department_workbook_has_one_column_per_activity(session, uni):
    headers, _ = summary(workbook_for(session, uni, "D101"))
    assert headers == ["FOR", "UTB", "Totalt", "Utfall 2026", "Avvikelse mot utfall"]


def test_the_latest_submission_of_each_department_wins(session, uni):
    content = workbook_for(session, uni, "D101")
    _, rows = summary(content)
    assert rows["3010"]["UTB"] == D("1250000.10")  # version 2, not version 1's 999.99
    assert "7010" not in rows  # only version 1 planned depreciation
    assert set(lines_sheet(content)["Version"]) == {2}


def test_a_forecast_workbook_shows_the_budget_beside_the_figures(session, uni):
    d101 = uni["units"]["D101"]
    forecast = make_round(session, "prognos-2027", kind=RoundKind.forecast)
    make_submission(session, forecast, d101, uni["economist"], {("UTB", "3010"): D("1200000.15")})
    session.commit()
    _, rows = summary(workbook_for(session, uni, "FAK1", "prognos-2027"))
    budget = stored_lines(session)
    budget = budget[budget["parent"] == "FAK1"]
    assert rows["3010"]["Budget 2027"] == total(budget[budget["account"] == "3010"]["amount"])
    assert rows["3010"]["Totalt"] == D("1200000.15")
    assert rows["3010"]["Avvikelse mot budget"] == D("1200000.15") - rows["3010"]["Budget 2027"]
    assert rows["4010"]["Totalt"] == 0 and rows["4010"]["Budget 2027"] > 0


def test_a_forecast_compares_with_the_newest_budget_round_of_the_year(session, uni):
    d101 = uni["units"]["D101"]
    forecast = make_round(session, "prognos-2027", kind=RoundKind.forecast)
    newer_budget = make_round(session, "budget-2027-b")
    make_submission(session, newer_budget, d101, uni["economist"], {("UTB", "3010"): D("10.01")})
    make_submission(session, forecast, d101, uni["economist"], {("UTB", "3010"): D("20.02")})
    session.commit()
    content = workbook_for(session, uni, "D101", "prognos-2027")
    _, rows = summary(content)
    assert rows["3010"]["Budget 2027"] == D("10.01")
    assert rows["3010"]["Avvikelse mot budget"] == D("10.01")
    assert read_consolidated_meta(content)["budget_round"] == "budget-2027-b"


# --- the other sheets -------------------------------------------------------------------------


def test_the_status_sheet_lists_every_department_with_its_state(session, uni):
    units, head = uni["units"], make_user(session, "hans.chef")
    session.add(DepartmentStatus(round_id=uni["budget"].id, unit_id=units["D101"].id,
                                 state=UnitState.in_progress, changed_by_id=head.id, changed_at=NOW,
                                 rejection_reason="Lönerna saknar motivering"))
    session.add(DepartmentStatus(round_id=uni["budget"].id, unit_id=units["D102"].id,
                                 state=UnitState.head_approved, changed_by_id=head.id, changed_at=NOW))
    session.commit()
    sheet = load(workbook_for(session, uni, "UNI"))["Status"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {"D101", "D102", "D201"}
    assert rows["D101"][3:] == ("Pågår", 2, "Hans Chef", datetime(2026, 11, 2, 10, 30),
                                "Lönerna saknar motivering")
    assert rows["D102"][3] == "Godkänd av avdelningschef"
    assert rows["D201"][3] == "Ej påbörjad" and rows["D201"][5] is None


def test_the_drill_down_is_an_excel_table_with_every_line(session, uni):
    content = workbook_for(session, uni, "FAK1")
    sheet = load(content)["Rader"]
    expected = stored_lines(session)
    expected = expected[expected["parent"] == "FAK1"]
    table = sheet.tables["ConsolidatedLines"]
    assert table.ref == f"A1:V{len(expected) + 1}"
    assert table.autoFilter is not None
    frame = lines_sheet(content)
    assert list(frame.columns[:8]) == ["Enhet", "Enhetsnamn", "Verksamhet", "Verksamhetsnamn",
                                       "Konto", "Kontonamn", "Kontogrupp", "Årsbelopp"]
    assert len(frame) == len(expected)
    assert total(frame["Årsbelopp"].map(cents)) == total(expected["amount"])
    months = frame[["Jan", "Feb", "Mar", "Apr", "Maj", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dec"]]
    assert (months.map(cents).sum(axis=1) == frame["Årsbelopp"].map(cents)).all()


MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "Maj", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dec"]
MONTHS_SQL = text("""
    SELECT r.code AS round_code, u.code AS unit, bl.account_code AS account, bl.submission_version AS version,
           bl.m01, bl.m02, bl.m03, bl.m04, bl.m05, bl.m06, bl.m07, bl.m08, bl.m09, bl.m10, bl.m11, bl.m12
    FROM budget_line bl JOIN planning_round r ON r.id = bl.round_id JOIN org_unit u ON u.id = bl.unit_id
""")


def test_the_university_drill_down_sums_each_departments_lines_per_account_and_month(session, uni):
    content = workbook_for(session, uni, "UNI")
    frame = lines_sheet(content)
    lines = stored_lines(session)
    months = pd.DataFrame(session.connection().execute(MONTHS_SQL).mappings().all())
    months = months[months["round_code"] == "budget-2027"]
    months = months[months["version"] == months.groupby("unit")["version"].transform("max")]
    expected = sorted(lines.groupby(["unit", "account"]).groups)
    assert list(zip(frame["Enhet"], frame["Konto"])) == expected  # one row each, in order
    for row in frame.itertuples(index=False):
        unit, account = row[0], row[4]
        mine = lines[(lines["unit"] == unit) & (lines["account"] == account)]
        assert cents(row[7]) == total(mine["amount"])
        by_month = months[(months["unit"] == unit) & (months["account"] == account)]
        for number, value in enumerate(row[8:20], start=1):
            assert cents(value) == total(by_month[f"m{number:02d}"].map(lambda raw: kronor(session, raw)))
        assert (row[2], row[3], row[20]) == (None, "Alla verksamheter", None)
        assert row[21] == mine["version"].iloc[0]
    assert list(frame.columns[8:20]) == MONTH_NAMES
    assert total(frame["Årsbelopp"].map(cents)) == total(lines["amount"])


def test_a_comment_that_starts_with_an_equals_sign_stays_a_plain_string(session, uni):
    sheet = load(workbook_for(session, uni, "D101"))["Rader"]
    comments = [row[20] for row in sheet.iter_rows(min_row=2)]
    evil = [cell for cell in comments if cell.value == EVIL]
    assert len(evil) == 1 and evil[0].data_type == "s"


def test_the_workbook_has_a_native_column_chart(session, uni):
    content = workbook_for(session, uni, "FAK1")
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        chart = package.read("xl/charts/chart1.xml").decode()
    assert "<c:barChart>" in chart and '<c:barDir val="col"/>' in chart
    assert chart.count("<c:ser>") == 4
    assert "Diagram!$A$2:$A$3" in chart  # one category per department
    sheet = load(content)["Diagram"]
    assert [sheet.cell(row, 1).value for row in (2, 3)] == ["D101", "D102"]


def test_the_meta_sheet_is_hidden_and_reads_back_with_the_version(session, uni):
    workbook_for(session, uni, "FAK1")
    content = workbook_for(session, uni, "FAK1")  # the second version
    meta = read_consolidated_meta(content)
    assert meta["format"] == "planround-consolidated"
    assert (meta["round"], meta["unit"], meta["kind"]) == ("budget-2027", "FAK1", "budget")
    assert meta["version"] == "2"
    assert datetime.fromisoformat(meta["generated_at"]).tzinfo is not None
    assert load(content)["_meta"].sheet_state == "hidden"


def test_a_workbook_that_is_not_consolidated_is_refused_when_its_meta_is_read(session, uni):
    other = io.BytesIO()
    openpyxl.Workbook().save(other)
    with pytest.raises(BadRequest):
        read_consolidated_meta(other.getvalue())
    with pytest.raises(UnsupportedFile):
        read_consolidated_meta(b"%PDF-1.7 not a workbook")


def test_panes_are_frozen_and_every_sheet_prints_landscape_one_page_wide(session, uni):
    book = load(workbook_for(session, uni, "UNI"))
    assert book["Sammanställning"].freeze_panes == "C5"
    assert book["Sammanställning"].print_title_rows == "$4:$4"
    for name in ("Status", "Rader", "Diagram"):
        assert book[name].freeze_panes == "A2"
    for name in ("Sammanställning", "Status", "Rader", "Diagram"):
        sheet = book[name]
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert (sheet.page_setup.fitToWidth or 1) == 1 and sheet.page_setup.fitToHeight == 0
        assert sheet.page_setup.orientation == "landscape"


def test_money_cells_carry_swedish_number_formats(session, uni):
    book = load(workbook_for(session, uni, "FAK1"))
    assert book["Sammanställning"]["C6"].number_format == "#,##0.00"
    assert book["Rader"]["H2"].number_format == "#,##0.00"


def test_texts_are_english_when_asked(session, uni):
    data = consolidation_data(session, planning_round=uni["budget"], unit=uni["units"]["FAK1"])
    states = department_states(session, planning_round=uni["budget"], unit=uni["units"]["FAK1"])
    book = load(render_consolidated(data, statuses=states, version=1, generated_at=NOW, lang="en"))
    assert book.sheetnames == ["Summary", "Status", "Lines", "Chart", "_meta"]
    assert book["Summary"]["B5"].value is None and book["Summary"]["A5"].value == "Revenue"
    assert book["Status"]["D2"].value == "Not started"


def test_a_unit_without_submissions_still_gets_a_workbook(session, uni):
    empty = make_round(session, "budget-2028", fiscal_year=2028)
    session.commit()
    stored = regenerate(session, planning_round=empty, unit=uni["units"]["FAK1"])
    _, rows = summary(stored.content)
    assert (rows[RESULT]["D101"], rows[RESULT]["D102"], rows[RESULT]["Totalt"]) == (0, 0, 0)
    assert rows[RESULT]["Utfall 2027"] == D("4444.44")  # the ledger's 2027 is this round's last year
    assert len(lines_sheet(stored.content).dropna(how="all")) == 0


# --- storing versions -------------------------------------------------------------------------


def test_versions_increment_and_each_is_stored_with_its_checksum(session, uni):
    faculty = uni["units"]["FAK1"]
    stored = [regenerate(session, planning_round=uni["budget"], unit=faculty) for _ in range(3)]
    session.commit()
    assert [s.version for s in stored] == [1, 2, 3]
    latest = latest_consolidated(session, planning_round=uni["budget"], unit=faculty)
    assert latest.version == 3
    assert latest.checksum == hashlib.sha256(latest.content).hexdigest()
    assert latest_consolidated(session, planning_round=uni["budget"], unit=uni["units"]["D102"]) is None


def test_the_current_workbook_is_kept_until_a_department_below_changes(session, uni):
    faculty, budget = uni["units"]["FAK1"], uni["budget"]
    first = current_consolidated(session, planning_round=budget, unit=faculty)
    assert current_consolidated(session, planning_round=budget, unit=faculty).version == first.version
    make_submission(session, budget, uni["units"]["D102"], uni["economist"], D102_LINES)
    assert current_consolidated(session, planning_round=budget, unit=faculty).version == first.version + 1
    other_group = current_consolidated(session, planning_round=budget, unit=uni["units"]["FORV"])
    make_submission(session, budget, uni["units"]["D101"], uni["economist"], D101_LATEST)
    assert current_consolidated(session, planning_round=budget, unit=uni["units"]["FORV"]).version == other_group.version
