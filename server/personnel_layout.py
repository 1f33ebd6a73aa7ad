"""The shape of the Personal sheet of a budget template, and its part of a template's prefill.

Like the lines table, the personnel table is found by name (`PersonnelLines`) and its columns
by their headers. The fixed columns come from the personnel master; the generator adds one
share column per activity of the department, headed `Andel <activity code> %`.

The issue's prefill is a list of the Budget rows as before; a template with a Personal sheet
adds one entry `{"personnel": {...}}` after them (without a `row` key, so `layout.table_prefill`
leaves it out), and the signature covers the staff as issued.
"""

from __future__ import annotations

import re
from typing import Any

from planround.server.layout import Column

PERSONNEL_SHEET = "Personal"
PERSONNEL_TABLE = "PersonnelLines"

# Defined names of the round's rates on the Personal sheet; the row formulas refer to them.
NAME_LKP_PCT = "pr_lkp_pct"
NAME_REVISION_MONTH = "pr_salary_revision_month"
NAME_REVISION_PCT = "pr_salary_revision_pct"
RATE_NAMES = (NAME_LKP_PCT, NAME_REVISION_MONTH, NAME_REVISION_PCT)

PERSONNEL_COLUMNS: tuple[Column, ...] = (
    Column("employee_number", "Anställningsnr", prefilled=True),
    Column("name", "Namn", prefilled=True),  # typed on a hire row: a name or a role
    Column("position", "Befattning", prefilled=True),
    Column("rate", "Omfattning %", prefilled=True, number=True),
    Column("salary", "Månadslön", prefilled=True, number=True),  # typed on a hire row
    Column("planned_rate", "Planerad omfattning %", prefilled=False, number=True),
    Column("start", "Från månad", prefilled=False, number=True),
    Column("end", "Till månad", prefilled=False, number=True),
    Column("annual_cost", "Lönekostnad helår", prefilled=False, number=True, computed=True),
)
PERSONNEL_BY_KEY = {c.key: c for c in PERSONNEL_COLUMNS}
HIRE_INPUTS = ("name", "position", "salary")  # prefilled on staff rows, typed on hire rows

SHARE_PREFIX = "share:"
SHARE_HEADER = re.compile(r"^Andel\s+(.+?)\s*%$", re.IGNORECASE)

# Empty rows below the staff where planned hires are typed.
HIRE_ROWS = 8


def share_key(activity: str) -> str:
    """Return the column key of an activity's share column."""
    return SHARE_PREFIX + activity


def share_header(activity: str) -> str:
    """Return the header of an activity's share column."""
    return f"Andel {activity} %"


def personnel_prefill(prefill: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Return the personnel part of an issue's prefill, None when the template has no Personal sheet."""
    return next((entry["personnel"] for entry in prefill if "personnel" in entry), None)


def computed_accounts(prefill: list[dict[str, Any]]) -> frozenset[str]:
    """Return the accounts whose budget rows the server computes from the Personal sheet."""
    personnel = personnel_prefill(prefill)
    if personnel is None:
        return frozenset()
    return frozenset(personnel["computed_accounts"])
