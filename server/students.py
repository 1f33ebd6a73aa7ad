"""Student revenue on submission: read the Studenter sheet, check it, compute the revenue, store it.

Per education area, revenue = HST × price per HST + HPR × price per HPR at the prices the
template was issued with, rounded half up to the öre. HST and HPR are non-negative numbers
with at most two decimals (12,5 HST); an empty cell counts as 0.

The revenue of each area's account (3011 in the demo's price list) goes on the department's
education activity: when the economist left that line of the Budget sheet empty (no annual
amount, no months), the server fills it in before the Budget sheet is checked, so it is
spread, compared with last year and stored like any typed line. When the line holds an
amount, it must equal the computed revenue: a different amount is an error, since the
revenue would otherwise be counted twice or not at all. Without any HST or HPR the line is
the economist's to plan by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from planround.models import StudentPlanLine, Submission, TemplateIssue
from planround.server import layout
from planround.server.amounts import NotAnAmount, format_sek, text_amount, to_amount
from planround.server.errors import Problem
from planround.server.stina import student_revenue
from planround.server.students_sheet import PREFILL_KEY, STUDENT_COLUMNS, STUDENTS, STUDENTS_SHEET
from planround.server.workbook import SheetRow, SubmittedFile, SubmittedWorkbook

ZERO = Decimal("0.00")
HEADER = {c.key: c.header for c in STUDENT_COLUMNS}


@dataclass(frozen=True)
class StudentDraft:
    """One education area as submitted, with its revenue."""

    area: str
    hst: Decimal
    hpr: Decimal
    price_per_hst: Decimal
    price_per_hpr: Decimal
    account: str
    revenue: Decimal


@dataclass
class StudentPlan:
    """What the Studenter sheet says: the areas with input, and what is wrong with it."""

    activity: str | None = None
    drafts: list[StudentDraft] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def revenue_by_account(self) -> dict[str, Decimal]:
        """Return the computed revenue per account, leaving out accounts with none."""
        totals: dict[str, Decimal] = {}
        for draft in self.drafts:
            totals[draft.account] = totals.get(draft.account, ZERO) + draft.revenue
        return {account: total for account, total in totals.items() if total}


def issued_areas(issue: TemplateIssue) -> dict[str, Any] | None:
    """Return the Studenter part of the issue's prefill, None when the template had no areas."""
    return next((e[PREFILL_KEY] for e in issue.prefill if PREFILL_KEY in e and "row" not in e), None)


def read_student_plan(source: SubmittedFile, workbook: SubmittedWorkbook, issue: TemplateIssue) -> StudentPlan:
    """Check the Studenter sheet against what was issued and put its revenue on the Budget sheet."""
    issued = issued_areas(issue)
    if issued is None:
        return StudentPlan()
    plan = StudentPlan(issued["activity"])
    table = source.table(STUDENTS)
    if table is None:
        plan.problems.append(Problem("table_missing", {"table": STUDENTS.table, "sheet": STUDENTS_SHEET},
                                     sheet=STUDENTS_SHEET))
        return plan
    check_rows(plan, table.sheet, table.rows, issued["areas"])
    if not plan.problems:
        fill_budget_lines(plan, workbook, layout.table_prefill(issue.prefill))
    return plan


def check_rows(plan: StudentPlan, sheet: str, rows: list[SheetRow], areas: list[dict[str, str]]) -> None:
    """Check every row: prefilled cells unchanged, counts non-negative; keep the areas with input."""
    if len(rows) < len(areas):
        plan.problems.append(Problem("rows_removed", {"found": len(rows), "expected": len(areas)}, sheet=sheet))
        return
    known = {area["area"] for area in areas}
    for offset, row in enumerate(rows):
        if offset >= len(areas):
            stray_row(plan, sheet, row, known)
            continue
        expected = areas[offset]
        check_prefilled(plan, sheet, row, expected)
        hst, hpr = count(plan, sheet, row, "hst"), count(plan, sheet, row, "hpr")
        if hst is None or hpr is None or not (hst or hpr):
            continue
        prices = text_amount(expected["price_hst"]), text_amount(expected["price_hpr"])
        plan.drafts.append(StudentDraft(expected["area"], hst, hpr, *prices, expected["account"], student_revenue(
            hst=hst, hpr=hpr, price_per_hst=prices[0], price_per_hpr=prices[1])))


