"""Loading Primula's personnel file: checked whole with line numbers, replacing each named department's staff."""

from __future__ import annotations

from decimal import Decimal

import pytest
from planround.models import Activity, Employee, EmployeeFunding, OrgUnit
from planround.server.demo_data import DEMO_DATA_DIR
from planround.server.errors import ValidationFailed
from planround.server.primula import load_personnel
from sqlmodel import select

from tests.test_reference import assert_rejected, load_demo, write

HEADER = "employee_number;name;department;position;employment_rate;monthly_salary;funding\n"
GOOD = (HEADER
        + "200001;Test Persson;D110;Universitetslektor;100;48 500,00;GRU:60|FOR:40\n"
        + "200002;Prov Andersson;D110;Doktorand;37,5;31200,50;EXT:100\n"
        + "200003;Exempel Nilsson;D910;Handläggare;80;39 000;STOD:33,33|PRJ:66,67\n")


@pytest.fixture
def loaded_reference(session):
    load_demo(session)
    return session


def staff(session) -> dict[str, tuple]:
    """Every employee with their unit, rate, salary and funding, as plain values."""
    session.expire_all()
    units = {u.id: u.code for u in session.exec(select(OrgUnit))}
    activities = {a.id: a.code for a in session.exec(select(Activity))}
    funding: dict[int, dict[str, Decimal]] = {}
    for row in session.exec(select(EmployeeFunding)):
        funding.setdefault(row.employee_id, {})[activities[row.activity_id]] = row.share_pct
    return {e.employee_number: (e.name, units[e.unit_id], e.position, e.employment_rate, e.monthly_salary,
                                funding.get(e.id, {}), e.loaded_at) for e in session.exec(select(Employee))}


def test_a_good_file_loads_every_employee_with_exact_rates_salaries_and_shares(loaded_reference, tmp_path):
    result = load_personnel(loaded_reference, path=write(tmp_path, "personal.csv", GOOD))
    loaded_reference.commit()
    assert (result.tables["employee"].created, result.tables["employee_funding"].created) == (3, 5)
    people = staff(loaded_reference)
    assert people["200001"][:6] == ("Test Persson", "D110", "Universitetslektor", Decimal("100.00"),
                                    Decimal("48500.00"), {"GRU": Decimal("60.00"), "FOR": Decimal("40.00")})
    assert people["200002"][3:5] == (Decimal("37.50"), Decimal("31200.50"))
    assert people["200003"][5] == {"STOD": Decimal("33.33"), "PRJ": Decimal("66.67")}


def test_a_windows_1252_file_loads_the_same(loaded_reference, tmp_path):
    load_personnel(loaded_reference, path=write(tmp_path, "personal.csv", GOOD, encoding="cp1252"))
    assert staff(loaded_reference)["200002"][0] == "Prov Andersson"


def test_the_shipped_sample_gives_every_department_five_to_fifteen_people_funded_on_its_own_activities(
        loaded_reference):
    load_personnel(loaded_reference, path=DEMO_DATA_DIR / "personnel.csv")
    people = staff(loaded_reference)
    departments = {person[1] for person in people.values()}
    assert len(departments) == 13
    for code in departments:
        assert 5 <= sum(1 for person in people.values() if person[1] == code) <= 15, code
    assert all(Decimal(30000) <= person[4] <= Decimal(70000) for person in people.values())
    assert all(sum(person[5].values()) == 100 for person in people.values())


