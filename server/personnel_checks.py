"""Checking a submitted Personal sheet and turning it into the budget's computed personnel lines.

Works on the rows `SubmittedFile.table` gives (no file access of its own beyond that call).
Every problem names the sheet and the cell. The staff rows' prefilled cells must be as issued;
planned rate (empty: the current rate), from month and to month (empty: 1 and 12) are typed.
A hire row needs a name or role, a planned rate, a monthly salary and shares adding up to 100.
The Budget rows of the computed accounts then get the server's figures (`personnel_costs`),
whatever their cells say: what is typed there is ignored.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from planround.models import DistributionKey
from planround.server import personnel_layout as pl
from planround.server.amounts import NotAnAmount, to_amount
from planround.server.checked_row import CheckedRow
from planround.server.errors import Problem, ValidationFailed
from planround.server.layout import Column, TemplateLayout, table_prefill
from planround.server.personnel_costs import PersonPlan, Rates, account_months, activity_costs
from planround.server.workbook import SubmittedFile, SubmittedTable

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def personnel_spec(personnel: dict[str, Any]) -> TemplateLayout:
    """Return the personnel table's layout for a department: the fixed columns and a share column per activity."""
    shares = tuple(Column(pl.share_key(code), pl.share_header(code), prefilled=True, number=True)
                   for code in personnel["activities"])
    return TemplateLayout("personnel", pl.PERSONNEL_SHEET, pl.PERSONNEL_TABLE, pl.PERSONNEL_COLUMNS + shares,
                          (), "annual_cost")


def read_personnel(source: SubmittedFile, prefill: list[dict[str, Any]]) -> SubmittedTable | None:
    """Read the Personal sheet's table when the template has one; its absence is a problem."""
    personnel = pl.personnel_prefill(prefill)
    if personnel is None:
        return None
    table = source.table(personnel_spec(personnel))
    if table is None:
        raise ValidationFailed(problems=[_table_missing()], count=1)
    return table


def _table_missing() -> Problem:
    return Problem("table_missing", {"table": pl.PERSONNEL_TABLE, "sheet": pl.PERSONNEL_SHEET},
                   sheet=pl.PERSONNEL_SHEET)


class _Row(CheckedRow):
    """One personnel row while it is checked: its numbers and months read as the sheet allows them."""

    __slots__ = ()

    def number(self, key: str, code: str, *, high: Decimal | None = None) -> Decimal | None:
        """Return the cell as a non-negative Decimal with at most two decimals (at most `high`), or None."""
        try:
            value = to_amount(self.value(key))
            valid = value is None or (value >= 0 and (high is None or value <= high))
        except NotAnAmount:
            value, valid = None, False
        if not valid:
            self.problem(key, code, value=_shown(self.value(key)))
            return None
        return value

    def month(self, key: str, default: int) -> int:
        """Return the cell as a month 1-12, `default` when empty."""
        value = self.value(key)
        if value is None:
            return default
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 12:
            self.problem(key, "personnel_month_invalid", value=_shown(value))
            return default
        return value


def _shown(value: Any) -> str:
    return "(tom)" if value is None else str(value)[:40]


def with_personnel(lines: list[Any], table: SubmittedTable | None, prefill: list[dict[str, Any]],
                   problems: list[Problem]) -> list[Any]:
    """Return the lines with the computed personnel accounts' amounts from the Personal sheet.

    `lines` are the validated Budget lines (`validation.LineDraft`); problems found in the
    sheet are added to `problems`. Without a Personal sheet in the template nothing changes.
    """
    personnel = pl.personnel_prefill(prefill)
    if personnel is None:
        return lines
    if table is None:
        problems.append(_table_missing())
        return lines
    people, found = check_people(table, personnel)
    problems.extend(found)
    if found:
        return lines
    rates = Rates(Decimal(personnel["lkp_pct"]), personnel["revision_month"], Decimal(personnel["revision_pct"]))
    months = account_months(activity_costs(people, rates), personnel["salary_accounts"], personnel["lkp_account"])
    last_year = {(e["activity"], e["account"]) for e in table_prefill(prefill) if e.get("last_year")}
    return computed_lines(lines, months, pl.computed_accounts(prefill), last_year)


