"""A sheet row while it is checked: its values by column key, and the problems found in it with their cells.

Shared by the Budget (or forecast) rows of `validation` and the Personal rows of `personnel_checks`.
One is made for every row of a submitted table, so it holds no more than it must (`__slots__`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from planround.server.amounts import NotAnAmount, to_amount
from planround.server.errors import Problem
from planround.server.workbook import SheetRow


class CheckedRow:
    """One sheet row while it is checked; collects its own problems."""

    __slots__ = ("sheet", "source", "problems")

    def __init__(self, sheet: str, source: SheetRow):
        self.sheet, self.source = sheet, source
        self.problems: list[Problem] = []

    def value(self, key: str) -> Any:
        return self.source.values.get(key)

    def problem(self, key: str, code: str, **params: Any) -> None:
        self.problems.append(Problem(code, params, sheet=self.sheet, cell=self.source.cells.get(key)))

    def amounts(self, keys: tuple[str, ...]) -> list[Decimal | None]:
        """Return the cells as amounts (`amount`, in order); all None at once when every cell is empty.

        Most budget rows leave their months empty (the key spreads the annual amount): one look at the
        row's values instead of a conversion per month.
        """
        found = list(map(self.source.values.get, keys))
        if found.count(None) == len(found):
            return found
        return [self.amount(key) for key in keys]

    def amount(self, key: str) -> Decimal | None:
        """Return the cell as an amount, None when empty; a cell that is no amount is a problem."""
        value = self.source.values.get(key)
        if value is None:
            return None
        try:
            return to_amount(value)
        except NotAnAmount as bad:
            self.problem(key, bad.code, **bad.params)
            return None
