"""Import personnel from Primula (payroll/HR) for budget rounds: employees and their funding.

The export is a semicolon-separated file, UTF-8 or Windows-1252, one line per employee:

    employee_number;name;department;position;employment_rate;monthly_salary;funding
    100234;Karin Ek;D110;Universitetslektor;100;48 500,00;GRU:60|FOR:40

`employment_rate` is the percentage of full time (0-100), `monthly_salary` the salary at full
time in kronor, both with a decimal comma and at most two decimals. `funding` splits the salary
over the department's activities as `ACTIVITY:share` pairs separated by `|`, shares in percent
adding up to exactly 100.

The whole file is checked before anything is written, and any bad line rejects it, naming the
line. Then every department named in the file gets exactly the file's staff: employees are
created or updated by employee number (one who moved department moves with the file), their
funding is replaced, and the department's employees missing from the file are removed.
Departments the file does not name keep theirs. Loading the same file twice changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from planround.models import Activity, Employee, EmployeeFunding, OrgUnit, UnitKind, utcnow
from planround.server.errors import Problem
from planround.server.reference import (
    CsvFile,
    CsvRow,
    LoadResult,
    TableCounts,
    assign,
    check_fields,
    first_lines,
    problem,
    read_csv,
    reject_if,
    tally,
)
from planround.server.ubw import parse_amount
from sqlmodel import Session, select

PERSONNEL_COLUMNS = ("employee_number", "name", "department", "position", "employment_rate",
                     "monthly_salary", "funding")
PERCENT = re.compile(r"^\d{1,3}(?:,\d{1,2})?$")
FUNDING_PART = re.compile(r"^([^:|]+):(.+)$")
HUNDRED = Decimal(100)


@dataclass
class EmployeeSpec:
    """A valid line of the file: the employee's values and funding by activity id."""

    employee_number: str
    values: dict
    funding: dict[int, Decimal]


@dataclass
class Staffing:
    """The departments and activities a personnel line may name, read once per load."""

    units: dict[str, tuple[int, UnitKind]]
    activities: dict[tuple[int, str], int]


def parse_percent(text: str) -> Decimal | None:
    """Return a percentage of 0-100 with a decimal comma ('37,5') as a Decimal, or None."""
    if not PERCENT.match(text):
        return None
    value = Decimal(text.replace(",", "."))
    return value if value <= HUNDRED else None


def load_personnel(session: Session, *, path: str | Path) -> LoadResult:
    """Check a Primula personnel file whole, then replace the staff of the departments it names."""
    personnel_file = read_csv(path, PERSONNEL_COLUMNS)
    specs, problems = employee_specs(personnel_file, read_staffing(session))
    reject_if(personnel_file.problems + problems, personnel_file)
    result = LoadResult((personnel_file.name,), len(personnel_file.rows))
    result.tables["employee"], result.tables["employee_funding"] = replace_staff(session, specs)
    return result


def read_staffing(session: Session) -> Staffing:
    """Read the units and activities that lines may name."""
    units = {code: (unit_id, UnitKind(kind))
             for unit_id, code, kind in session.exec(select(OrgUnit.id, OrgUnit.code, OrgUnit.kind))}
    activities = {(unit_id, code): activity_id for activity_id, unit_id, code
                  in session.exec(select(Activity.id, Activity.unit_id, Activity.code))}
    return Staffing(units, activities)


def employee_specs(personnel_file: CsvFile, staffing: Staffing) -> tuple[list[EmployeeSpec], list[Problem]]:
    """Check every line of the file and return the valid employees."""
    name, specs, problems = personnel_file.name, [], []
    first = first_lines(personnel_file.rows, lambda row: row["employee_number"])
    for row in personnel_file.rows:
        found = check_fields(name, row, PERSONNEL_COLUMNS,
                             {"employee_number": 32, "name": 200, "position": 200})
        number = row["employee_number"]
        if number and first[number] != row.line:
            found.append(problem("personnel_duplicate", name, row.line, employee=number, first=first[number]))
        spec = check_line(name, row, staffing, found)
        problems += found
        if spec is not None and not found:
            specs.append(spec)
    return specs, problems


def check_line(name: str, row: CsvRow, staffing: Staffing, found: list[Problem]) -> EmployeeSpec | None:
    """Check one line's department, numbers and funding; add what is wrong to `found`."""
    rate, salary = parse_percent(row["employment_rate"]), parse_amount(row["monthly_salary"])
    if row["employment_rate"] and rate is None:
        found.append(problem("personnel_rate_invalid", name, row.line, value=row["employment_rate"]))
    if row["monthly_salary"] and (salary is None or salary < 0):
        found.append(problem("personnel_salary_invalid", name, row.line, value=row["monthly_salary"]))
    unit_id = check_department(name, row, staffing, found)
    funding = check_funding(name, row, unit_id, staffing, found) if unit_id is not None else None
    if found or funding is None:
        return None
    values = {"name": row["name"], "unit_id": unit_id, "position": row["position"],
              "employment_rate": rate, "monthly_salary": salary}
    return EmployeeSpec(row["employee_number"], values, funding)


