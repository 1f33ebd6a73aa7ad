"""Importing Retendo's xlsx export: every row checked, mapped where it can be, the rest reported."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func
from sqlmodel import select

from planround.models import Activity, CourseActivity, Employee, StaffingLine
from planround.server.demo_data import DEMO_DATA_DIR
from planround.server.errors import UnsupportedFile, ValidationFailed
from planround.server.primula import load_personnel
from planround.server.reference import load_accounts, load_organisation
from planround.server.retendo import HEADERS, import_retendo, load_course_activities, write_report
from tests.factories import make_small_university

SAMPLE = DEMO_DATA_DIR / "retendo_2027.xlsx"


@pytest.fixture
def demo_reference(session):
    """The demo's organisation, chart, Primula staff and course mapping."""
    load_organisation(session, organisation_path=DEMO_DATA_DIR / "organisation.csv",
                      activities_path=DEMO_DATA_DIR / "activities.csv")
    load_accounts(session, path=DEMO_DATA_DIR / "accounts.csv")
    load_personnel(session, path=DEMO_DATA_DIR / "personnel.csv")
    load_course_activities(session, path=DEMO_DATA_DIR / "course_activities.csv")
    session.commit()


@pytest.fixture
def small(session):
    """A small university whose D101 has one employee and one mapped course."""
    org = make_small_university(session)
    d101 = org["departments"][0]
    utb = session.exec(select(Activity).where(Activity.unit_id == d101.id, Activity.code == "UTB")).one()
    session.add(Employee(employee_number="900001", name="Tora Testsson", unit_id=d101.id, position="Lektor",
                         employment_rate=Decimal("100"), monthly_salary=Decimal("45000")))
    session.add(CourseActivity(unit_id=d101.id, course_code="DA1001", activity_id=utb.id))
    session.commit()
    return org


def export(tmp_path, rows: list[tuple], headers: tuple = tuple(HEADERS.values()), name: str = "export.xlsx"):
    """Write an export in Retendo's shape: a header row, then the rows."""
    wb = Workbook()
    wb.active.title = "Bemanning"
    wb.active.append(headers)
    for row in rows:
        wb.active.append(row)
    wb.save(tmp_path / name)
    return tmp_path / name


def sample_rows_where(predicate) -> list[int]:
    """Return the Excel rows of the shipped sample that match, read independently with openpyxl."""
    ws = load_workbook(SAMPLE).active
    return [cells[0].row for cells in ws.iter_rows(min_row=2) if predicate([c.value for c in cells])]


def stored(session) -> int:
    return session.exec(select(func.count()).select_from(StaffingLine)).one()


def test_the_sample_is_imported_whole_and_the_rows_that_do_not_map_are_reported(session, demo_reference):
    result = import_retendo(session, path=SAMPLE, fiscal_year=2027)
    rows = load_workbook(SAMPLE).active.max_row - 1
    assert (result.rows, stored(session)) == (rows, rows)
    visitor = sample_rows_where(lambda v: v[1] == "Vera Gästlärare")
    no_course = sample_rows_where(lambda v: v[3] == "FY9999")
    assert sorted((r.row, r.reasons) for r in result.unmapped) == sorted(
        [(visitor[0], ("retendo_teacher_unknown",)), (no_course[0], ("retendo_course_unmapped",))])
    assert result.units == ("D110", "D120", "D130", "D140", "D150", "D210", "D220", "D230", "D240")
    unmapped = session.exec(select(StaffingLine).where(StaffingLine.source_row == visitor[0])).one()
    assert unmapped.employee_number is None and unmapped.activity_id is not None
    assert "2 rader saknar koppling" in str(result)


def test_a_teacher_maps_by_employee_number_or_else_by_name_within_the_department(session, small, tmp_path):
    path = export(tmp_path, [("D101", "T. Testsson", "900001", "DA1001", "Föreläsning", 40, 0.0235),
                             ("D101", "tora testsson", None, "DA1001", "Seminarium", 12.5, 0.0074),
                             ("D102", "Tora Testsson", None, "DA1001", "Seminarium", 10, 0.0059),
                             ("D101", "Tora Testsson", "900999", "DA1001", "Handledning", 8, 0.0047)])
    result = import_retendo(session, path=path, fiscal_year=2027)
    lines = session.exec(select(StaffingLine).order_by(StaffingLine.source_row)).all()
    assert [line.employee_number for line in lines] == ["900001", "900001", None, None]
    assert [(r.row, r.reasons) for r in result.unmapped] == [
        (4, ("retendo_teacher_unknown", "retendo_course_unmapped")), (5, ("retendo_employee_unknown",))]
    assert (lines[1].planned_hours, lines[1].share_pct) == (Decimal("12.50"), Decimal("0.74"))


