"""The Personal sheet of budget templates: prefilled and locked, and personnel costs computed on submission."""

from __future__ import annotations

import io
from decimal import Decimal as D

import pytest
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries
from planround.models import AccountGroup, Activity, BudgetLine, Role, RoundKind
from planround.server import layout
from planround.server import personnel_layout as pl
from planround.server.errors import ValidationFailed
from planround.server.filling import fill_template
from planround.server.masters import build_budget_master
from planround.server.primula import load_personnel
from planround.server.signature import signature_holds
from planround.server.submissions import submit_workbook
from planround.server.templates import generate_template
from sqlmodel import select

from tests.factories import make_account, make_round, make_small_university, make_user
from tests.test_reference import write
from tests.workbooks import fill_amounts

SECRET = "s" * 40
STAFF = ("employee_number;name;department;position;employment_rate;monthly_salary;funding\n"
         "300001;Alfa Lärare;D101;Universitetslektor;100;40 000,00;UTB:100\n"
         "300002;Beta Forskare;D101;Forskare;50;50 000,50;UTB:30|FOR:70\n")


@pytest.fixture
def org(session, tmp_path):
    """The small university with the personnel accounts, D101's staff, an open budget round and an economist."""
    org = make_small_university(session)
    for code, name in (("4020", "Löner, forskare"), ("4030", "Löner, TA-personal"), ("4610", "Lönekostnadspålägg")):
        make_account(session, code, AccountGroup.personnel, name)
    load_personnel(session, path=write(tmp_path, "personal.csv", STAFF))
    org["round"] = make_round(session)
    org["dept"] = org["departments"][0]
    org["economist"] = make_user(session, "eva.ekonom", (Role.economist, org["dept"]))
    org["master"] = build_budget_master(tmp_path / "budget.xlsx")
    session.commit()
    return org


def generate(session, org, unit=None):
    return generate_template(session, planning_round=org["round"], unit=unit or org["dept"], secret=SECRET,
                             master_path=org["master"])


def personnel_rows(wb):
    """Return the Personal sheet, its cells by header per data row, and the table's bounds."""
    ws = wb[pl.PERSONNEL_SHEET]
    first_col, header_row, last_col, last_row = range_boundaries(ws.tables[pl.PERSONNEL_TABLE].ref)
    headers = {ws.cell(header_row, col).value: col for col in range(first_col, last_col + 1)}
    rows = [{header: ws.cell(row, col) for header, col in headers.items()}
            for row in range(header_row + 1, last_row + 1)]
    return ws, rows


def fill_personnel(content: bytes, typing: dict[int, dict[str, object]]) -> bytes:
    """Type values (by column header) into the Personal sheet's table rows (by index)."""
    wb = load_workbook(io.BytesIO(content))
    _, rows = personnel_rows(wb)
    for index, values in typing.items():
        for header, value in values.items():
            rows[index][header].value = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def submit(session, org, content: bytes):
    return submit_workbook(session, planning_round=org["round"], unit=org["dept"], user=org["economist"],
                           content=content, secret=SECRET, max_cells=200_000)


def test_a_budget_template_gets_the_personal_sheet_prefilled_with_the_staff_and_locked(session, org):
    wb = load_workbook(io.BytesIO(generate(session, org).content))
    assert wb.sheetnames[:2] == [layout.INPUT_SHEET, pl.PERSONNEL_SHEET]
    ws, rows = personnel_rows(wb)
    assert ws.protection.sheet and len(rows) == 2 + pl.HIRE_ROWS
    first = {header: cell.value for header, cell in rows[0].items()}
    assert first["Anställningsnr"] == "300001" and first["Namn"] == "Alfa Lärare"
    prefilled = (first["Omfattning %"], first["Månadslön"], first["Andel UTB %"], first["Andel FOR %"])
    assert prefilled == (100, 40000, 100, None)
    assert rows[1]["Månadslön"].value == 50000.5 and rows[1]["Andel FOR %"].value == 70
    assert first["Lönekostnad helår"].startswith("=IF(")
    for header, cell in rows[0].items():
        assert cell.protection.locked == (header not in ("Planerad omfattning %", "Från månad", "Till månad")), header
    hire = rows[2]
    assert not hire["Namn"].protection.locked and not hire["Månadslön"].protection.locked
    assert not hire["Andel UTB %"].protection.locked and hire["Anställningsnr"].protection.locked
    assert wb.defined_names[pl.NAME_LKP_PCT] is not None


