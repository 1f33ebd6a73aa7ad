"""Import the teaching-staff plan Retendo exports as an xlsx file (no machine transfer).

The export's first sheet has a header row (the first non-empty row) with the columns
Institution, Lärare, Anställningsnummer (optional), Kurskod, Aktivitet, Planerade timmar and
Andel av heltid (a fraction, as a cell formatted in percent holds it), then one row per
teacher, course and kind of teaching. The file comes from outside and is treated as hostile:
its size is capped, only cached values are read (python-calamine, no formula is evaluated),
and every row is checked; any bad cell refuses the whole file, naming sheet and cell.

Each row is then mapped: the teacher to an employee (Primula) by employee number when the
row has one, else by name within the department; the course to one of the department's
activities through `CourseActivity`, loaded from a semicolon file `unit;course;activity`
(`load_course_activities`, checked whole like the other reference files). A row that does not map is stored with the mapping left
empty and listed in the import's report, never dropped. The file replaces the staffing of
the fiscal year for the departments it names.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter
from sqlalchemy import delete, insert
from sqlmodel import Session, select

from planround.models import Activity, CourseActivity, Employee, OrgUnit, StaffingLine, UnitKind
from planround.server.errors import Problem, ValidationFailed
from planround.server.messages import render
from planround.server.reference import (
    CsvFile,
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
from planround.server.workbook import CellError, PlainSheet, read_first_sheet

COURSE_COLUMNS = ("unit", "course", "activity")
MAX_BYTES = 10 * 1024 * 1024  # a department's export is a few hundred kilobytes
MAX_ROWS = 20_000
MAX_COLS = 60
MAX_PROBLEMS = 200
MAX_HOURS = Decimal("10000")
HEADERS = {"unit": "Institution", "teacher": "Lärare", "employee_number": "Anställningsnummer",
           "course": "Kurskod", "activity": "Aktivitet", "hours": "Planerade timmar",
           "share": "Andel av heltid"}
OPTIONAL = {"employee_number"}
TEXT_LIMITS = {"unit": 32, "teacher": 200, "employee_number": 32, "course": 32, "activity": 100}
HUNDREDTH, TEN_THOUSANDTH = Decimal("0.01"), Decimal("0.0001")


@dataclass
class RetendoRow:
    """One valid row of the export, with its mapping once made."""

    row: int
    values: dict[str, Any]
    unit_id: int
    employee_number: str | None = None
    activity_id: int | None = None
    reasons: list[str] = field(default_factory=list)  # why the row did not map: message codes


@dataclass(frozen=True)
class UnmappedRow:
    """A row of the export that did not map, as the report lists it."""

    sheet: str
    row: int
    unit: str
    teacher: str
    employee_number: str | None
    course: str
    reasons: tuple[str, ...]

    def reason_text(self, lang: str = "sv") -> str:
        """Return why the row did not map, in words."""
        params = {"teacher": self.teacher, "number": self.employee_number or "", "course": self.course,
                  "unit": self.unit}
        return "; ".join(render(reason, lang, **params) for reason in self.reasons)


@dataclass
class RetendoImportResult:
    """What an import did: rows read and stored, the departments replaced, the rows that did not map."""

    file: str
    sheet: str
    rows: int
    units: tuple[str, ...]
    replaced: int
    unmapped: list[UnmappedRow]

    def summary(self, lang: str = "sv") -> str:
        """Return one line saying what the import did."""
        return render("retendo_result", lang, file=self.file, rows=self.rows, units=", ".join(self.units),
                      replaced=self.replaced, unmapped=len(self.unmapped))

    __str__ = summary


def load_course_activities(session: Session, *, path: str | Path) -> LoadResult:
    """Check the whole course mapping file (unit;course;activity), then upsert each unit and course."""
    courses_file = read_csv(path, COURSE_COLUMNS)
    activities = {(unit, code): (unit_id, activity_id) for unit, unit_id, code, activity_id in session.exec(
        select(OrgUnit.code, OrgUnit.id, Activity.code, Activity.id).join(Activity, Activity.unit_id == OrgUnit.id))}
    wanted, problems = course_values(courses_file, activities)
    reject_if(courses_file.problems + problems, courses_file)
    counts = TableCounts()
    existing = {(m.unit_id, m.course_code): m for m in session.exec(select(CourseActivity))}
    for (unit_id, course), activity_id in wanted.items():
        if (unit_id, course) in existing:
            tally(counts, assign(existing[(unit_id, course)], {"activity_id": activity_id}))
        else:
            session.add(CourseActivity(unit_id=unit_id, course_code=course, activity_id=activity_id))
            counts.created += 1
    session.flush()
    return LoadResult((courses_file.name,), len(courses_file.rows), {"course_activity": counts})


def course_values(courses_file: CsvFile, activities: dict[tuple[str, str], tuple[int, int]]
                  ) -> tuple[dict[tuple[int, str], int], list[Problem]]:
    """Check each line of the course mapping and return the activity of each (unit, course)."""
    name, wanted, problems = courses_file.name, {}, []
    first = first_lines(courses_file.rows, lambda row: (row["unit"], row["course"]))
    for row in courses_file.rows:
        found = check_fields(name, row, COURSE_COLUMNS, {"course": 32})
        if row["unit"] and row["course"] and first[(row["unit"], row["course"])] != row.line:
            found.append(problem("course_duplicate", name, row.line, unit=row["unit"], course=row["course"],
                                 first=first[(row["unit"], row["course"])]))
        target = activities.get((row["unit"], row["activity"]))
        if row["unit"] and row["activity"] and target is None:
            found.append(problem("course_activity_unknown", name, row.line, unit=row["unit"],
                                 activity=row["activity"]))
        problems += found
        if not found:
            wanted[(target[0], row["course"])] = target[1]
    return wanted, problems


def import_retendo(session: Session, *, path: str | Path, fiscal_year: int) -> RetendoImportResult:
    """Check a Retendo export whole, map its rows and replace the year's staffing of its departments."""
    path = Path(path)
    sheet = read_export(path)
    units = {u.code: u.id for u in session.exec(select(OrgUnit).where(OrgUnit.kind == UnitKind.department))}
    rows = checked_rows(path.name, sheet, units)
    map_teachers(session, rows)
    map_courses(session, rows)
    unit_ids = sorted({r.unit_id for r in rows})
    replaced = session.execute(delete(StaffingLine).where(
        StaffingLine.fiscal_year == fiscal_year, StaffingLine.unit_id.in_(unit_ids))).rowcount if unit_ids else 0
    if rows:
        session.execute(insert(StaffingLine), [stored_values(r, fiscal_year, path.name) for r in rows])
    session.flush()
    codes = {unit_id: code for code, unit_id in units.items()}
    unmapped = [unmapped_row(sheet.name, r) for r in rows if r.reasons]
    return RetendoImportResult(path.name, sheet.name, len(rows), tuple(codes[i] for i in unit_ids), replaced,
                               unmapped)


