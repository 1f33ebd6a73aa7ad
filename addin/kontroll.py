"""The sheet "Kontroll": the service's errors as rows linked to their cells, and the cells marked.

The sheet is also the memory of the marks: each row keeps the marked cell's previous fill, so
the next check restores exactly those cells before it marks anew, even after Excel restarts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from planround.addin.port import Excel
from planround.addin.texts import text

KONTROLL_SHEET = "Kontroll"
FIRST_ERROR_ROW = 3  # row 1 says when and what was checked, row 2 holds the headers
PREVIOUS_FILL_COLUMN = 4  # hidden: only the add-in reads it


@dataclass(frozen=True)
class Problem:
    sheet: str
    cell: str
    message: str

    @property
    def place(self) -> tuple[str, str] | None:
        return (self.sheet, self.cell) if self.sheet and self.cell else None


def problems_of(errors: list[dict[str, Any]]) -> list[Problem]:
    """Turn the service's errors ({"sheet", "cell", "message"}) into problems."""
    return [Problem(str(e.get("sheet") or ""), str(e.get("cell") or ""), str(e.get("message") or ""))
            for e in errors]


def clear_marks(excel: Excel) -> None:
    """Restore every cell the last check marked, as the Kontroll sheet remembers them."""
    if KONTROLL_SHEET not in excel.sheet_names():
        return
    for row in excel.read_sheet(KONTROLL_SHEET)[FIRST_ERROR_ROW - 1:]:
        sheet, cell, _, previous = (list(row) + [None] * 4)[:4]
        if sheet and cell:
            excel.unmark_cell(str(sheet), str(cell), "" if previous is None else str(previous))


def report(excel: Excel, problems: list[Problem], *, language: str, round_code: str, unit_code: str,
           when: datetime | None = None) -> None:
    """Clear the last check's marks, then list the problems in Kontroll and mark their cells."""
    clear_marks(excel)
    fills = mark_cells(excel, problems)
    stamp = (when or datetime.now()).strftime("%Y-%m-%d %H:%M")
    rows: list[list[Any]] = [
        [text("kontroll_title", language, when=stamp, round=round_code, unit=unit_code), "", "", ""],
        text("kontroll_headers", language).split("|"),
    ]
    rows += [[p.sheet, p.cell, p.message, fills.get(p.place, "")] for p in problems]
    if not problems:
        rows.append(["", "", text("kontroll_none", language), ""])
    excel.replace_sheet(KONTROLL_SHEET, rows, hidden_columns=(PREVIOUS_FILL_COLUMN,))
    for offset, problem in enumerate(problems):
        if problem.place in fills:
            excel.link_cell(KONTROLL_SHEET, f"B{FIRST_ERROR_ROW + offset}", problem.sheet, problem.cell)


def mark_cells(excel: Excel, problems: list[Problem]) -> dict[tuple[str, str], str]:
    """Mark each cell with problems once, its note holding all of them; return the previous fills."""
    sheets = set(excel.sheet_names())
    notes: dict[tuple[str, str], list[str]] = {}
    for problem in problems:
        if problem.place and problem.sheet in sheets:
            notes.setdefault(problem.place, []).append(problem.message)
    return {place: excel.mark_cell(*place, "\n".join(messages)) for place, messages in notes.items()}