def test_the_budget_rows_of_the_computed_accounts_are_locked_and_show_the_computed_figure(session, org):
    wb = load_workbook(io.BytesIO(generate(session, org).content))
    ws = wb[layout.INPUT_SHEET]
    first_col, header_row, _, last_row = range_boundaries(ws.tables[layout.LINES_TABLE].ref)
    column = {key: first_col + index for index, key in enumerate(layout.COLUMN_KEYS)}
    rows = {(ws.cell(r, column["activity"]).value, ws.cell(r, column["account"]).value): r
            for r in range(header_row + 1, last_row + 1)}
    salary = rows[("UTB", "4010")]
    assert ws.cell(salary, column["annual"]).value.startswith("=ROUND(SUMPRODUCT(PersonnelLines[Lönekostnad helår]")
    assert "pr_lkp_pct" in ws.cell(rows[("FOR", "4610")], column["annual"]).value
    for key in ("annual", "key", "m01", "m12"):
        assert ws.cell(salary, column[key]).protection.locked
    assert not ws.cell(rows[("UTB", "5010")], column["annual"]).protection.locked
    summary = [row for row in wb[layout.SUMMARY_SHEET].iter_rows(values_only=True) if row[0] == "UTB"]
    assert summary[-1][2].startswith("=ROUND(SUMPRODUCT(")  # the personnel block below the summary


def test_the_issue_records_the_staff_and_the_signature_covers_them(session, org):
    issue = generate(session, org).issue
    personnel = pl.personnel_prefill(issue.prefill)
    assert personnel["lkp_pct"] == "48.50" and personnel["revision_month"] == 4
    assert personnel["salary_accounts"] == {"FOR": "4020", "UTB": "4010"}
    assert personnel["staff"][1]["shares"] == {"FOR": "70.00", "UTB": "30.00"}
    assert len(layout.table_prefill(issue.prefill)) == 2 * 9
    tampered = [*issue.prefill[:-1], {"personnel": {**personnel, "lkp_pct": "0.00"}}]
    meta = {r[0].value: r[1].value for r in load_workbook(io.BytesIO(issue.content))[layout.META_SHEET].iter_rows()}
    identity = dict(round_code="budget-2027", unit_code="D101", template_version=1, issue_id=issue.id)
    assert signature_holds(SECRET, meta["signature"], prefill=issue.prefill, **identity)
    assert not signature_holds(SECRET, meta["signature"], prefill=tampered, **identity)


def test_a_department_without_staff_and_a_forecast_get_no_personal_sheet(session, org):
    without = load_workbook(io.BytesIO(generate(session, org, unit=org["departments"][1]).content))
    assert pl.PERSONNEL_SHEET not in without.sheetnames
    org["round"].kind = RoundKind.forecast
    forecast = generate_template(session, planning_round=org["round"], unit=org["dept"], secret=SECRET)
    assert pl.PERSONNEL_SHEET not in load_workbook(io.BytesIO(forecast.content)).sheetnames
    assert pl.personnel_prefill(forecast.issue.prefill) is None


def expected_month(salary: str, rate: str, share: str, month: int, start: int = 1) -> D:
    """The test's own sum for one person, share and month: 3 % more from April, half up to the öre."""
    if month < start:
        return D("0.00")
    amount = D(salary) * D(rate) / 100 * D(share) / 100 * (D("1.03") if month >= 4 else 1)
    return amount.quantize(D("0.01"), rounding="ROUND_HALF_UP")


def test_a_changed_rate_and_a_hire_store_the_personnel_lines_the_server_computes(session, org):
    template = generate(session, org).content
    typed = fill_amounts(template, {("UTB", "4010"): 1, ("UTB", "3010"): 500_000}, comment="Budget")
    content = fill_personnel(typed, {0: {"Planerad omfattning %": 80},
                                     2: {"Namn": "Ny lektor", "Månadslön": 45000, "Planerad omfattning %": 100,
                                         "Från månad": 9, "Andel FOR %": 100}})
    summary = submit(session, org, content)
    session.commit()
    lines = {(line.account_code, line.activity_id): line for line in session.exec(select(BudgetLine))}
    activity = _activity_ids(session, org)
    months = range(1, 13)
    utb_salary = [expected_month("40000", "80", "100", m) + expected_month("50000.50", "50", "30", m) for m in months]
    for_salary = [expected_month("50000.50", "50", "70", m) + expected_month("45000", "100", "100", m, start=9)
                  for m in months]
    utb = lines[("4010", activity["UTB"])]
    assert [getattr(utb, f"m{m:02d}") for m in months] == utb_salary
    assert utb.annual_amount == D("484665.96") == sum(utb_salary)  # the typed 1 is ignored
    assert lines[("4020", activity["FOR"])].annual_amount == sum(for_salary) == D("400127.16")
    lkp = lines[("4610", activity["FOR"])]
    assert (lkp.m01, lkp.m09) == (D("8487.59"), D("8742.21") + D("22479.75"))  # each person's LKP rounded once
    assert lkp.annual_amount == D("194061.66") and lines[("4610", activity["UTB"])].annual_amount == D("235062.96")
    assert ("4020", activity["UTB"]) not in lines  # no cost there, no last year: no line
    assert summary.total_cost == D("484665.96") + D("400127.16") + D("194061.66") + D("235062.96")


