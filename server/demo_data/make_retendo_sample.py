"""Write the fictional Retendo sample, retendo_2027.xlsx, and the course mapping, course_activities.csv.

Run `python server/demo_data/make_retendo_sample.py` to regenerate both; the random generator
is seeded, so the rows are the same on every run. The teachers are the Primula sample's
(personnel.csv) employees funded on a department's education (GRU) or commissioned education
(UPP), each planned on one to three of the department's courses. Most rows carry the employee
number; some only the name, as Retendo exports a teacher without one. Two rows do not map, so
the import's report has something to show: a visiting lecturer who is not in Primula, and a
course that is in no activity's mapping.
"""

from __future__ import annotations

import csv
import random
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

HERE = Path(__file__).parent
OUTPUT = HERE / "retendo_2027.xlsx"
COURSES_OUTPUT = HERE / "course_activities.csv"
HEADERS = ("Institution", "Lärare", "Anställningsnummer", "Kurskod", "Aktivitet", "Planerade timmar",
           "Andel av heltid")
KINDS = ("Föreläsning", "Seminarium", "Laboration", "Handledning", "Examination", "Kursansvar")
FULL_TIME_HOURS = Decimal(1700)  # a year's working hours at full time
# Course code prefixes per department; three courses on GRU, one on UPP where the department has it.
PREFIX = {"D110": "MA", "D120": "FY", "D130": "KE", "D140": "BI", "D150": "DV", "D210": "SP",
          "D220": "HI", "D230": "EK", "D240": "PE"}
UNMAPPED = [("D110", "Vera Gästlärare", None, "MA1001", "Föreläsning", 24),  # not in Primula
            ("D120", None, None, "FY9999", "Seminarium", 16)]  # a course without mapping; teacher filled below


def read_csv(name: str) -> list[dict[str, str]]:
    """Return the rows of a demo CSV file."""
    with open(HERE / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def courses() -> dict[tuple[str, str], list[str]]:
    """Return each department's course codes per activity (GRU, UPP)."""
    activities = {(row["unit"], row["code"]) for row in read_csv("activities.csv")}
    found: dict[tuple[str, str], list[str]] = {}
    for unit, prefix in PREFIX.items():
        found[(unit, "GRU")] = [f"{prefix}1001", f"{prefix}1002", f"{prefix}2001"]
        if (unit, "UPP") in activities:
            found[(unit, "UPP")] = [f"{prefix}U101"]
    return found


def teacher_rows(rng: random.Random, plan: dict[tuple[str, str], list[str]]) -> list[tuple]:
    """Return one to three rows per teacher funded on GRU or UPP, on that activity's courses."""
    rows = []
    for person in read_csv("personnel.csv"):
        unit, funding = person["department"], dict(p.split(":") for p in person["funding"].split("|"))
        for activity in ("GRU", "UPP"):
            if activity not in funding or (unit, activity) not in plan:
                continue
            number = person["employee_number"] if rng.random() < 0.8 else None
            for course in rng.sample(plan[(unit, activity)], k=min(len(plan[(unit, activity)]), rng.randint(1, 3))):
                hours = rng.randint(8, 120) * 2 + rng.choice((0, 0.5))
                rows.append((unit, person["name"], number, course, rng.choice(KINDS), hours))
    return rows


def write_workbook(rows: list[tuple]) -> None:
    """Write the rows as Retendo exports them: a header row, then one row per teacher and course."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Bemanning"
    ws.append(HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for unit, teacher, number, course, kind, hours in rows:
        share = (Decimal(str(hours)) / FULL_TIME_HOURS).quantize(Decimal("0.0001"))
        ws.append((unit, teacher, number, course, kind, hours, float(share)))
        ws.cell(ws.max_row, 7).number_format = "0.00%"
    for letter, width in zip("ABCDEFG", (12, 24, 20, 10, 14, 16, 16)):
        ws.column_dimensions[letter].width = width
    wb.properties.creator = "Retendo"
    wb.save(OUTPUT)


def write_courses(plan: dict[tuple[str, str], list[str]]) -> None:
    """Write which activity each course is planned on."""
    with open(COURSES_OUTPUT, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(("unit", "course", "activity"))
        for (unit, activity), codes in sorted(plan.items()):
            writer.writerows((unit, code, activity) for code in codes)


def main() -> None:
    """Write both files."""
    rng = random.Random(2027)
    plan = courses()
    rows = teacher_rows(rng, plan)
    d120 = next(row for row in rows if row[0] == "D120")
    rows += [UNMAPPED[0], (*UNMAPPED[1][:1], d120[1], d120[2], *UNMAPPED[1][3:])]
    write_workbook(sorted(rows, key=lambda r: (r[0], r[1], r[3])))
    write_courses(plan)
    print(OUTPUT, COURSES_OUTPUT, f"{len(rows)} rader")


if __name__ == "__main__":
    main()