def check_prefilled(plan: StudentPlan, sheet: str, row: SheetRow, expected: dict[str, str]) -> None:
    """Name every prefilled cell of an area's row that no longer holds what was issued."""
    found = row.values.get("area")
    if code_text(found) != expected["area"]:
        plan.problems.append(Problem("prefilled_changed", {"expected": expected["area"], "found": shown(found)},
                                     sheet=sheet, cell=row.cells["area"]))
    for key in ("price_hst", "price_hpr"):
        try:
            same = to_amount(row.values.get(key)) == text_amount(expected[key])
        except NotAnAmount:
            same = False
        if not same:
            plan.problems.append(Problem("prefilled_changed", {
                "expected": format_sek(text_amount(expected[key])), "found": shown(row.values.get(key))},
                sheet=sheet, cell=row.cells[key]))


def count(plan: StudentPlan, sheet: str, row: SheetRow, key: str) -> Decimal | None:
    """Return a typed HST or HPR count (empty is 0), or note why it is not one."""
    try:
        value = to_amount(row.values.get(key))
    except NotAnAmount as bad:
        plan.problems.append(Problem(bad.code, bad.params, sheet=sheet, cell=row.cells[key]))
        return None
    if value is not None and value < 0:
        plan.problems.append(Problem("student_count_negative", {"column": HEADER[key], "value": shown(value)},
                                     sheet=sheet, cell=row.cells[key]))
        return None
    return value or ZERO


def stray_row(plan: StudentPlan, sheet: str, row: SheetRow, known: set[str]) -> None:
    """Refuse input on a row the template did not have: an unknown area, or an area twice."""
    if all(row.values.get(key) is None for key in ("area", "hst", "hpr")):
        return
    area = code_text(row.values.get("area"))
    code = "student_area_duplicate" if area in known else "student_area_unknown"
    plan.problems.append(Problem(code, {"area": area or "(tom)"}, sheet=sheet, cell=row.cells["area"]))


def fill_budget_lines(plan: StudentPlan, workbook: SubmittedWorkbook, prefill: list[dict]) -> None:
    """Put each account's revenue on the education activity's Budget row, or check the amount typed there."""
    for account, revenue in plan.revenue_by_account().items():
        row = budget_row(workbook, prefill, plan.activity, account)
        if row is None:
            plan.problems.append(Problem("students_no_budget_row", {"activity": plan.activity, "account": account},
                                         sheet=workbook.sheet))
            continue
        try:
            typed = typed_annual(row)
        except NotAnAmount:
            continue  # the Budget sheet's check names the cell
        if typed is None:
            row.values.update({"activity": plan.activity, "account": account, "annual": revenue})
        elif typed != revenue:
            plan.problems.append(Problem("students_line_differs", {
                "activity": plan.activity, "account": account, "revenue": format_sek(revenue),
                "typed": format_sek(typed)}, sheet=workbook.sheet, cell=row.cells.get("annual")))


def budget_row(workbook: SubmittedWorkbook, prefill: list[dict], activity: str, account: str) -> SheetRow | None:
    """Return the Budget row of the activity and account: the prefilled one, else the first empty spare row."""
    for offset, entry in enumerate(prefill):
        if (entry["activity"], entry["account"]) == (activity, account) and offset < len(workbook.rows):
            return workbook.rows[offset]
    spare = workbook.rows[len(prefill):]
    return next((row for row in spare if all(v is None for v in row.values.values())), None)


def typed_annual(row: SheetRow) -> Decimal | None:
    """Return the annual amount typed on a row (or its months' sum), None when the row has neither."""
    annual = to_amount(row.values.get("annual"))
    months = [to_amount(row.values.get(key)) for key in layout.MONTH_KEYS]
    if annual is not None:
        return annual
    given = [m for m in months if m is not None]
    return sum(given, ZERO) if given else None


def store_student_lines(session: Session, *, submission: Submission, plan: StudentPlan) -> None:
    """Insert what the economist typed per education area, with its revenue."""
    if not plan.drafts:
        return
    session.execute(insert(StudentPlanLine), [
        {"submission_id": submission.id, "area_code": d.area, "hst": d.hst, "hpr": d.hpr,
         "price_per_hst": d.price_per_hst, "price_per_hpr": d.price_per_hpr, "revenue": d.revenue}
        for d in plan.drafts])


def code_text(value: Any) -> str | None:
    """Return a code cell as text: a code typed as a number reads as its digits."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() or None


def shown(value: Any) -> str:
    """Return a cell's value as a message shows it."""
    return "(tom)" if value is None else str(value)[:40]
