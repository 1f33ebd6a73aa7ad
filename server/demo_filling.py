"""Filling templates as the demo's economists do: writing into the input cells and saving."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

from planround.models import AccountGroup, DistributionKey
from planround.server import layout

# How the fictional economists plan next year against last year's actual, per account group.
GROWTH = {AccountGroup.revenue: Decimal("1.04"), AccountGroup.personnel: Decimal("1.035")}
DEFAULT_GROWTH = Decimal("1.02")


def table_rows(content: bytes) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Yield (worksheet, {column key: cell}) for each data row of the lines table."""
    book = load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:
        table = sheet.tables.get(layout.LINES_TABLE)
        if table is None:
            continue
        first_col, header_row, _last_col, last_row = range_boundaries(table.ref)
        headers = {c.value: c.column for c in sheet[header_row] if c.column >= first_col}
        columns = {col.key: headers[col.header] for col in layout.COLUMNS}
        for row in range(header_row + 1, last_row + 1):
            yield book, {key: sheet.cell(row=row, column=col) for key, col in columns.items()}
        return


def fill_workbook(content: bytes, plan: Callable[[dict[str, Any]], dict[str, Any] | None]) -> bytes:
    """Fill a template like an economist: `plan` gets each row's cells and returns inputs to type."""
    book = None
    for book, cells in table_rows(content):
        inputs = plan(cells) or {}
        for key, value in inputs.items():
            cells[key].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def economist_plan(groups: dict[str, AccountGroup], *, personnel_growth: Decimal | None = None
                   ) -> Callable[[dict[str, Any]], dict[str, Any] | None]:
    """Return the demo economist: last year's actual grown by the group's rate, to the thousand."""
    growth_of = {**GROWTH, **({AccountGroup.personnel: personnel_growth} if personnel_growth else {})}

    def plan(cells: dict[str, Any]) -> dict[str, Any] | None:
        last_year, account = cells["last_year"].value, cells["account"].value
        if last_year is None or account is None:
            return None
        group = groups[str(account)]
        growth = growth_of.get(group, DEFAULT_GROWTH)
        thousands = (Decimal(str(last_year)) * growth / 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        annual = thousands * 1000
        key = layout.KEY_LABELS[_key_for(group)]
        return {"annual": int(annual), "key": key}
    return plan


def _key_for(group: AccountGroup) -> DistributionKey:
    return DistributionKey.salary if group is AccountGroup.personnel else DistributionKey.even


def careless_plan() -> Callable[[dict[str, Any]], dict[str, Any] | None]:
    """Return an economist who types a word, an unknown key and months that do not add up."""
    mistakes = iter([
        {"annual": "tolv tusen"},
        {"key": "Slumpvis"},
        {"annual": 120000, "key": layout.KEY_LABELS[DistributionKey.own], "m01": 10000},
    ])
    return lambda cells: next(mistakes, None)
