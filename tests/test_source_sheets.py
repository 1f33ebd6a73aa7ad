"""The budget template's Studenter and Bemanning sheets: generated, read back, computed and checked."""

from __future__ import annotations

import io
from decimal import ROUND_HALF_UP, Decimal

import pytest
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries
from sqlmodel import Session, select

from planround.models import (
    Activity,
    BudgetLine,
    OrgUnit,
    PriceList,
    RoundKind,
    StaffingLine,
    StudentPlanLine,
    Submission,
)
from planround.server.filling import fill_template
from planround.server.signature import signature_holds
from planround.server.templates import generate_template
from tests.factories import make_university_in_round
from tests.workbooks import XLSX, fill_amounts

SECRET = "test-secret"
URL = "/api/v1/rounds/budget-2027/units/D101"
PRICES = {"HUM": (Decimal("35210.00"), Decimal("31480.00")), "NAT": (Decimal("62840.55"), Decimal("50170.45"))}
ORE = Decimal("0.01")


def add_prices(session: Session, year: int = 2027) -> None:
    """Load a two-area price list for the year, on the small university's education account 3010."""
    for area, (hst, hpr) in PRICES.items():
        session.add(PriceList(fiscal_year=year, area_code=area, area_name=f"Område {area}", price_per_hst=hst,
                              price_per_hpr=hpr, account_code="3010"))
    session.commit()


def add_staffing(session: Session, unit_code: str, hours: dict[str | None, str], year: int = 2027) -> None:
    """Import staffing lines for a department: planned hours per activity code (None: a row that did not map)."""
    unit = session.exec(select(OrgUnit).where(OrgUnit.code == unit_code)).one()
    ids = {a.code: a.id for a in session.exec(select(Activity).where(Activity.unit_id == unit.id))}
    for row, (code, planned) in enumerate(hours.items(), start=2):
        session.add(StaffingLine(fiscal_year=year, unit_id=unit.id, teacher_name=f"Lärare {row}",
                                 employee_number=None if code is None else f"90000{row}", course_code=f"K{row}",
                                 retendo_activity="Föreläsning", activity_id=ids.get(code),
                                 planned_hours=Decimal(planned), share_pct=Decimal("5.00"), source_file="r.xlsx",
                                 source_row=row))
    session.commit()


def students_table(wb):
    """Return the Studenter sheet, its table's bounds and its columns by header."""
    ws = wb["Studenter"]
    first_col, header_row, last_col, last_row = range_boundaries(ws.tables["StudentLines"].ref)
    headers = {ws.cell(header_row, c).value: c for c in range(first_col, last_col + 1)}
    return ws, header_row, last_row, headers


def fill_students(content: bytes, counts: dict[str, tuple], *, extra: tuple | None = None) -> bytes:
    """Type HST and HPR on the areas' rows; `extra` (area, hst, hpr) goes on a row added to the table."""
    wb = load_workbook(io.BytesIO(content))
    ws, header_row, last_row, headers = students_table(wb)
    for row in range(header_row + 1, last_row + 1):
        area = ws.cell(row, headers["Utbildningsområde"]).value
        for header, value in zip(("HST", "HPR"), counts.get(area, (None, None))):
            ws.cell(row, headers[header]).value = value
    if extra is not None:
        table = ws.tables["StudentLines"]
        table.ref = table.ref[:-len(str(last_row))] + str(last_row + 1)
        for header, value in zip(("Utbildningsområde", "HST", "HPR"), extra):
            ws.cell(last_row + 1, headers[header]).value = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def revenue(counts: dict[str, tuple]) -> Decimal:
    """Compute the expected revenue independently: per area, rounded half up to the öre, summed."""
    return sum(((Decimal(str(hst)) * PRICES[a][0] + Decimal(str(hpr)) * PRICES[a][1]).quantize(ORE, ROUND_HALF_UP)
                for a, (hst, hpr) in counts.items()), Decimal("0.00"))


