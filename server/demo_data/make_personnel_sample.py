"""Write the fictional Primula personnel sample, personnel.csv, from activities.csv.

Run `python server/demo_data/make_personnel_sample.py` to regenerate it; the random generator is
seeded, so the output is the same byte for byte on every run. Names are random pairs of common
Swedish first names and surnames: fictional people. Every department gets 5-15 employees
(more where the ledger books more salaries), monthly salaries of 30-70 thousand kronor, and
a funding split over its own activities that adds up to 100.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

HERE = Path(__file__).parent
OUTPUT = HERE / "personnel.csv"
HEADCOUNT = {"D110": 13, "D120": 12, "D130": 7, "D140": 15, "D150": 8, "D210": 8, "D220": 14,
             "D230": 5, "D240": 14, "D910": 5, "D920": 8, "D930": 6, "D940": 7}
FIRST = ("Anna", "Erik", "Maria", "Lars", "Karin", "Anders", "Eva", "Johan", "Sara", "Per", "Lena", "Mikael",
         "Emma", "Nils", "Ida", "Olof", "Sofia", "Henrik", "Elin", "Gustav", "Maja", "Fredrik", "Linnea",
         "Oskar", "Hanna", "Viktor", "Frida", "Magnus", "Tove", "Jakob", "Agnes", "Daniel", "Klara", "Axel")
LAST = ("Lindqvist", "Ekström", "Holmberg", "Sandell", "Berglund", "Nyström", "Åkesson", "Forsberg",
        "Hedlund", "Sjöberg", "Lundmark", "Wallin", "Engström", "Björk", "Dahlgren", "Falk", "Norling",
        "Öberg", "Strand", "Hellström", "Blom", "Lindahl", "Mattsson", "Ström", "Viklund", "Granath")
# Positions and how their salary is split, per kind of department: (position, salary range, splits).
FACULTY = (
    ("Professor", (58000, 70000), ("GRU:30|FOR:50|EXT:20", "FOR:60|EXT:40")),
    ("Universitetslektor", (44000, 56000), ("GRU:70|FOR:30", "GRU:60|FOR:20|EXT:20", "GRU:100")),
    ("Adjunkt", (36000, 44000), ("GRU:100", "GRU:80|UPP:20")),
    ("Forskare", (40000, 52000), ("EXT:100", "FOR:50|EXT:50")),
    ("Doktorand", (30000, 35000), ("FOR:80|GRU:20", "EXT:100")),
    ("Administratör", (32000, 40000), ("GRU:50|FOR:50", "GRU:60|FOR:40")),
)
OFFICE = (
    ("Avdelningschef", (60000, 70000), ("STOD:100",)),
    ("Handläggare", (34000, 44000), ("STOD:100", "STOD:80|PRJ:20")),
    ("Specialist", (42000, 54000), ("STOD:60|PRJ:40", "STOD:100")),
    ("Projektledare", (46000, 56000), ("PRJ:100", "STOD:30|PRJ:70")),
)
RATES = ("100", "100", "100", "100", "80", "75", "50", "37,5")


def read_activities() -> dict[str, list[str]]:
    """Return each department's activity codes in file order."""
    departments: dict[str, list[str]] = {}
    with open(HERE / "activities.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            departments.setdefault(row["unit"], []).append(row["code"])
    return departments


def funding_for(split: str, codes: list[str]) -> str:
    """Map a split pattern onto the department's activities: office patterns take its first two."""
    names = {"STOD": codes[0], "PRJ": codes[-1]} if "GRU" not in codes else {c: c for c in codes}
    parts = [part.split(":") for part in split.split("|")]
    if any(names.get(code) not in codes for code, _ in parts):
        return f"{codes[0]}:100"  # a department without UPP keeps a teacher's salary on GRU
    return "|".join(f"{names[code]}:{share}" for code, share in parts)


def people(rng: random.Random, unit: str, codes: list[str], start: int, taken: set[str]) -> list[list[str]]:
    """Return a department's employees as file lines, with names not `taken` before."""
    kinds = FACULTY if "GRU" in codes else OFFICE
    lines = []
    for offset in range(HEADCOUNT[unit]):
        position, (low, high), splits = kinds[0] if offset == 0 else rng.choice(kinds[1:])
        salary = rng.randrange(low, high, 100)
        shown = f"{salary // 1000} {salary % 1000:03d},00" if rng.random() < 0.5 else f"{salary},00"
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        while name in taken:
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        taken.add(name)
        lines.append([str(start + offset), name, unit, position, rng.choice(RATES), shown,
                      funding_for(rng.choice(splits), codes)])
    return lines


def main() -> None:
    """Write personnel.csv."""
    rng = random.Random(2027)
    rows = [["employee_number", "name", "department", "position", "employment_rate", "monthly_salary", "funding"]]
    taken: set[str] = set()
    for index, (unit, codes) in enumerate(sorted(read_activities().items())):
        rows += people(rng, unit, codes, 100001 + index * 100, taken)
    with open(OUTPUT, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=";", lineterminator="\n").writerows(rows)


if __name__ == "__main__":
    main()
