"""Personnel costs of a budget year, computed on the server from the Personal sheet.

Per person, activity and month of the year, inside the months the person is employed:

    salary = monthly salary × planned rate/100 × share/100 × (1 + revision/100 from the revision month on)
    LKP    = salary (as rounded) × LKP/100

Each monthly amount is rounded to the öre once (half up), from exact Decimal arithmetic;
sums over people, months and the year are then exact. Salaries go to the salary account of
the activity's category and LKP to the LKP account (`ACCOUNTS`, the one place that maps them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

ORE = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
MONTHS = range(1, 13)


@dataclass(frozen=True)
class PersonnelAccounts:
    """Where computed personnel costs are booked: a salary account per activity category, and LKP."""

    salary: dict[str, str]  # activity category -> salary account
    lkp: str

    @property
    def all(self) -> frozenset[str]:
        """Return every account the computation owns: their budget rows are computed, not typed."""
        return frozenset({*self.salary.values(), self.lkp})


# The demo chart (server/demo_data/accounts.csv), as the ledger books salaries: teaching on 4010,
# research on 4020, technical and administrative staff on 4030; LKP on 4610 Lönekostnadspålägg.
ACCOUNTS = PersonnelAccounts(
    salary={"education": "4010", "commissioned": "4010", "research": "4020",
            "support": "4030", "project": "4030"},
    lkp="4610",
)


@dataclass(frozen=True)
class Rates:
    """The round's rates: LKP percentage, and the salary revision's month (1-12) and percentage."""

    lkp_pct: Decimal
    revision_month: int
    revision_pct: Decimal


@dataclass(frozen=True)
class PersonPlan:
    """One person as planned for the year: salary at full time, planned rate, months, split."""

    monthly_salary: Decimal
    rate_pct: Decimal
    shares: dict[str, Decimal]  # activity code -> percent of the salary
    start_month: int = 1
    end_month: int = 12


@dataclass
class ActivityCost:
    """An activity's personnel cost by month: salaries and LKP, each twelve exact amounts."""

    salary: list[Decimal] = field(default_factory=lambda: [ZERO] * 12)
    lkp: list[Decimal] = field(default_factory=lambda: [ZERO] * 12)

    @property
    def salary_total(self) -> Decimal:
        return sum(self.salary, ZERO)

    @property
    def lkp_total(self) -> Decimal:
        return sum(self.lkp, ZERO)


def to_ore(amount: Decimal) -> Decimal:
    """Round an exact amount to the öre, half up, as a payroll does."""
    return amount.quantize(ORE, rounding=ROUND_HALF_UP)


def monthly_salary_cost(person: PersonPlan, share: Decimal, month: int, rates: Rates) -> Decimal:
    """Return the person's salary cost on one share in one month, rounded to the öre."""
    if not person.start_month <= month <= person.end_month:
        return ZERO
    exact = person.monthly_salary * person.rate_pct / HUNDRED * share / HUNDRED
    if month >= rates.revision_month:
        exact *= 1 + rates.revision_pct / HUNDRED
    return to_ore(exact)


def person_costs(person: PersonPlan, rates: Rates) -> dict[str, ActivityCost]:
    """Return one person's monthly salary and LKP per activity."""
    costs: dict[str, ActivityCost] = {}
    for activity, share in person.shares.items():
        cost = costs.setdefault(activity, ActivityCost())
        for month in MONTHS:
            salary = monthly_salary_cost(person, share, month, rates)
            cost.salary[month - 1] += salary
            cost.lkp[month - 1] += to_ore(salary * rates.lkp_pct / HUNDRED)
    return costs


def activity_costs(people: list[PersonPlan], rates: Rates) -> dict[str, ActivityCost]:
    """Return the monthly personnel cost per activity over everyone, summed exactly."""
    totals: dict[str, ActivityCost] = {}
    for person in people:
        for activity, cost in person_costs(person, rates).items():
            total = totals.setdefault(activity, ActivityCost())
            total.salary = [a + b for a, b in zip(total.salary, cost.salary)]
            total.lkp = [a + b for a, b in zip(total.lkp, cost.lkp)]
    return totals


def account_months(costs: dict[str, ActivityCost], salary_accounts: dict[str, str],
                   lkp_account: str) -> dict[tuple[str, str], tuple[Decimal, ...]]:
    """Return the months of each (activity, account) line the costs book: its salary account and LKP."""
    lines: dict[tuple[str, str], tuple[Decimal, ...]] = {}
    for activity, cost in costs.items():
        lines[(activity, salary_accounts[activity])] = tuple(cost.salary)
        lines[(activity, lkp_account)] = tuple(cost.lkp)
    return lines
