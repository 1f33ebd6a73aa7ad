"""Reading a submitted workbook into plain rows: the service's hot path.

Only this module opens submitted files. Values come from python-calamine (fast, no
formula evaluation: cached values only); the defined names and the Excel table that say
where things are come from the workbook's XML parts, read with defusedxml.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CellError:
    """An Excel error value in a cell, such as #REF! or #DIV/0!."""

    text: str


@dataclass
class SheetRow:
    """One row of the lines table as read: raw values and where each one stands."""

    row: int  # the Excel row number, 1-based
    values: dict[str, Any]  # column key (layout.COLUMN_KEYS) -> None, str, int, float, bool, date, datetime or CellError
    cells: dict[str, str]  # column key -> A1 address, for example "F12"


@dataclass
class SubmittedWorkbook:
    """What a submitted workbook says: its metadata, its header cells and its lines."""

    sheet: str  # the input sheet's name
    meta: dict[str, str]  # key -> value from the metadata sheet
    header: dict[str, Any] = field(default_factory=dict)  # defined name -> value
    rows: list[SheetRow] = field(default_factory=list)
