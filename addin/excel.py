"""The `Excel` interface with xlwings: the only module that touches Excel.

Runs inside RunPython, where `Book.caller()` is the workbook active when the button was pressed.
Kept thin on purpose: every decision is in `actions` and `kontroll`, tested without Excel.
Windows calls go through COM (`.api`), macOS through appscript, where xlwings has no call.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import xlwings as xw

from planround.addin.texts import TITLE

MARK_FILL = "#FF9999"  # light red: the mark must not hide the figure under it
MAC = sys.platform == "darwin"


class XlwingsExcel:
    """The calling Excel and its active workbook, through xlwings."""

    def __init__(self, book: xw.Book, language: str = "sv"):
        self.book = book
        self.title = TITLE[language]

    @classmethod
    def caller(cls, language: str = "sv") -> "XlwingsExcel":
        return cls(xw.Book.caller(), language)

    def workbook_name(self) -> str | None:
        return self.book.name if self.book is not None else None

    def workbook_path(self) -> Path | None:
        path = Path(self.book.fullname)
        # A workbook never saved has only its name; one on SharePoint without a local copy, a URL.
        return path if path.is_absolute() and path.exists() else None

    def is_saved(self) -> bool:
        return bool(self.book.api.saved.get() if MAC else self.book.api.Saved)

    def save(self) -> None:
        # xlwings would save a never-saved workbook into the working folder: leave that one alone,
        # so the caller sees no path and sends nothing.
        if self.workbook_path() is not None:
            self.book.save()

    def sheet_names(self) -> list[str]:
        return [sheet.name for sheet in self.book.sheets]

    def read_sheet(self, name: str) -> list[list[Any]]:
        if name not in self.sheet_names():
            return []
        sheet = self.book.sheets[name]
        return sheet.range("A1", sheet.used_range.last_cell).options(ndim=2).value or []

    def replace_sheet(self, name: str, rows: list[list[Any]], *, hidden_columns: tuple[int, ...] = ()) -> None:
        if name in self.sheet_names():
            sheet = self.book.sheets[name]
            sheet.clear()
        else:
            sheet = self.book.sheets.add(name, after=self.book.sheets[len(self.book.sheets) - 1])
        sheet["A1"].value = rows
        sheet.autofit("c")
        for column in hidden_columns:
            sheet.range((1, column)).columns.hidden = True
        sheet.activate()

    def link_cell(self, sheet: str, cell: str, target_sheet: str, target_cell: str) -> None:
        rng = self.book.sheets[sheet][cell]
        label = str(rng.value or target_cell).replace('"', '""')
        target = "'" + target_sheet.replace("'", "''") + "'!" + target_cell
        rng.formula = f'=HYPERLINK("#{target}","{label}")'

    def mark_cell(self, sheet: str, cell: str, note: str) -> str:
        target = self.book.sheets[sheet]
        rng = target[cell]
        previous = rng.color
        with _unprotected(target):
            rng.color = MARK_FILL
            if rng.note is not None:
                rng.note.delete()
            rng.add_note(note)
        return "" if previous is None else "#{:02X}{:02X}{:02X}".format(*previous)

    def unmark_cell(self, sheet: str, cell: str, previous_fill: str) -> None:
        if sheet not in self.sheet_names():
            return
        target = self.book.sheets[sheet]
        rng = target[cell]
        with _unprotected(target):
            rng.color = previous_fill or None
            if rng.note is not None:
                rng.note.delete()

    def show(self, message: str) -> None:
        self.book.app.alert(message, title=self.title)

    def confirm(self, question: str) -> bool:
        return self.book.app.alert(question, title=self.title, buttons="yes_no") == "yes"

    def ask(self, prompt: str, default: str = "", *, secret: bool = False) -> str | None:
        if MAC:
            return _ask_mac(prompt, default, self.title, secret)
        answer = self.book.app.api.InputBox(prompt, self.title, default, Type=2)
        return None if answer is False else str(answer)

    def open_workbook(self, path: Path) -> None:
        self.book.app.books.open(str(path)).activate()


@contextmanager
def _unprotected(sheet: xw.Sheet) -> Iterator[None]:
    """Lift a password-less sheet protection for the block, then put back the same permissions."""
    if MAC:
        yield  # appscript has no portable call for it; a protected sheet refuses the mark
        return
    api = sheet.api
    if not api.ProtectContents:
        yield
        return
    allowed = {name: getattr(api.Protection, name) for name in (
        "AllowFormattingCells", "AllowFormattingColumns", "AllowFormattingRows", "AllowFiltering",
        "AllowSorting", "AllowInsertingRows", "AllowDeletingRows")}
    api.Unprotect()
    try:
        yield
    finally:
        api.Protect(DrawingObjects=True, Contents=True, **allowed)


def _ask_mac(prompt: str, default: str, title: str, secret: bool) -> str | None:
    """Ask with AppleScript's dialog: Excel for Mac has no InputBox reachable from Python."""
    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    hidden = " with hidden answer" if secret else ""
    script = (f"text returned of (display dialog {quote(prompt)} default answer {quote(default)}"
              f" with title {quote(title)}{hidden})")
    answer = subprocess.run(["osascript", "-e", script], capture_output=True, text=True)
    return answer.stdout.rstrip("\n") if answer.returncode == 0 else None
