"""Generating department templates from the master: names, table, protection, lists, summary, issue."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries
from sqlmodel import select

from planround.models import AccountGroup, Activity, RoundKind, TemplateIssue
from planround.server import layout
from planround.server.errors import BadRequest, ValidationFailed
from planround.server.masters import (
    build_budget_master,
    build_forecast_master,
    budget_master_path,
    forecast_master_path,
)
from planround.server.signature import signature_holds
from planround.server.templates import generate_template, generate_templates
from tests.factories import make_account, make_round, make_small_university

SECRET = "test-secret"


@pytest.fixture
def org(session):
    org = make_small_university(session)
    # An account that is not planned must stay out of the templates.
    clearing = make_account(session, "3999", AccountGroup.revenue, "Intern avräkning")
    clearing.plannable = False
    org["round"] = make_round(session)
    org["dept"] = org["departments"][0]
    org["activities"] = session.exec(select(Activity).where(Activity.unit_id == org["dept"].id)
                                     .order_by(Activity.code)).all()
    session.commit()
    return org


def generate(session, org, **kw):
    return generate_template(session, planning_round=org["round"], unit=org["dept"], secret=SECRET, **kw)


def workbook_of(generated):
    return load_workbook(io.BytesIO(generated.content))


def named_value(wb, name):
    (sheet, coordinate), = wb.defined_names[name].destinations
    return wb[sheet][coordinate.replace("$", "")].value


def table_of(wb):
    return wb[layout.INPUT_SHEET].tables[layout.LINES_TABLE]


def table_rows(wb):
    """Return the table's data rows as lists of values, and the table's bounds."""
    ws = wb[layout.INPUT_SHEET]
    first_col, header_row, last_col, last_row = range_boundaries(table_of(wb).ref)
    rows = [[ws.cell(r, c).value for c in range(first_col, last_col + 1)] for r in range(header_row + 1, last_row + 1)]
    return rows, (first_col, header_row, last_col, last_row)


def col(key: str) -> int:
    return layout.COLUMN_KEYS.index(key)


def test_the_header_cells_are_filled_through_their_defined_names(session, org):
    wb = workbook_of(generate(session, org))
    assert named_value(wb, layout.NAME_UNIT_CODE) == "D101"
    assert named_value(wb, layout.NAME_UNIT_NAME) == "Institutionen för data"
    assert named_value(wb, layout.NAME_ROUND_NAME) == "Budget 2027"
    assert named_value(wb, layout.NAME_DEADLINE).date() == date(2026, 10, 15)
    assert named_value(wb, layout.NAME_FISCAL_YEAR) == 2027


def test_rows_are_each_activity_times_each_plannable_account_then_the_spare_rows(session, org):
    utb = next(a for a in org["activities"] if a.code == "UTB")
    generated = generate(session, org, last_year={(utb.id, "3010"): Decimal("1234567.5")})
    rows, _ = table_rows(workbook_of(generated))
    accounts = ["3010", "3110", "4010", "5010", "6010", "7010"]
    expected = [(a, k) for a in ("FOR", "UTB") for k in accounts]
    assert [(r[col("activity")], r[col("account")]) for r in rows[:12]] == expected
    assert len(rows) == 12 + layout.SPARE_ROWS
    assert all(r[col("activity")] is None and r[col("account")] is None for r in rows[12:])
    utb_3010 = rows[expected.index(("UTB", "3010"))]
    assert utb_3010[col("last_year")] == 1234567.5
    assert utb_3010[col("activity_name")] == "Verksamhet UTB" and utb_3010[col("account_name")] == "Anslag utbildning"
    assert rows[0][col("last_year")] is None


def test_the_table_ref_and_its_filter_cover_every_written_row(session, org):
    wb = workbook_of(generate(session, org))
    table = table_of(wb)
    first_col, header_row, last_col, last_row = range_boundaries(table.ref)
    assert (last_row - header_row, last_col - first_col + 1) == (12 + layout.SPARE_ROWS, len(layout.COLUMNS))
    assert table.autoFilter.ref == table.ref
    assert [c.name for c in table.tableColumns] == [c.header for c in layout.COLUMNS]


def test_the_sheet_is_protected_and_only_input_cells_are_unlocked(session, org):
    wb = workbook_of(generate(session, org))
    ws = wb[layout.INPUT_SHEET]
    assert ws.protection.sheet and not ws.protection.password
    _, (first_col, header_row, _, last_row) = table_rows(wb)
    inputs = {"annual", "key", *layout.MONTH_KEYS, "comment"}
    prefilled_row, spare_row = header_row + 1, last_row
    for key in layout.COLUMN_KEYS:
        assert ws.cell(prefilled_row, first_col + col(key)).protection.locked == (key not in inputs), key
        spare_open = key in inputs | {"activity", "account"}
        assert ws.cell(spare_row, first_col + col(key)).protection.locked == (not spare_open), key
    assert ws.cell(header_row, first_col).protection.locked
    assert ws.cell(prefilled_row, first_col + col("annual")).fill.fgColor.rgb.endswith("FFF2CC")
    assert ws.cell(prefilled_row, first_col + col("annual")).number_format == "#,##0.00"


def test_dropdowns_list_the_units_activities_accounts_and_keys_and_amounts_must_be_decimal(session, org):
    wb = workbook_of(generate(session, org))
    ws = wb[layout.INPUT_SHEET]
    _, (_, header_row, _, last_row) = table_rows(wb)
    by_formula = {dv.formula1: dv for dv in ws.data_validations.dataValidation}
    assert str(by_formula[layout.NAME_LIST_ACTIVITIES].sqref) == f"A{header_row + 1}:A{last_row}"
    assert str(by_formula[layout.NAME_LIST_ACCOUNTS].sqref) == f"C{header_row + 1}:C{last_row}"
    assert str(by_formula[layout.NAME_LIST_KEYS].sqref) == f"G{header_row + 1}:G{last_row}"
    amounts = next(dv for dv in ws.data_validations.dataValidation if dv.type == "decimal")
    assert f"F{header_row + 1}:F{last_row}" in str(amounts.sqref) and f"S{header_row + 1}:S{last_row}" in str(amounts.sqref)
    lists = {name: [c.value for (c,) in wb[layout.LISTS_SHEET][wb.defined_names[name].attr_text.split("!")[1]]]
             for name in (layout.NAME_LIST_ACTIVITIES, layout.NAME_LIST_ACCOUNTS, layout.NAME_LIST_KEYS,
                          layout.NAME_LIST_REVENUE_ACCOUNTS, layout.NAME_LIST_COST_ACCOUNTS)}
    assert lists[layout.NAME_LIST_ACTIVITIES] == ["FOR", "UTB"]
    assert lists[layout.NAME_LIST_ACCOUNTS] == ["3010", "3110", "4010", "5010", "6010", "7010"]
    assert lists[layout.NAME_LIST_KEYS] == list(layout.KEY_LABELS.values())
    assert lists[layout.NAME_LIST_REVENUE_ACCOUNTS] == ["3010", "3110"]
    assert lists[layout.NAME_LIST_COST_ACCOUNTS] == ["4010", "5010", "6010", "7010"]
    assert wb[layout.LISTS_SHEET].sheet_state == "hidden" and wb[layout.META_SHEET].sheet_state == "veryHidden"


def test_the_summary_has_live_sumifs_formulas_for_revenue_costs_and_result_per_activity(session, org):
    wb = workbook_of(generate(session, org))
    (sheet, anchor), = wb.defined_names[layout.NAME_SUMMARY_ANCHOR].destinations
    ws = wb[sheet]
    row = ws[anchor.replace("$", "")].row
    assert [ws.cell(row + n, 1).value for n in (1, 2, 3)] == ["FOR", "UTB", "Totalt"]
    revenue, cost, result = (ws.cell(row + 2, c).value for c in (3, 4, 5))
    assert revenue == ("=SUMPRODUCT(SUMIFS(BudgetLines[Årsbelopp],BudgetLines[Verksamhet],$A"
                       f"{row + 2},BudgetLines[Konto],pr_list_revenue_accounts))")
    assert "pr_list_cost_accounts" in cost and result == f"=C{row + 2}-D{row + 2}"
    assert "Verksamhet" not in ws.cell(row + 3, 3).value  # the total spans every activity
    assert ws.cell(row + 3, 3).number_format == "#,##0.00"


def test_the_metadata_names_the_issue_and_its_signature_holds_over_the_prefill(session, org):
    generated = generate(session, org)
    meta = {row[0].value: row[1].value for row in workbook_of(generated)[layout.META_SHEET].iter_rows()}
    issue = generated.issue
    assert meta | {"generated_at": None, "signature": None} == {
        "format": layout.TEMPLATE_FORMAT, "format_version": str(layout.TEMPLATE_FORMAT_VERSION),
        "kind": "budget", "round": "budget-2027", "unit": "D101", "template_version": "1",
        "issue_id": str(issue.id), "generated_at": None, "rows": "12", "signature": None}
    assert signature_holds(SECRET, meta["signature"], round_code="budget-2027", unit_code="D101",
                           template_version=1, issue_id=issue.id, prefill=issue.prefill)
    assert not signature_holds("other-secret", meta["signature"], round_code="budget-2027", unit_code="D101",
                               template_version=1, issue_id=issue.id, prefill=issue.prefill)


def test_the_issue_is_stored_with_its_prefill_checksum_and_file(session, org):
    utb = next(a for a in org["activities"] if a.code == "UTB")
    generated = generate(session, org, last_year={(utb.id, "4010"): Decimal("-25.1")})
    session.commit()
    session.expire_all()
    stored = session.get(TemplateIssue, generated.issue.id)
    assert stored.checksum == hashlib.sha256(generated.content).hexdigest()
    assert stored.prefill[0] == {"row": 0, "activity": "FOR", "account": "3010", "last_year": None}
    assert stored.prefill[8] == {"row": 8, "activity": "UTB", "account": "4010", "last_year": "-25.10"}
    assert len(stored.prefill) == 12 and stored.content == generated.content
    assert generated.filename == "budget-2027_D101.xlsx"


def test_regenerating_gives_the_next_template_version(session, org):
    first = generate(session, org)
    second = generate(session, org)
    other = generate_template(session, planning_round=org["round"], unit=org["departments"][1], secret=SECRET)
    assert (first.issue.template_version, second.issue.template_version) == (1, 2)
    assert other.issue.template_version == 1
    meta = {row[0].value: row[1].value for row in workbook_of(second)[layout.META_SHEET].iter_rows()}
    assert meta["template_version"] == "2" and meta["issue_id"] == str(second.issue.id)


def test_templates_for_many_departments_are_written_under_the_round_code(session, org, tmp_path):
    written = generate_templates(session, planning_round=org["round"], units=org["departments"],
                                 secret=SECRET, out_dir=tmp_path)
    assert [path.relative_to(tmp_path).as_posix() for path, _ in written] == [
        "budget-2027/D101.xlsx", "budget-2027/D102.xlsx", "budget-2027/D201.xlsx"]
    assert all(path.read_bytes() == generated.content for path, generated in written)


def test_a_unit_that_is_not_a_department_gets_no_template(session, org):
    with pytest.raises(BadRequest) as caught:
        generate_template(session, planning_round=org["round"], unit=org["faculty"], secret=SECRET)
    assert caught.value.code == "not_a_department"


def test_a_master_with_rows_inserted_above_still_generates_by_names(session, org, tmp_path):
    master = build_budget_master(tmp_path / "budget.xlsx", extra_rows_above=3)
    wb = workbook_of(generate(session, org, master_path=master))
    assert table_of(wb).ref.startswith("A13:")
    assert wb.defined_names[layout.NAME_UNIT_CODE].attr_text == "'Budget'!$B$7"
    assert named_value(wb, layout.NAME_UNIT_CODE) == "D101"
    rows, _ = table_rows(wb)
    assert rows[0][:3] == ["FOR", "Verksamhet FOR", "3010"]


def test_a_master_whose_table_lost_a_column_is_refused_with_the_column_named(session, org, tmp_path):
    master = build_budget_master(tmp_path / "budget.xlsx")
    wb = load_workbook(master)
    ws = wb[layout.INPUT_SHEET]
    _, header_row, _, _ = range_boundaries(ws.tables[layout.LINES_TABLE].ref)
    ws.cell(header_row, 1 + col("annual")).value = "Belopp"
    wb.save(master)
    with pytest.raises(ValidationFailed) as caught:
        generate(session, org, master_path=master)
    problem, = caught.value.problems
    assert (problem.code, problem.params["column"], problem.sheet) == ("table_column_missing", "Årsbelopp", "Budget")


def test_the_shipped_master_is_what_the_builder_writes(tmp_path):
    shipped = load_workbook(budget_master_path())
    built = load_workbook(build_budget_master(tmp_path / "budget.xlsx"))
    for wb in (shipped, built):
        assert wb.sheetnames == [layout.INPUT_SHEET, layout.SUMMARY_SHEET, "Studenter", "Bemanning",
                                 layout.LISTS_SHEET, layout.META_SHEET]
    assert {n: shipped.defined_names[n].attr_text for n in shipped.defined_names} == {
        n: built.defined_names[n].attr_text for n in built.defined_names}
    assert table_of(shipped).ref == table_of(built).ref


def test_the_shipped_forecast_master_is_what_the_builder_writes(tmp_path):
    shipped = load_workbook(forecast_master_path())
    built = load_workbook(build_forecast_master(tmp_path / "forecast.xlsx"))
    for wb in (shipped, built):
        assert wb.sheetnames == [layout.FORECAST_SHEET, layout.SUMMARY_SHEET, layout.LISTS_SHEET, layout.META_SHEET]
        assert wb[layout.META_SHEET]["B3"].value == "forecast"
    assert {n: shipped.defined_names[n].attr_text for n in shipped.defined_names} == {
        n: built.defined_names[n].attr_text for n in built.defined_names}
    table = shipped[layout.FORECAST_SHEET].tables[layout.FORECAST_TABLE]
    assert table.ref == built[layout.FORECAST_SHEET].tables[layout.FORECAST_TABLE].ref
    assert [c.name for c in table.tableColumns] == [c.header for c in layout.FORECAST_COLUMNS]


def test_a_forecast_template_sums_the_forecast_and_offers_no_distribution_key(session, org):
    org["round"].kind = RoundKind.forecast
    wb = workbook_of(generate(session, org))
    ws = wb[layout.FORECAST_SHEET]
    (sheet, anchor), = wb.defined_names[layout.NAME_SUMMARY_ANCHOR].destinations
    total = wb[sheet][anchor.replace("$", "")].row + 3
    assert wb[sheet].cell(total, 3).value.startswith("=SUMPRODUCT(SUMIFS(ForecastLines[Helårsprognos],")
    formulas = {dv.formula1 for dv in ws.data_validations.dataValidation}
    assert layout.NAME_LIST_KEYS not in formulas and layout.NAME_LIST_ACCOUNTS in formulas
    amounts = next(dv for dv in ws.data_validations.dataValidation if dv.type == "decimal")
    assert str(amounts.sqref).startswith("S")  # only Helårsprognos is typed
    assert named_value(wb, layout.NAME_ACTUALS_THROUGH) == "Inga stängda månader"