# --- generating ---------------------------------------------------------------------------------


@pytest.fixture
def org(session):
    return make_university_in_round(session)


def generate(session, org):
    return generate_template(session, planning_round=org["round"], unit=org["dept"], secret=SECRET)


def test_a_budget_template_has_a_locked_studenter_row_per_area_with_live_revenue(session, org):
    add_prices(session)
    add_prices(session, year=2028)  # another year's prices stay out
    generated = generate(session, org)
    wb = load_workbook(io.BytesIO(generated.content))
    ws, header_row, last_row, headers = students_table(wb)
    rows = [[ws.cell(r, c).value for c in headers.values()] for r in range(header_row + 1, last_row + 1)]
    assert [r[:4] for r in rows] == [["HUM", "Område HUM", 35210, 31480], ["NAT", "Område NAT", 62840.55, 50170.45]]
    assert rows[0][6] == f"=ROUND(N(E{header_row + 1})*C{header_row + 1}+N(F{header_row + 1})*D{header_row + 1},2)"
    assert ws.protection.sheet
    locked = {h: ws.cell(header_row + 1, c).protection.locked for h, c in headers.items()}
    assert locked == {"Utbildningsområde": True, "Benämning": True, "Pris per HST": True, "Pris per HPR": True,
                      "HST": False, "HPR": False, "Intäkt": True}
    (sheet, cell), = wb.defined_names["pr_students_total"].destinations
    assert wb[sheet][cell.replace("$", "")].value == "=SUM(StudentLines[Intäkt])"
    issue = generated.issue
    assert issue.prefill[12] == {"students": {"activity": "UTB", "areas": [
        {"area": "HUM", "price_hst": "35210.00", "price_hpr": "31480.00", "account": "3010"},
        {"area": "NAT", "price_hst": "62840.55", "price_hpr": "50170.45", "account": "3010"}]}}
    meta = {row[0].value: row[1].value for row in wb["_meta"].iter_rows()}
    assert signature_holds(SECRET, meta["signature"], round_code="budget-2027", unit_code="D101",
                           template_version=1, issue_id=issue.id, prefill=issue.prefill)


def test_a_budget_template_shows_the_departments_staffing_read_only_with_a_check_per_activity(session, org):
    add_staffing(session, "D101", {"UTB": "120.50", "FOR": "30", None: "8"})
    add_staffing(session, "D102", {"UTB": "999"})
    generated = generate(session, org)
    wb = load_workbook(io.BytesIO(generated.content))
    ws = wb["Bemanning"]
    first_col, header_row, last_col, last_row = range_boundaries(ws.tables["StaffingLines"].ref)
    lines = [[ws.cell(r, c).value for c in range(first_col, last_col + 1)] for r in range(header_row + 1, last_row + 1)]
    assert [(r[0], r[4], r[5]) for r in lines] == [("Lärare 2", "UTB", 120.5), ("Lärare 3", "FOR", 30),
                                                   ("Lärare 4", "ej kopplad", 8)]
    first_col, header_row, _, last_row = range_boundaries(ws.tables["StaffingCheck"].ref)
    check = {ws.cell(r, first_col).value: [ws.cell(r, first_col + k).value for k in (2, 3, 4)]
             for r in range(header_row + 1, last_row + 1)}
    assert check["UTB"][0] == 120.5 and check["FOR"][0] == 30
    assert 'BudgetLines[Konto],{"4010"}' in check["UTB"][1]
    assert "Personalkostnad utan undervisning" in check["UTB"][2]
    assert "Personalkostnad utan undervisning" not in check["FOR"][2]  # only education is checked that way
    assert ws.protection.sheet and all(ws.cell(r, c).protection.locked for r in range(1, last_row + 1)
                                       for c in range(1, 14))
    assert generated.issue.prefill[-1] == {"staffing": {"hours": {"FOR": "30.00", "UTB": "120.50"}}}