def computed_lines(lines: list[Any], months: dict[tuple[str, str], tuple[Decimal, ...]],
                   computed: frozenset[str], last_year: set[tuple[str, str]]) -> list[Any]:
    """Give the computed accounts' lines the computed months; drop empty ones as empty typed rows are."""
    out = []
    for line in lines:
        pair = (line.activity_code, line.account_code)
        if line.account_code not in computed:
            out.append(line)
            continue
        values = months.get(pair, (ZERO,) * 12)
        annual = sum(values, ZERO)
        if annual == ZERO and not line.comment and pair not in last_year:
            continue
        out.append(line.with_amounts(DistributionKey.own, annual, tuple(values)))
    return out


def check_people(table: SubmittedTable, personnel: dict[str, Any]) -> tuple[list[PersonPlan], list[Problem]]:
    """Return everyone planned on the sheet, staff then hires, or the problems found."""
    staff = personnel["staff"]
    if len(table.rows) < len(staff):
        return [], [Problem("personnel_rows_removed", {"found": len(table.rows), "expected": len(staff)},
                            sheet=table.sheet)]
    people, problems = [], []
    for offset, source in enumerate(table.rows):
        row = _Row(table.sheet, source)
        person = (check_staff_row(row, staff[offset]) if offset < len(staff)
                  else check_hire_row(row, personnel["activities"]))
        problems.extend(row.problems)
        if person is not None and not row.problems:
            people.append(person)
    return people, problems


def check_staff_row(row: _Row, expected: dict[str, Any]) -> PersonPlan | None:
    """Check an employee's row: prefilled cells as issued, planned rate and months as typed."""
    shares = {code: Decimal(share) for code, share in expected["shares"].items()}
    _check_prefilled(row, expected, shares)
    planned = row.number("planned_rate", "personnel_rate_cell_invalid", high=HUNDRED)
    rate = planned if planned is not None else Decimal(expected["rate"])
    start, end = _months(row)
    return PersonPlan(Decimal(expected["salary"]), rate, shares, start, end)


def _check_prefilled(row: _Row, expected: dict[str, Any], shares: dict[str, Decimal]) -> None:
    """Name every prefilled cell of an employee's row that is no longer what the template said."""
    for key in ("employee_number", "name", "position"):
        found = row.value(key)
        text = str(int(found)) if isinstance(found, float) and found.is_integer() else found
        if (None if text is None else str(text).strip()) != expected[key]:
            row.problem(key, "prefilled_changed", expected=expected[key], found=_shown(found))
    amounts = {"rate": Decimal(expected["rate"]), "salary": Decimal(expected["salary"]),
               **{key: shares.get(key[len(pl.SHARE_PREFIX):]) for key in row.source.values
                  if key.startswith(pl.SHARE_PREFIX)}}
    for key, want in amounts.items():
        try:
            found_amount = to_amount(row.value(key))
        except NotAnAmount:
            found_amount = None if want is not None else Decimal(-1)
        if found_amount != want:
            row.problem(key, "prefilled_changed", expected="(tom)" if want is None else str(want),
                        found=_shown(row.value(key)))


def _months(row: _Row) -> tuple[int, int]:
    """Return the row's from and to months (1 and 12 when empty); from after to is a problem."""
    start, end = row.month("start", 1), row.month("end", 12)
    if start > end:
        row.problem("end", "personnel_months_order", start=start, end=end)
    return start, end


def check_hire_row(row: _Row, activities: list[str]) -> PersonPlan | None:
    """Check a planned hire's row; return None when it is empty."""
    keys = ("name", "position", "salary", "planned_rate", "start", "end", *map(pl.share_key, activities))
    if all(row.value(key) is None for key in keys):
        return None
    salary = row.number("salary", "personnel_salary_cell_invalid")
    rate = row.number("planned_rate", "personnel_rate_cell_invalid", high=HUNDRED)
    for key, value in (("name", row.value("name")), ("salary", salary), ("planned_rate", rate)):
        if value is None and not any(p.cell == row.source.cells.get(key) for p in row.problems):
            row.problem(key, "personnel_hire_missing", column=pl.PERSONNEL_BY_KEY[key].header)
    before = len(row.problems)
    shares = {code: row.number(pl.share_key(code), "personnel_share_cell_invalid", high=HUNDRED)
              for code in activities}
    given = {code: share for code, share in shares.items() if share}
    total = sum(given.values(), ZERO)
    if total != HUNDRED and len(row.problems) == before:  # a share that is no number is reported already
        row.problem(pl.share_key(activities[0]) if activities else "name", "personnel_hire_shares_sum",
                    total=format(total.normalize(), "f").replace(".", ","))
    start, end = _months(row)
    if row.problems or salary is None or rate is None:
        return None
    return PersonPlan(salary, rate, given, start, end)