def _activity_ids(session, org) -> dict[str, int]:
    return {a.code: a.id for a in session.exec(select(Activity).where(Activity.unit_id == org["dept"].id))}


def test_a_changed_prefilled_personnel_cell_is_refused_naming_the_cell(session, org):
    content = fill_personnel(generate(session, org).content, {1: {"Månadslön": 60000}})
    with pytest.raises(ValidationFailed) as caught:
        submit(session, org, content)
    problem, = caught.value.problems
    wb = load_workbook(io.BytesIO(content))
    _, rows = personnel_rows(wb)
    salary_cell = rows[1]["Månadslön"].coordinate
    assert (problem.code, problem.sheet, problem.cell) == ("prefilled_changed", "Personal", salary_cell)
    assert "50000.50" in problem.to_dict()["message"]


def test_bad_personnel_inputs_are_named_by_sheet_and_cell_in_swedish(session, org):
    content = fill_personnel(generate(session, org).content, {
        0: {"Planerad omfattning %": 120, "Från månad": 10, "Till månad": 3},
        1: {"Till månad": 13},
        2: {"Namn": "Ny doktorand", "Månadslön": 31000.505, "Planerad omfattning %": 100, "Andel UTB %": 100},
        3: {"Namn": "Ny forskare", "Månadslön": 45000, "Planerad omfattning %": 100, "Andel FOR %": 60},
        4: {"Månadslön": 30000, "Andel UTB %": 100}})
    with pytest.raises(ValidationFailed) as caught:
        submit(session, org, content)
    _, rows = personnel_rows(load_workbook(io.BytesIO(content)))
    found = {(p.code, p.cell) for p in caught.value.problems}
    assert all(p.sheet == "Personal" for p in caught.value.problems)
    assert found == {
        ("personnel_rate_cell_invalid", rows[0]["Planerad omfattning %"].coordinate),
        ("personnel_months_order", rows[0]["Till månad"].coordinate),
        ("personnel_month_invalid", rows[1]["Till månad"].coordinate),
        ("personnel_salary_cell_invalid", rows[2]["Månadslön"].coordinate),
        ("personnel_hire_shares_sum", rows[3]["Andel FOR %"].coordinate),
        ("personnel_hire_missing", rows[4]["Namn"].coordinate),
        ("personnel_hire_missing", rows[4]["Planerad omfattning %"].coordinate),
    }
    messages = {p.code: p.to_dict("sv")["message"] for p in caught.value.problems}
    assert messages["personnel_hire_shares_sum"] == "Andelarna på raden summerar till 60 %; de ska summera till 100 %."


def test_a_computed_account_cannot_be_added_on_a_spare_budget_row(session, org):
    content = fill_a_spare_salary_row(generate(session, org).content)
    with pytest.raises(ValidationFailed) as caught:
        submit(session, org, content)
    assert [p.code for p in caught.value.problems] == ["account_computed_from_personnel"]


def fill_a_spare_salary_row(template: bytes) -> bytes:
    """Type a salary line on the first spare Budget row, as an economist might."""
    pending = [{"activity": "UTB", "account": "4020", "annual": 1000}]

    def plan(cells):
        if cells["activity"].value is None and cells["account"].value is None and pending:
            return pending.pop()
        return None
    return fill_template(template, plan)


def test_the_shipped_personnel_master_is_what_the_builder_writes(tmp_path):
    from planround.server.personnel_master import build_personnel_master, personnel_master_path

    shipped, built = (load_workbook(path) for path in (personnel_master_path(),
                                                       build_personnel_master(tmp_path / "personnel.xlsx")))
    for wb in (shipped, built):
        assert wb.sheetnames == [pl.PERSONNEL_SHEET]
        assert [c.name for c in wb[pl.PERSONNEL_SHEET].tables[pl.PERSONNEL_TABLE].tableColumns] == [
            c.header for c in pl.PERSONNEL_COLUMNS]
    assert {n: shipped.defined_names[n].attr_text for n in shipped.defined_names} == {
        n: built.defined_names[n].attr_text for n in built.defined_names}