def test_without_prices_or_staffing_the_sheets_say_so_and_the_prefill_is_only_the_budget_rows(session, org):
    generated = generate(session, org)
    wb = load_workbook(io.BytesIO(generated.content))
    assert len(generated.issue.prefill) == 12
    (sheet, cell), = wb.defined_names["pr_students_target"].destinations
    assert "Ingen prislista för 2027" in wb[sheet][cell.replace("$", "")].value
    (sheet, cell), = wb.defined_names["pr_staffing_source"].destinations
    assert "Ingen bemanning" in wb[sheet][cell.replace("$", "")].value


def test_a_forecast_template_has_neither_sheet(session, org):
    add_prices(session)
    add_staffing(session, "D101", {"UTB": "40"})
    org["round"].kind = RoundKind.forecast
    generated = generate(session, org)
    wb = load_workbook(io.BytesIO(generated.content))
    assert "Studenter" not in wb.sheetnames and "Bemanning" not in wb.sheetnames
    assert all("row" in entry for entry in generated.issue.prefill)


# --- submitting ---------------------------------------------------------------------------------

PLAN = {("UTB", "4010"): 800_000, ("FOR", "3110"): 90_000, ("FOR", "6010"): 12_345.67}
COUNTS = {"HUM": (12.5, 10.25), "NAT": (3, 2.5)}


@pytest.fixture
def sources(engine, world):
    """Prices for 2027 and D101's staffing, teaching on FOR only."""
    with Session(engine) as session:
        add_prices(session)
        add_staffing(session, "D101", {"FOR": "30"})


def template(client, world) -> bytes:
    assert client.post("/api/v1/rounds/budget-2027/templates?unit=D101", headers=world.auth("admin")).status_code == 201
    return client.get(f"{URL}/template", headers=world.auth("economist")).data


def submit(client, world, content: bytes, **headers):
    return client.post(f"{URL}/submissions", data=content,
                       headers={**world.auth("economist"), "Content-Type": XLSX, **headers})


def filled(client, world, amounts=None, counts=COUNTS, **kw) -> bytes:
    """Type the plan on the Budget sheet (a comment on the education line) and the counts on Studenter."""
    content = fill_amounts(template(client, world), PLAN if amounts is None else amounts, comment="Enligt plan")
    content = fill_budget_comment(content)
    return fill_students(content, counts, **kw)


def fill_budget_comment(content: bytes) -> bytes:
    """Comment the empty education line, as its computed revenue moves far from last year's nothing."""
    return fill_template(content, lambda cells: {"comment": "Enligt Stina"} if (
        cells["activity"].value, str(cells["account"].value)) == ("UTB", "3010") else None)


def test_a_submission_stores_the_student_lines_and_puts_the_revenue_on_the_education_line(client, world, engine,
                                                                                         sources):
    answer = submit(client, world, filled(client, world))
    assert answer.status_code == 201, answer.json
    expected = revenue(COUNTS)
    assert Decimal(answer.json["total_revenue"]) == expected + Decimal("90000.00")
    with Session(engine) as session:
        submission = session.exec(select(Submission)).one()
        utb = session.exec(select(Activity.id).where(Activity.code == "UTB", Activity.unit_id == submission.unit_id)).one()
        line = session.exec(select(BudgetLine).where(BudgetLine.activity_id == utb,
                                                     BudgetLine.account_code == "3010")).one()
        students = session.exec(select(StudentPlanLine).order_by(StudentPlanLine.area_code)).all()
    assert line.annual_amount == expected and sum(getattr(line, f"m{n:02d}") for n in range(1, 13)) == expected
    assert [(s.area_code, s.hst, s.hpr, s.revenue) for s in students] == [
        (area, Decimal(str(hst)).quantize(ORE), Decimal(str(hpr)).quantize(ORE), revenue({area: (hst, hpr)}))
        for area, (hst, hpr) in sorted(COUNTS.items())]
    assert all(s.submission_id == submission.id for s in students)