def read_export(path: Path) -> PlainSheet:
    """Read the export's first sheet, refusing a file too large to be one."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ValidationFailed("retendo_too_large", file=path.name, size=size, limit=MAX_BYTES)
        content = path.read_bytes()
    except OSError as exc:
        raise ValidationFailed("retendo_failed", problems=[Problem(
            "file_unreadable", {"file": path.name, "detail": exc.strerror})], file=path.name, count=1) from None
    return read_first_sheet(content, max_rows=MAX_ROWS, max_cols=MAX_COLS)


def checked_rows(name: str, sheet: PlainSheet, units: dict[str, int]) -> list[RetendoRow]:
    """Check every data row of the sheet; refuse the file naming each bad cell."""
    header_at = next((i for i, row in enumerate(sheet.rows) if any(v is not None for v in row)), None)
    columns, problems = header_columns(sheet, header_at)
    rows: list[RetendoRow] = []
    for index in range(header_at + 1 if header_at is not None else 0, len(sheet.rows)):
        values = sheet.rows[index]
        if columns and any(v is not None for v in values):
            row, found = checked_row(sheet.name, index + 1, values, columns, units)
            problems += found
            if row is not None:
                rows.append(row)
    if problems:
        shown = problems[:MAX_PROBLEMS]
        raise ValidationFailed("retendo_failed", problems=shown, file=name, count=len(problems))
    return rows


def header_columns(sheet: PlainSheet, header_at: int | None) -> tuple[dict[str, int], list[Problem]]:
    """Map each column key to its 0-based column by the header text, or name what is missing."""
    if header_at is None:
        return {}, [Problem("retendo_empty", {"sheet": sheet.name}, sheet=sheet.name, cell="A1")]
    found = {str(v).strip().casefold(): col for col, v in enumerate(sheet.rows[header_at]) if v is not None}
    columns = {key: found[header.casefold()] for key, header in HEADERS.items() if header.casefold() in found}
    missing = [header for key, header in HEADERS.items() if key not in columns and key not in OPTIONAL]
    if not missing:
        return columns, []
    problem = Problem("retendo_columns_missing", {"missing": ", ".join(missing), "row": header_at + 1,
                                                  "expected": ", ".join(HEADERS.values())},
                      sheet=sheet.name, cell=f"A{header_at + 1}")
    return {}, [problem]


def checked_row(sheet: str, row: int, values: list[Any], columns: dict[str, int],
                units: dict[str, int]) -> tuple[RetendoRow | None, list[Problem]]:
    """Check one row's cells; return the row and the problems, each naming its cell."""
    cells = {key: f"{get_column_letter(col + 1)}{row}" for key, col in columns.items()}
    raw = {key: values[col] if col < len(values) else None for key, col in columns.items()}
    problems: list[Problem] = []

    def bad(key: str, code: str, **params: Any) -> None:
        problems.append(Problem(code, {"column": HEADERS[key], "value": shown(raw.get(key)), **params},
                                sheet=sheet, cell=cells[key]))

    checked = {key: text_cell(raw[key], key, bad) for key in TEXT_LIMITS if key in columns}
    checked["hours"] = number_cell(raw["hours"], HUNDREDTH, Decimal(0), MAX_HOURS)
    checked["share"] = number_cell(raw["share"], TEN_THOUSANDTH, TEN_THOUSANDTH, Decimal(1))
    if checked["hours"] is None:
        bad("hours", "retendo_hours_invalid", limit=MAX_HOURS)
    if checked["share"] is None:
        bad("share", "retendo_share_invalid")
    unit_id = units.get(checked.get("unit") or "")
    if checked.get("unit") and unit_id is None:
        bad("unit", "retendo_unit_unknown")
    if problems:
        return None, problems
    return RetendoRow(row, checked, unit_id), []


