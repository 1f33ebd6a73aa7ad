"""Filling a generated template in code, as an economist does in Excel: for the demo and tests.

Works on budget and forecast templates alike: the lines table is found by its name
(`layout.LAYOUTS`) and its columns by their headers, so a restyled master fills the same.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from decimal import ROUND_HALF_UP, Decimal

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.utils.cell import range_boundaries

from planround.models import AccountGroup, DistributionKey
from planround.server import layout

Plan = Callable[[dict[str, Cell]], "dict[str, Any] | None"]

# How the demo's fictional economists plan next year against last year's actual, per account group.
GROWTH = {AccountGroup.revenue: Decimal("1.04"), AccountGroup.personnel: Decimal("1.035")}
DEFAULT_GROWTH = Decimal("1.02")
# The ledger books social fees and pensions here; in a budget the server's LKP on the
# personnel sheet covers them, so the demo economist plans nothing on them.
COVERED_BY_LKP = {"4510", "4520"}


def template_cells(content: bytes) -> tuple[Workbook, layout.TemplateLayout, list[dict[str, Cell]]]:
    """Return the workbook, its kind and, per data row of its lines table, the cells by column key."""
    book = load_workbook(io.BytesIO(content))
    for spec in layout.LAYOUTS.values():
        for sheet in book.worksheets:
            table = sheet.tables.get(spec.table)
            if table is None:
                continue
            first_col, header_row, _, last_row = range_boundaries(table.ref)
            offsets = {name: offset for offset, name in enumerate(table.column_names)}
            columns = {c.key: first_col + offsets[c.header] for c in spec.columns}
            return book, spec, [{key: sheet.cell(row, col) for key, col in columns.items()}
                                for row in range(header_row + 1, last_row + 1)]
    raise ValueError("the workbook has neither a budget nor a forecast lines table")


def fill_template(content: bytes, plan: Plan) -> bytes:
    """Type into a template: `plan` gets each row's cells by key and returns the inputs to type, or None."""
    book, _, rows = template_cells(content)
    for cells in rows:
        for key, value in (plan(cells) or {}).items():
            cells[key].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def forecast_plan(forecasts: dict[tuple[str, str], Any], **extra: Any) -> Plan:
    """Return a plan typing a full-year forecast (and `extra` inputs) on the rows of (activity, account)."""
    pending = dict(forecasts)

    def plan(cells: dict[str, Cell]) -> dict[str, Any] | None:
        pair = (cells["activity"].value, None if cells["account"].value is None else str(cells["account"].value))
        if pair in pending:
            return {"forecast": pending.pop(pair), **extra}
        if pair == (None, None) and pending:  # a pair without a prefilled row goes on a spare row
            (activity, account), value = pending.popitem()
            return {"activity": activity, "account": account, "forecast": value, **extra}
        return None
    return plan


# --- the demo's economists ----------------------------------------------------------------------


def economist_plan(groups: dict[str, AccountGroup], *, growth: dict[AccountGroup, Decimal] | None = None
                   ) -> Callable[[dict[str, Any]], dict[str, Any] | None]:
    """Return the demo economist: last year's actual grown by the group's rate, to the thousand."""
    growth_of = {**GROWTH, **(growth or {})}

    def plan(cells: dict[str, Any]) -> dict[str, Any] | None:
        last_year, account = cells["last_year"].value, cells["account"].value
        if last_year is None or account is None:
            return None
        if str(account) in COVERED_BY_LKP:
            return {"annual": 0, "comment": "Ingår i lönekostnadspålägget (LKP) som räknas på personalbladet"}
        group = groups[str(account)]
        rate = growth_of.get(group, DEFAULT_GROWTH)
        thousands = (Decimal(str(last_year)) * rate / 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return {"annual": int(thousands * 1000), "key": layout.KEY_LABELS[_key_for(group)]}
    return plan


def _key_for(group: AccountGroup) -> DistributionKey:
    """Return the demo economist's distribution key for an account group."""
    return DistributionKey.salary if group is AccountGroup.personnel else DistributionKey.even


def careless_plan() -> Callable[[dict[str, Any]], dict[str, Any] | None]:
    """Return an economist who types a word, an unknown key and months that do not add up."""
    mistakes = iter([
        {"annual": "tolv tusen"},
        {"key": "Slumpvis"},
        {"annual": 120000, "key": layout.KEY_LABELS[DistributionKey.own], "m01": 10000},
    ])
    return lambda cells: next(mistakes, None)
