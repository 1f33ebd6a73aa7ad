"""Write the fictional UBW actuals sample for 2025 and 2026 from activities.csv.

Run `python server/demo_data/make_ubw_sample.py` to regenerate ubw_actuals_2025_2026.csv; the
random generator is seeded, so the output is the same byte for byte on every run.
Amounts follow the planning sign convention: revenue and costs both positive, with a few
negative correction lines (rättelser) as a ledger has them.
"""

from __future__ import annotations

import csv
import random
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

HERE = Path(__file__).parent
OUTPUT = HERE / "ubw_actuals_2025_2026.csv"
# A later night's export: the first quarter of 2027, for the demo's forecast round.
OUTPUT_2027_Q1 = HERE / "ubw_actuals_2027_q1.csv"
YEARS = (2025, 2026)
ORE = Decimal("0.01")

# Share of a department's turnover planned on each activity category.
CATEGORY_WEIGHT = {"education": 45, "research": 25, "commissioned": 6, "support": 40, "project": 20}

# Revenue accounts per category, with their share of the activity's revenue.
REVENUE_SPLIT = {
    "education": {"3011": 95, "3190": 5},
    "research": {"3012": 97, "3190": 3},
    "external": {"3510": 50, "3520": 20, "3530": 30},
    "commissioned": {"3110": 80, "3120": 20},
    "support": {"3011": 50, "3012": 40, "3190": 10},
    "project": {"3011": 60, "3190": 40},
}

MAIN_SALARY = {"education": "4010", "research": "4020", "external": "4020", "commissioned": "4010",
               "support": "4030", "project": "4030"}

# Cost accounts every activity uses, and optional ones of which each activity draws four,
# as thousandths of the activity's cost.
ALWAYS = {"4510": 140, "4520": 60, "5010": 120, "5460": 30, "5610": 25, "6410": 50}
OPTIONAL = {"4110": 5, "4710": 5, "4910": 10, "5050": 15, "5060": 10, "5810": 10, "6110": 5,
            "6210": 8, "6540": 20, "6910": 10, "7830": 20, "8410": 1}
SALARY_SHARE = 450

# Fewer costs in the summer months; salaries and appropriations come evenly.
SEASON = [Decimal(x) for x in ("1.0", "1.1", "1.1", "1.0", "1.1", "0.9",
                               "0.3", "0.6", "1.2", "1.2", "1.2", "1.3")]
EVEN_ACCOUNTS = {"3011", "3012", "4010", "4020", "4030", "4510", "4520", "5010"}


def read_activities() -> dict[str, list[tuple[str, str]]]:
    """Return each department's activities as (code, kind) in file order."""
    departments: dict[str, list[tuple[str, str]]] = {}
    with open(HERE / "activities.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            kind = "external" if row["code"] == "EXT" else row["category"]
            departments.setdefault(row["unit"], []).append((row["code"], kind))
    return departments


def money(value: Decimal) -> Decimal:
    """Round to the öre the way the ledger does."""
    return value.quantize(ORE, rounding=ROUND_HALF_UP)


def swedish(amount: Decimal, rng: random.Random) -> str:
    """Format an amount as a Swedish Excel export would, sometimes with thousands spaces."""
    sign = "-" if amount < 0 else ""
    whole, _, ore = f"{abs(amount):.2f}".partition(".")
    roll = rng.random()
    if roll < 0.25:
        separator = " " if roll < 0.2 else "\u00a0"
        whole = f"{int(whole):,}".replace(",", separator)
    return f"{sign}{whole},{ore}"


def activity_budget(kind: str, turnover: Decimal, rng: random.Random) -> dict[str, Decimal]:
    """Return an activity's annual amount per account: revenue, then a plausible set of costs."""
    accounts = {code: turnover * share / 100 for code, share in REVENUE_SPLIT[kind].items()}
    # The listed shares cover about nine tenths of the cost; scale up to a near-balanced result.
    cost = turnover * Decimal(rng.uniform(1.03, 1.13))
    shares = dict(ALWAYS)
    shares[MAIN_SALARY[kind]] = SALARY_SHARE
    for code in rng.sample(sorted(OPTIONAL), 4):
        shares[code] = OPTIONAL[code]
    for code, share in shares.items():
        accounts[code] = cost * share / 1000
    return accounts


def month_amounts(account: str, annual: Decimal, rng: random.Random) -> list[Decimal]:
    """Spread an annual amount over twelve months with the season and some noise."""
    if account in EVEN_ACCOUNTS:
        weights = [Decimal(rng.uniform(0.97, 1.03)) for _ in range(12)]
    else:
        weights = [s * Decimal(rng.uniform(0.6, 1.4)) for s in SEASON]
    total = sum(weights)
    return [money(annual * w / total) for w in weights]


def department_lines(dept: str, activities, rng: random.Random) -> list[tuple]:
    """Return (period, account, department, activity, project, amount) lines for both years."""
    turnover = Decimal(rng.randint(10, 40) if dept.startswith("D9") else rng.randint(15, 78)) * 10**6
    weights = {code: CATEGORY_WEIGHT["research" if kind == "external" else kind]
               for code, kind in activities}
    lines = []
    for code, kind in activities:
        share = turnover * weights[code] / sum(weights.values())
        # External research is booked on projects; the rest has no project.
        projects = {f"P{dept[1:]}-01": Decimal("0.6"), f"P{dept[1:]}-02": Decimal("0.4")} \
            if kind == "external" else {"": Decimal(1)}
        for account, annual in activity_budget(kind, share, rng).items():
            for year_index, year in enumerate(YEARS):
                growth = Decimal("1.03") ** year_index
                for project, part in projects.items():
                    lines.extend(account_lines(year, account, dept, code, project,
                                               annual * growth * part, rng))
    return lines


def account_lines(year, account, dept, activity, project, annual, rng) -> list[tuple]:
    """Return a year's monthly lines for one account, now and then with a correction."""
    out = []
    for month, amount in enumerate(month_amounts(account, annual, rng), start=1):
        period = year * 100 + month
        out.append((period, account, dept, activity, project, amount))
        if not account.startswith(("3", "4")) and rng.random() < 0.02:
            out.append((period, account, dept, activity, project, -money(amount * Decimal("0.1"))))
    return out


def write_lines(path: Path, lines: list[tuple], rng: random.Random) -> None:
    """Write ledger lines in the UBW export format."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("period;account;department;activity;project;amount\n")
        for period, account, dept, activity, project, amount in lines:
            handle.write(f"{period};{account};{dept};{activity};{project};{swedish(amount, rng)}\n")


def next_quarter(lines: list[tuple], rng: random.Random) -> list[tuple]:
    """Return January to March 2027: the same months of 2026 grown by about three percent."""
    out = []
    for period, account, dept, activity, project, amount in lines:
        if period in (202601, 202602, 202603):
            grown = money(amount * Decimal("1.03") * Decimal(rng.uniform(0.95, 1.05)))
            out.append((period + 100, account, dept, activity, project, grown))
    return out


def main() -> None:
    """Write the sample files."""
    rng = random.Random(20250101)
    lines = []
    for dept, activities in sorted(read_activities().items()):
        lines.extend(department_lines(dept, activities, rng))
    lines.sort(key=lambda line: line[:5])
    write_lines(OUTPUT, lines, rng)
    later = random.Random(20270401)
    write_lines(OUTPUT_2027_Q1, next_quarter(lines, later), later)


if __name__ == "__main__":
    main()