BAD_LINES = [
    ("200004;Ny Person;D999;Lektor;100;40000;GRU:100", "personnel_department_unknown"),
    ("200004;Ny Person;NAT;Lektor;100;40000;GRU:100", "personnel_not_department"),
    ("200004;Ny Person;D910;Lektor;100;40000;GRU:100", "personnel_activity_unknown"),
    ("200004;Ny Person;D110;Lektor;100;40000;GRU:60|FOR:30", "personnel_shares_sum"),
    ("200004;Ny Person;D110;Lektor;100;40000;GRU=100", "personnel_funding_invalid"),
    ("200004;Ny Person;D110;Lektor;100;40000;GRU:50|GRU:50", "personnel_funding_repeated"),
    ("200004;Ny Person;D110;Lektor;37.5;40000;GRU:100", "personnel_rate_invalid"),
    ("200004;Ny Person;D110;Lektor;120;40000;GRU:100", "personnel_rate_invalid"),
    ("200004;Ny Person;D110;Lektor;100;40000,005;GRU:100", "personnel_salary_invalid"),
    ("200004;Ny Person;D110;Lektor;100;-40000;GRU:100", "personnel_salary_invalid"),
    ("200001;Ny Person;D110;Lektor;100;40000;GRU:100", "personnel_duplicate"),
    ("200004;;D110;Lektor;100;40000;GRU:100", "field_required"),
]


@pytest.mark.parametrize("line,code", BAD_LINES, ids=[code for _, code in BAD_LINES])
def test_a_bad_line_rejects_the_file_naming_its_line_and_nothing_is_written(loaded_reference, tmp_path, line, code):
    path = write(tmp_path, "personal.csv", GOOD + line + "\n")
    assert_rejected(lambda: load_personnel(loaded_reference, path=path), code, 5)
    loaded_reference.rollback()
    assert staff(loaded_reference) == {}


def test_loading_the_same_file_again_changes_nothing(loaded_reference, tmp_path):
    path = write(tmp_path, "personal.csv", GOOD)
    load_personnel(loaded_reference, path=path)
    loaded_reference.commit()
    before = staff(loaded_reference)
    again = load_personnel(loaded_reference, path=path)
    loaded_reference.commit()
    assert not again.changed and again.tables["employee"].unchanged == 3
    assert staff(loaded_reference) == before


def test_a_department_in_the_file_gets_exactly_its_staff_and_others_keep_theirs(loaded_reference, tmp_path):
    load_personnel(loaded_reference, path=write(tmp_path, "personal.csv", GOOD))
    loaded_reference.commit()
    later = HEADER + "200001;Test Persson;D110;Professor;100;52 000,00;FOR:100\n"
    result = load_personnel(loaded_reference, path=write(tmp_path, "personal2.csv", later))
    loaded_reference.commit()
    people = staff(loaded_reference)
    assert sorted(people) == ["200001", "200003"]  # 200002 left D110; D910 was not in the file
    assert people["200001"][2] == "Professor" and people["200001"][5] == {"FOR": Decimal("100.00")}
    assert (result.tables["employee"].updated, result.tables["employee"].removed) == (1, 1)


def test_an_employee_who_moved_department_moves_with_the_file(loaded_reference, tmp_path):
    load_personnel(loaded_reference, path=write(tmp_path, "personal.csv", GOOD))
    loaded_reference.commit()
    moved = HEADER + "200002;Prov Andersson;D120;Doktorand;100;31200,50;FOR:100\n"
    load_personnel(loaded_reference, path=write(tmp_path, "personal2.csv", moved))
    loaded_reference.commit()
    assert staff(loaded_reference)["200002"][1] == "D120"


def test_the_command_loads_a_personnel_file(loaded, tmp_path):
    result = loaded("load", "personnel", str(write(tmp_path, "personal.csv", GOOD)))
    assert result.exit_code == 0, result.output
    assert "personal.csv: 3 rader lästa" in result.output


def test_the_command_names_the_bad_line(loaded, tmp_path):
    path = write(tmp_path, "personal.csv", GOOD + "200004;Ny Person;D999;Lektor;100;40000;GRU:100\n")
    result = loaded("load", "personnel", str(path))
    assert result.exit_code == 1
    assert "rad 5: personal.csv, rad 5: avdelningen D999 finns inte" in result.output


def test_a_file_without_the_funding_column_is_refused_by_its_header(loaded_reference, tmp_path):
    path = write(tmp_path, "personal.csv", "employee_number;name;department\n1;A;D110\n")
    with pytest.raises(ValidationFailed) as caught:
        load_personnel(loaded_reference, path=path)
    assert caught.value.problems[0].code == "file_missing_columns"