def test_importing_again_replaces_the_years_staffing_of_the_departments_in_the_file(session, small, tmp_path):
    first = export(tmp_path, [("D101", "Tora Testsson", "900001", "DA1001", "Föreläsning", 40, 0.0235)] * 3)
    import_retendo(session, path=first, fiscal_year=2027)
    import_retendo(session, path=first, fiscal_year=2028)
    result = import_retendo(session, path=export(tmp_path, [
        ("D101", "Tora Testsson", "900001", "DA1001", "Föreläsning", 50, 0.0294)], name="new.xlsx"), fiscal_year=2027)
    assert result.replaced == 3
    years = session.exec(select(StaffingLine.fiscal_year, func.count()).group_by(StaffingLine.fiscal_year)).all()
    assert sorted(years) == [(2027, 1), (2028, 3)]


def test_an_export_missing_a_column_is_refused_naming_the_header_row(session, small, tmp_path):
    headers = tuple(h for h in HEADERS.values() if h != "Planerade timmar")
    with pytest.raises(ValidationFailed) as caught:
        import_retendo(session, path=export(tmp_path, [], headers=headers), fiscal_year=2027)
    problem, = caught.value.problems
    assert (problem.code, problem.sheet, problem.cell) == ("retendo_columns_missing", "Bemanning", "A1")
    assert "Planerade timmar" in problem.to_dict("sv")["message"]


def test_bad_cells_refuse_the_whole_file_naming_sheet_and_cell_and_nothing_is_written(session, small, tmp_path):
    path = export(tmp_path, [("D101", "Tora Testsson", "900001", "DA1001", "Föreläsning", 40, 0.0235),
                             ("D101", "Tora Testsson", "900001", "DA1001", "Seminarium", "tolv", 0.0074),
                             ("D101", None, None, "DA1001", "Seminarium", 10.123, 1.5),
                             ("X999", "Tora Testsson", None, "DA1001", "Seminarium", -1, 0.5)])
    with pytest.raises(ValidationFailed) as caught:
        import_retendo(session, path=path, fiscal_year=2027)
    assert [(p.code, p.sheet, p.cell) for p in caught.value.problems] == [
        ("retendo_hours_invalid", "Bemanning", "F3"), ("retendo_field_required", "Bemanning", "B4"),
        ("retendo_hours_invalid", "Bemanning", "F4"), ("retendo_share_invalid", "Bemanning", "G4"),
        ("retendo_hours_invalid", "Bemanning", "F5"), ("retendo_unit_unknown", "Bemanning", "A5")]
    assert "tolv" in caught.value.problems[0].to_dict("sv")["message"]
    assert stored(session) == 0


def test_a_file_that_is_no_workbook_is_refused(session, small, tmp_path):
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"Institution;Larare\nD101;Tora\n")
    with pytest.raises(UnsupportedFile):
        import_retendo(session, path=path, fiscal_year=2027)


def test_a_sheet_reaching_far_beyond_an_export_is_refused_before_its_values_are_read(session, small, tmp_path):
    wb = Workbook()
    wb.active.append(tuple(HEADERS.values()))
    wb.active["A500000"] = "D101"
    wb.save(tmp_path / "huge.xlsx")
    with pytest.raises(ValidationFailed) as caught:
        import_retendo(session, path=tmp_path / "huge.xlsx", fiscal_year=2027)
    assert caught.value.code == "sheet_too_large"


def test_the_report_lists_each_unmapped_row_with_its_row_and_reason(session, small, tmp_path):
    result = import_retendo(session, path=export(tmp_path, [
        ("D101", "Okänd Person", None, "DA9999", "Föreläsning", 40, 0.0235)]), fiscal_year=2027)
    with open(write_report(result, tmp_path / "report.csv"), encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert [(r["sheet"], r["row"], r["teacher"], r["course"]) for r in rows] == [
        ("Bemanning", "2", "Okänd Person", "DA9999")]
    assert "Okänd Person" in rows[0]["reason"] and "DA9999" in rows[0]["reason"]


def test_the_command_imports_the_export_prints_the_unmapped_rows_and_writes_the_report(run, engine, small,
                                                                                    tmp_path):
    path = export(tmp_path, [("D101", "Okänd Person", None, "DA1001", "Föreläsning", 40, 0.0235)])
    result = run("import", "retendo", str(path), "--year", "2027", "--report", str(tmp_path / "out.csv"))
    assert result.exit_code == 0, result.output
    assert "1 rader saknar koppling" in result.output and "Bemanning!rad 2" in result.output
    assert (tmp_path / "out.csv").exists()


def test_the_command_refuses_a_bad_export_naming_the_cell(run, engine, small, tmp_path):
    path = export(tmp_path, [("D101", "Tora Testsson", None, "DA1001", "Föreläsning", "x", 0.5)])
    result = run("import", "retendo", str(path), "--year", "2027")
    assert result.exit_code == 1
    assert "Bemanning!F2" in result.output