def text_cell(value: Any, key: str, bad) -> str | None:
    """Return a text cell's text (a whole number typed as a number reads as its digits), or note why not."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = None if value is None or isinstance(value, CellError) else str(value).strip() or None
    if isinstance(value, CellError):
        bad(key, "retendo_cell_error")
    elif text is None and key not in OPTIONAL:
        bad(key, "retendo_field_required")
    elif text is not None and len(text) > TEXT_LIMITS[key]:
        bad(key, "retendo_field_too_long", limit=TEXT_LIMITS[key])
    return text


def number_cell(value: Any, step: Decimal, least: Decimal, most: Decimal) -> Decimal | None:
    """Return a number cell exactly, in steps of `step` and within bounds; None when it is not one."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None  # text, dates, error values and empty cells are no numbers
    if isinstance(value, float) and not math.isfinite(value):
        return None
    # repr gives the shortest text that reads back as the same double: what was typed.
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if number != number.quantize(step) or not least <= number <= most:
        return None
    return number


def map_teachers(session: Session, rows: list[RetendoRow]) -> None:
    """Match each teacher to an employee: by employee number when given, else by name in the department."""
    employees = session.exec(select(Employee)).all()
    by_number = {e.employee_number: e for e in employees}
    by_name: dict[tuple[int, str], list[Employee]] = {}
    for employee in employees:
        by_name.setdefault((employee.unit_id, employee.name.strip().casefold()), []).append(employee)
    for row in rows:
        number = row.values.get("employee_number")
        if number is not None:
            match = [by_number[number]] if number in by_number else []
            reason = "retendo_employee_unknown"
        else:
            match = by_name.get((row.unit_id, row.values["teacher"].casefold()), [])
            reason = "retendo_teacher_unknown" if not match else "retendo_teacher_ambiguous"
        if len(match) == 1:
            row.employee_number = match[0].employee_number
        else:
            row.reasons.append(reason)


def map_courses(session: Session, rows: list[RetendoRow]) -> None:
    """Find each course's activity in the department through the course mapping."""
    mapping = {(m.unit_id, m.course_code): m.activity_id for m in session.exec(select(CourseActivity))}
    for row in rows:
        row.activity_id = mapping.get((row.unit_id, row.values["course"]))
        if row.activity_id is None:
            row.reasons.append("retendo_course_unmapped")


def stored_values(row: RetendoRow, fiscal_year: int, file: str) -> dict[str, Any]:
    """Return the staffing line of a row, its mapping empty where none was found."""
    return {"fiscal_year": fiscal_year, "unit_id": row.unit_id, "teacher_name": row.values["teacher"],
            "employee_number": row.employee_number, "course_code": row.values["course"],
            "retendo_activity": row.values["activity"], "activity_id": row.activity_id,
            "planned_hours": row.values["hours"], "share_pct": row.values["share"] * 100,
            "source_file": file[:255], "source_row": row.row}


def unmapped_row(sheet: str, row: RetendoRow) -> UnmappedRow:
    """Return how the report lists a row that did not map."""
    values = row.values
    return UnmappedRow(sheet, row.row, values["unit"], values["teacher"], values.get("employee_number"),
                       values["course"], tuple(row.reasons))


def write_report(result: RetendoImportResult, path: str | Path, lang: str = "sv") -> Path:
    """Write the rows that did not map as a semicolon CSV file that Swedish Excel opens."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(("sheet", "row", "unit", "teacher", "employee_number", "course", "reason"))
        for r in result.unmapped:
            writer.writerow((r.sheet, r.row, r.unit, r.teacher, r.employee_number or "", r.course,
                             r.reason_text(lang)))
    return path


def shown(value: Any) -> str:
    """Return a cell's value as an error message shows it."""
    if value is None:
        return "(tom)"
    return value.text if isinstance(value, CellError) else str(value)[:40]