def check_department(name: str, row: CsvRow, staffing: Staffing, found: list[Problem]) -> int | None:
    """Return the id of the line's department, or None and why it is not one."""
    if not row["department"]:
        return None
    unit = staffing.units.get(row["department"])
    if unit is None:
        found.append(problem("personnel_department_unknown", name, row.line, department=row["department"]))
        return None
    if unit[1] != UnitKind.department:
        found.append(problem("personnel_not_department", name, row.line, department=row["department"],
                             kind=unit[1].value))
        return None
    return unit[0]


def check_funding(name: str, row: CsvRow, unit_id: int, staffing: Staffing,
                  found: list[Problem]) -> dict[int, Decimal] | None:
    """Return the line's funding as activity id -> share, or None and what is wrong with it."""
    if not row["funding"]:
        return None
    funding: dict[int, Decimal] = {}
    before = len(found)
    for part in row["funding"].split("|"):
        match = FUNDING_PART.match(part.strip())
        share = parse_percent(match.group(2).strip()) if match else None
        if match is None or share is None or share == 0:
            found.append(problem("personnel_funding_invalid", name, row.line, part=part.strip()))
            continue
        code = match.group(1).strip()
        activity_id = staffing.activities.get((unit_id, code))
        if activity_id is None:
            found.append(problem("personnel_activity_unknown", name, row.line, activity=code,
                                 department=row["department"]))
        elif activity_id in funding:
            found.append(problem("personnel_funding_repeated", name, row.line, activity=code))
        else:
            funding[activity_id] = share
    total = sum(funding.values(), Decimal(0))
    if len(found) == before and total != HUNDRED:
        found.append(problem("personnel_shares_sum", name, row.line, total=_percent_text(total)))
    return funding if len(found) == before else None


def _percent_text(value: Decimal) -> str:
    """Return a percentage as the file writes it: 99,5."""
    return format(value.normalize(), "f").replace(".", ",")


def replace_staff(session: Session, specs: list[EmployeeSpec]) -> tuple[TableCounts, TableCounts]:
    """Give each department in the file exactly the file's employees, with their funding."""
    people, funding = TableCounts(), TableCounts()
    numbers = {spec.employee_number for spec in specs}
    units = {spec.values["unit_id"] for spec in specs}
    existing = {e.employee_number: e for e in session.exec(
        select(Employee).where(Employee.unit_id.in_(units) | Employee.employee_number.in_(numbers)))}
    for employee in (e for number, e in existing.items() if number not in numbers):
        remove_employee(session, employee, people, funding)
    session.flush()
    for spec in specs:
        before = existing.get(spec.employee_number)
        employee = upsert_employee(session, before, spec, people)
        if replace_funding(session, employee, spec.funding, funding) and before is not None:
            employee.loaded_at = utcnow()  # a new split is a change of the employee too
    session.flush()
    return people, funding


def remove_employee(session: Session, employee: Employee, people: TableCounts, funding: TableCounts) -> None:
    """Delete an employee who left the department's file, with their funding."""
    for row in session.exec(select(EmployeeFunding).where(EmployeeFunding.employee_id == employee.id)):
        session.delete(row)
        funding.removed += 1
    session.flush()  # the funding rows refer to the employee
    session.delete(employee)
    people.removed += 1


def upsert_employee(session: Session, employee: Employee | None, spec: EmployeeSpec,
                    counts: TableCounts) -> Employee:
    """Create the employee or update their values; a changed row gets a new loaded_at."""
    if employee is None:
        employee = Employee(employee_number=spec.employee_number, **spec.values)
        session.add(employee)
        session.flush()  # the funding rows need the employee's id
        counts.created += 1
        return employee
    changed = assign(employee, spec.values)
    if changed:
        employee.loaded_at = utcnow()
    tally(counts, changed)
    return employee


def replace_funding(session: Session, employee: Employee, wanted: dict[int, Decimal],
                    counts: TableCounts) -> bool:
    """Make the employee's funding exactly `wanted`; return whether anything changed."""
    current = {row.activity_id: row for row in session.exec(
        select(EmployeeFunding).where(EmployeeFunding.employee_id == employee.id))}
    changed = False
    for activity_id, row in current.items():
        if activity_id not in wanted:
            session.delete(row)
            counts.removed += 1
            changed = True
    for activity_id, share in wanted.items():
        row = current.get(activity_id)
        if row is None:
            session.add(EmployeeFunding(employee_id=employee.id, activity_id=activity_id, share_pct=share))
            counts.created += 1
            changed = True
        else:
            row_changed = assign(row, {"share_pct": share})
            tally(counts, row_changed)
            changed = changed or row_changed
    return changed
