"""Stina's price list: what a full-time student (HST) and a performance (HPR) bring per education area.

Stina has no machine transfer: the year's price list is loaded from a semicolon CSV file with
the header `year;area;name;price_per_hst;price_per_hpr;account` (prices in kronor with a
decimal comma, at most two decimals; `account` is the revenue account the area's revenue is
budgeted on). The file is checked whole, with line numbers, before anything is written; then
each year and area is upserted. Areas missing from the file stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from sqlmodel import Session, select

from planround.models import Account, AccountGroup, PriceList
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

PRICE_COLUMNS = ("year", "area", "name", "price_per_hst", "price_per_hpr", "account")
ORE = Decimal("0.01")
YEARS = range(2000, 2101)


@dataclass(frozen=True)
class AreaPrice:
    """One education area's prices in a year, as a template shows them."""

    area_code: str
    area_name: str
    price_per_hst: Decimal
    price_per_hpr: Decimal
    account_code: str


def load_price_list(session: Session, *, path: str | Path) -> LoadResult:
    """Check the whole price list file, then upsert each year and education area."""
    prices_file = read_csv(path, PRICE_COLUMNS)
    revenue_accounts = set(session.exec(select(Account.code).where(Account.group == AccountGroup.revenue)).all())
    wanted, problems = price_values(prices_file, revenue_accounts)
    reject_if(prices_file.problems + problems, prices_file)
    counts = TableCounts()
    existing = {(p.fiscal_year, p.area_code): p for p in session.exec(select(PriceList)).all()}
    for (year, area), values in wanted.items():
        if (year, area) in existing:
            tally(counts, assign(existing[(year, area)], values))
        else:
            session.add(PriceList(fiscal_year=year, area_code=area, **values))
            counts.created += 1
    session.flush()
    return LoadResult((prices_file.name,), len(prices_file.rows), {"price_list": counts})


def price_values(prices_file: CsvFile, revenue_accounts: set[str]) -> tuple[dict[tuple[int, str], dict], list[Problem]]:
    """Check each line of the price list and return the valid prices by (year, area)."""
    name, wanted, problems = prices_file.name, {}, []
    first = first_lines(prices_file.rows, lambda row: (row["year"], row["area"]))
    for row in prices_file.rows:
        found = check_fields(name, row, PRICE_COLUMNS, {"area": 16, "name": 200, "account": 16})
        if row["year"] and row["area"] and first[(row["year"], row["area"])] != row.line:
            found.append(problem("price_duplicate", name, row.line, year=row["year"], area=row["area"],
                                 first=first[(row["year"], row["area"])]))
        year = parse_year(name, row, found)
        prices = {column: parse_price(name, row, column, found) for column in ("price_per_hst", "price_per_hpr")}
        if row["account"] and row["account"] not in revenue_accounts:
            found.append(problem("price_account_not_revenue", name, row.line, account=row["account"]))
        problems += found
        if not found:
            wanted[(year, row["area"])] = {"area_name": row["name"], "account_code": row["account"], **prices}
    return wanted, problems


def parse_year(name: str, row: CsvRow, found: list[Problem]) -> int | None:
    """Return the line's year, or note why it is not one."""
    text = row["year"]
    if text and not (text.isdigit() and int(text) in YEARS):
        found.append(problem("price_year_invalid", name, row.line, year=text))
        return None
    return int(text) if text else None


def parse_price(name: str, row: CsvRow, column: str, found: list[Problem]) -> Decimal | None:
    """Return a price in kronor (decimal comma, not negative), or note why it is not one."""
    text = row[column]
    amount = parse_amount(text) if text else None
    if text and (amount is None or amount < 0):
        found.append(problem("price_invalid", name, row.line, column=column, value=text))
        return None
    return amount


def area_prices(session: Session, *, fiscal_year: int) -> list[AreaPrice]:
    """Return the year's price list by area code."""
    rows = session.exec(select(PriceList).where(PriceList.fiscal_year == fiscal_year)
                        .order_by(PriceList.area_code)).all()
    return [AreaPrice(p.area_code, p.area_name, p.price_per_hst, p.price_per_hpr, p.account_code) for p in rows]


def student_revenue(*, hst: Decimal, hpr: Decimal, price_per_hst: Decimal, price_per_hpr: Decimal) -> Decimal:
    """Return HST × price per HST + HPR × price per HPR, rounded half up to the öre."""
    return (hst * price_per_hst + hpr * price_per_hpr).quantize(ORE, rounding=ROUND_HALF_UP)