@pytest.mark.parametrize("typed, status", [(1_250_000, 422), ("same", 201)])
def test_an_amount_typed_on_the_education_line_must_equal_the_student_revenue(client, world, engine, sources,
                                                                              typed, status):
    amount = float(revenue(COUNTS)) if typed == "same" else typed
    answer = submit(client, world, filled(client, world, {**PLAN, ("UTB", "3010"): amount}))
    assert answer.status_code == status, answer.json
    if status == 422:
        error, = answer.json["errors"]
        assert (error["code"], error["sheet"], error["cell"][0]) == ("students_line_differs", "Budget", "F")
        assert "Studenter" in error["message"]


@pytest.mark.parametrize("counts, extra, code, cell", [
    ({"HUM": (-1, 2)}, None, "student_count_negative", "E8"),
    ({"NAT": (1, "tolv")}, None, "not_a_number", "F9"),
    ({"NAT": (1.234, 0)}, None, "too_many_decimals", "E9"),
    ({}, ("XYZ", 5, 0), "student_area_unknown", "A10"),
    ({}, ("HUM", 5, 0), "student_area_duplicate", "A10"),
])
def test_bad_studenter_input_is_refused_naming_sheet_and_cell_and_nothing_is_stored(client, world, engine, sources,
                                                                                  counts, extra, code, cell):
    answer = submit(client, world, filled(client, world, counts=counts, extra=extra))
    assert answer.status_code == 422
    assert [(e["code"], e["sheet"], e["cell"]) for e in answer.json["errors"]] == [(code, "Studenter", cell)]
    with Session(engine) as session:
        assert session.exec(select(Submission)).all() == [] and session.exec(select(StudentPlanLine)).all() == []


def test_a_changed_price_is_named_as_a_changed_prefilled_cell(client, world, sources):
    content = template(client, world)
    wb = load_workbook(io.BytesIO(content))
    wb["Studenter"]["C8"].value = 1
    out = io.BytesIO()
    wb.save(out)
    answer = submit(client, world, fill_budget_comment(fill_amounts(out.getvalue(), PLAN, comment="Enligt plan")))
    assert [(e["code"], e["sheet"], e["cell"]) for e in answer.json["errors"]] == [
        ("prefilled_changed", "Studenter", "C8")]


def test_the_staffing_check_warns_about_teaching_without_personnel_cost_and_stores_anyway(client, world, sources):
    answer = submit(client, world, filled(client, world))
    assert answer.status_code == 201
    assert [(w["code"], w["sheet"]) for w in answer.json["warnings"]] == [
        ("staffing_teaching_without_cost", "Bemanning"), ("staffing_cost_without_teaching", "Bemanning")]
    assert "Verksamhet FOR har 30,00 planerade undervisningstimmar" in answer.json["warnings"][0]["message"]
    assert "Verksamhet UTB har personalkostnad 800 000,00 kr" in answer.json["warnings"][1]["message"]
    english = submit(client, world, filled(client, world), **{"Accept-Language": "en"}).json
    assert "Activity FOR has 30,00 planned teaching hours" in english["warnings"][0]["message"]


def test_personnel_cost_where_teaching_is_planned_gives_no_warning(client, world, sources):
    answer = submit(client, world, filled(client, world, {**PLAN, ("FOR", "4010"): 50_000}))
    assert answer.status_code == 201, answer.json
    assert [w["code"] for w in answer.json["warnings"]] == ["staffing_cost_without_teaching"]


def test_a_department_without_staffing_or_prices_submits_as_before(client, world):
    answer = submit(client, world, fill_amounts(template(client, world), PLAN, comment="Enligt plan"))
    assert answer.status_code == 201, answer.json
    assert answer.json["warnings"] == []
