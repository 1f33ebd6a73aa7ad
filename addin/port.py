"""What the add-in needs from Excel: `excel.py` does it with xlwings, the tests in memory.

Every call concerns the active workbook (the one the user pressed the button in), except
`open_workbook`. Cells are named as Excel names them ("F12") on sheets named as shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol


class Excel(Protocol):
    def workbook_name(self) -> str | None:
        """Return the active workbook's name, or None when no workbook is open."""

    def workbook_path(self) -> Path | None:
        """Return where the active workbook is saved, or None when it never was."""

    def is_saved(self) -> bool:
        """Return whether the active workbook has no unsaved changes."""

    def save(self) -> None:
        """Save the active workbook where it is (Excel asks where when it never was saved)."""

    def sheet_names(self) -> list[str]:
        """Return the names of the active workbook's sheets, hidden ones too."""

    def read_sheet(self, name: str) -> list[list[Any]]:
        """Return the values of a sheet's used range, row by row; [] for a missing sheet."""

    def replace_sheet(self, name: str, rows: list[list[Any]], *, hidden_columns: tuple[int, ...] = ()) -> None:
        """Write rows from A1 into a sheet, made anew (added last when missing), and show it."""

    def link_cell(self, sheet: str, cell: str, target_sheet: str, target_cell: str) -> None:
        """Make a cell a hyperlink to another sheet's cell, keeping its text."""

    def mark_cell(self, sheet: str, cell: str, note: str) -> str:
        """Fill a cell red and give it a note; return its previous fill ("" for none) to restore later."""

    def unmark_cell(self, sheet: str, cell: str, previous_fill: str) -> None:
        """Restore a marked cell's fill and delete its note; a missing sheet or cell is ignored."""

    def show(self, message: str) -> None:
        """Show a message box."""

    def confirm(self, question: str) -> bool:
        """Ask a yes/no question; return True for yes."""

    def ask(self, prompt: str, default: str = "", *, secret: bool = False) -> str | None:
        """Ask for a line of text; return None when the user cancels."""

    def open_workbook(self, path: Path) -> None:
        """Open a workbook file in Excel and make it the active one."""
