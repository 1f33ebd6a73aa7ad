"""For the add-in's tests: an in-memory Excel over real workbook files, and the service on loopback."""

from __future__ import annotations

import http.server
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

from planround.addin.actions import Context
from planround.addin.client import PlanroundClient
from planround.addin.settings import ProfileStore
from planround.server.local_server import in_thread

MARK = "FFFF9999"


class MemoryExcel:
    """Excel as the add-in sees it, on an openpyxl workbook: cells, fills, notes, sheets, dialogs.

    `answers` are what the user answers, in order, to `confirm` and `ask`; `messages`,
    `questions` and `prompts` keep what the user was shown.
    """

    def __init__(self, path: Path | None = None, answers: list[Any] | None = None):
        self.book: Workbook | None = None
        self.path: Path | None = None
        self.saved = True
        self.active_sheet: str | None = None
        self.answers = deque(answers or [])
        self.messages: list[str] = []
        self.questions: list[str] = []
        self.prompts: list[str] = []
        self.opened: list[Path] = []
        if path is not None:
            self._load(path)

    # --- the Excel interface ----------------------------------------------------------------

    def workbook_name(self) -> str | None:
        return None if self.book is None else (self.path.name if self.path else "Bok1")

    def workbook_path(self) -> Path | None:
        return self.path

    def is_saved(self) -> bool:
        return self.saved

    def save(self) -> None:
        self.book.save(self.path)
        self.saved = True

    def sheet_names(self) -> list[str]:
        return [] if self.book is None else list(self.book.sheetnames)

    def read_sheet(self, name: str) -> list[list[Any]]:
        if name not in self.sheet_names():
            return []
        return [list(row) for row in self.book[name].iter_rows(values_only=True)]

    def replace_sheet(self, name: str, rows: list[list[Any]], *, hidden_columns: tuple[int, ...] = ()) -> None:
        index = self.book.sheetnames.index(name) if name in self.book.sheetnames else len(self.book.sheetnames)
        if name in self.book.sheetnames:
            self.book.remove(self.book[name])
        sheet = self.book.create_sheet(name, index)
        for row in rows:
            sheet.append(row)
        for column in hidden_columns:
            sheet.column_dimensions[get_column_letter(column)].hidden = True
        self.active_sheet, self.saved = name, False

    def link_cell(self, sheet: str, cell: str, target_sheet: str, target_cell: str) -> None:
        self.book[sheet][cell].hyperlink = f"#'{target_sheet}'!{target_cell}"
        self.saved = False

    def mark_cell(self, sheet: str, cell: str, note: str) -> str:
        target = self.book[sheet][cell]
        previous = f"#{target.fill.fgColor.rgb[-6:]}" if target.fill.fill_type == "solid" else ""
        target.fill = PatternFill("solid", fgColor=MARK)
        target.comment = Comment(note, "planround")
        self.saved = False
        return previous

    def unmark_cell(self, sheet: str, cell: str, previous_fill: str) -> None:
        if sheet not in self.sheet_names():
            return
        target = self.book[sheet][cell]
        target.fill = PatternFill("solid", fgColor="FF" + previous_fill[1:]) if previous_fill else PatternFill()
        target.comment = None
        self.saved = False

    def show(self, message: str) -> None:
        self.messages.append(message)

    def confirm(self, question: str) -> bool:
        self.questions.append(question)
        return self.answers.popleft()

    def ask(self, prompt: str, default: str = "", *, secret: bool = False) -> str | None:
        self.prompts.append(prompt)
        return self.answers.popleft()

    def open_workbook(self, path: Path) -> None:
        self._load(path)
        self.opened.append(path)

    # --- what a test does or looks at -------------------------------------------------------

    def _load(self, path: Path) -> None:
        self.book, self.path, self.saved = load_workbook(path), path, True

    def type(self, sheet: str, cell: str, value: Any) -> None:
        """Type a value into a cell, as the user does: the workbook has unsaved changes."""
        self.book[sheet][cell].value = value
        self.saved = False

    def marks(self) -> dict[tuple[str, str], str]:
        """Return every cell filled with the mark, with its note."""
        return {(sheet.title, cell.coordinate): cell.comment.text if cell.comment else ""
                for sheet in self.book.worksheets for row in sheet.iter_rows() for cell in row
                if cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb == MARK}

    def snapshot(self) -> dict[str, Any]:
        """Return everything the user could see: sheets, values, fills and notes."""
        return {sheet.title: [(c.coordinate, c.value, c.fill.fgColor.rgb if c.fill.fill_type else None,
                               c.comment.text if c.comment else None)
                              for row in sheet.iter_rows() for c in row]
                for sheet in self.book.worksheets}


# --- the service ------------------------------------------------------------------------------


def context(excel: MemoryExcel, folder: Path, url: str, token: str, language: str = "sv") -> Context:
    """Return an action context for a user whose profile (in `folder`) holds the server and token."""
    store = ProfileStore(folder / "profile", keyring=None)
    store.save(server_url=url, token=token, download_dir=folder / "downloads")
    return Context(excel=excel, store=store, language=language)


def template_file(url: str, world, unit: str, folder: Path, fill=None) -> Path:
    """Download a department's template as the administrator, fill it with `fill`, save it as a file."""
    content = PlanroundClient(url, world.tokens["admin"]).template(world.round_code, unit)
    path = folder / f"{unit}.xlsx"
    path.write_bytes(fill(content) if fill else content)
    return path


@contextmanager
def html_proxy() -> Iterator[str]:
    """Answer every request on a loopback port with an HTML login page, as a proxy in the way does."""
    class LoginPage(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = b"<html><body><h1>Logga in</h1></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args) -> None:
            pass

    with in_thread(http.server.ThreadingHTTPServer(("127.0.0.1", 0), LoginPage)) as port:
        yield f"http://127.0.0.1:{port}/api/v1"


def closed_port_url() -> str:
    """Return a loopback URL where nothing listens."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/v1"
