"""Reading a submitted workbook into plain rows: the service's hot path.

Only this module opens submitted files, once each (`open_workbook`). Values come from
python-calamine (fast, no formula evaluation: cached values only), the lines table's rows from
fastexcel where it gives the same values faster (`table_values`); the defined names and the
Excel table that say where things are come from the workbook's XML parts, read with defusedxml;
what calamine does not tell (a sheet's extent, error values, formulas) from `sheet_scan`.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from python_calamine import CalamineError, CalamineWorkbook

from planround.server import layout
from planround.server.errors import Problem, UnsupportedFile, ValidationFailed
from planround.server.sheet_scan import (CHUNK_BYTES, NotXml, QuickScanner, SheetScan, column_index, scan_sheet,
                                         walk_sheet)
from planround.server.table_values import TableColumns, read_table_columns


@dataclass(frozen=True)
class CellError:
    """An Excel error value in a cell, such as #REF! or #DIV/0!."""

    text: str


@dataclass(slots=True)
class SheetRow:
    """One row of the lines table as read: raw values and where each one stands (one per row: slots, no __dict__)."""

    row: int  # the Excel row number, 1-based
    values: dict[str, Any]  # column key (its kind's layout) -> None, str, int, float, bool, date, datetime, CellError
    cells: Mapping[str, str]  # column key -> A1 address, for example "F12"
    formulas: frozenset[str] = frozenset()  # column keys whose cell holds a formula


@dataclass
class SubmittedWorkbook:
    """What a submitted workbook says: its metadata, its header cells and its lines."""

    sheet: str  # the input sheet's name
    meta: dict[str, str]  # key -> value from the metadata sheet
    header: Mapping[str, Any] = field(default_factory=dict)  # defined name -> value (from a file: `_Header`)
    rows: Sequence[SheetRow] = field(default_factory=list)  # from a file: `TableRows`
    kind: str = layout.TEMPLATE_KIND_BUDGET  # which lines table was found: layout.LAYOUTS


# ---------------------------------------------------------------------------------------------
# The reader: the zip and XML parts say where things are, python-calamine gives the values.
# ---------------------------------------------------------------------------------------------

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Excel saves a password-protected xlsx as an OLE2 container with these streams.
ENCRYPTED_MARKERS = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))
MAX_PART_BYTES = 512 * 1024 * 1024  # an unpacked part larger than this is a zip bomb, not a budget
# A sheet may span this many cells beyond the cell limit: a template's headings, lists and metadata.
SHEET_MARGIN_CELLS = 100_000
BYTES_PER_CELL = 256  # what the cell limit allows a part to unpack to: 2 000 000 cells -> MAX_PART_BYTES
WORKBOOK_PART = "xl/workbook.xml"
WORKSHEETS_DIR = "xl/worksheets"
XML_SUFFIXES = (".xml", ".rels", ".vml")
REL_TABLE = "/table"
REF_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)(?::\$?([A-Za-z]{1,3})\$?(\d+))?$")
DOCTYPE_RE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
NAME_REF_RE = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!(\$?[A-Za-z]{1,3}\$?\d+)$")


@dataclass
class _Book:
    """The workbook part's sheets (name -> part) and defined names (name -> formula text)."""

    sheets: dict[str, str]
    names: dict[str, str]

    def sheet_name(self, wanted: str) -> str | None:
        """Return the sheet's name as spelled in the file; Excel compares names case-insensitively."""
        return next((name for name in self.sheets if name.casefold() == wanted.casefold()), None)


@dataclass
class _LinesTable:
    """The lines table as its part describes it."""

    spec: layout.TemplateLayout  # the kind of template whose table this is, known by the table's name
    name: str  # the table's name as spelled in the file
    sheet: str
    sheet_part: str
    first_col: int
    first_row: int  # the header row
    last_col: int
    last_row: int
    header_rows: int
    totals_rows: int
    columns: list[str]

    @property
    def data_rows(self) -> range:
        return range(self.first_row + self.header_rows, self.last_row - self.totals_rows + 1)


def read_workbook(content: bytes, *, max_cells: int) -> SubmittedWorkbook:
    """Map a submitted xlsx to its metadata, header values and table rows, without judging them."""
    return open_workbook(content, max_cells=max_cells).lines()


def open_workbook(content: bytes, *, max_cells: int) -> "SubmittedFile":
    """Open a submitted xlsx once, refusing what is not a workbook; its tables are read on demand."""
    return SubmittedFile(content, max_cells=max_cells)


@dataclass
class SubmittedTable:
    """Another table of a submitted template (found by its name): its sheet and its rows."""

    sheet: str
    rows: Sequence[SheetRow]


class SubmittedFile:
    """A submitted xlsx opened once: each table of it read from the same package and calamine workbook.

    A submission reads three tables (the lines, Personal, Studenter); opening the package, checking
    its parts and parsing each sheet once is what keeps that close to the cost of reading the values.
    """

    def __init__(self, content: bytes, *, max_cells: int):
        self._content, self._max_cells = content, max_cells
        self._package = _open_package(content)
        self._book = _read_book(self._package)
        self._calamine: CalamineWorkbook | None = None
        self._ahead: tuple[_LinesTable, dict, _Grids] | None = None  # the lines table, its sheet being read

    def read_lines_ahead(self) -> None:
        """Start reading the lines table's rows in another thread; `lines` takes them up.

        fastexcel and python-calamine parse a sheet without holding the GIL, so what the caller does
        meanwhile (asking the database what validation needs) costs no time of its own. The table is
        found, measured and its sheet scanned first, as for any read: a table or sheet too large is refused here.
        """
        table, columns = self._lines_table()
        grids = self._grids()
        grids.start_table(table, columns)
        self._ahead = table, columns, grids

    def lines(self) -> SubmittedWorkbook:
        """Return the metadata, header values and rows of the budget or forecast lines table."""
        table, columns, grids = self._ahead or (*self._lines_table(), self._grids())
        self._ahead = None
        rows = grids.table_rows(table, columns)
        meta = _read_meta(grids.get(self._book.sheet_name(layout.META_SHEET)))
        header = _Header(self._book, grids, table.spec.header_names)
        return SubmittedWorkbook(sheet=table.sheet, meta=meta, header=header, rows=rows, kind=table.spec.kind)

    def table(self, spec: layout.TemplateLayout) -> SubmittedTable | None:
        """Return the rows of the template table `spec` names, by column header; None when the workbook has none."""
        table = _find_table(self._package, self._book, (spec,))
        if table is None:
            return None
        columns = self._columns(table)
        grid = self._grids().get(table.sheet, table.last_row)
        return SubmittedTable(table.sheet, _sheet_rows(grid, table.data_rows, columns))

    def _columns(self, table: _LinesTable) -> dict[str, tuple[int, str]]:
        """Map a table's columns, refusing wrong columns or more cells than the service reads."""
        columns = _map_columns(table)
        _check_size(table, self._max_cells)
        return columns

    def _lines_table(self) -> tuple[_LinesTable, dict[str, tuple[int, str]]]:
        """Find the budget or forecast lines table and its columns, refusing wrong columns or too many cells."""
        table = _find_lines_table(self._package, self._book)
        return table, self._columns(table)

    def _grids(self) -> "_Grids":
        """Return the sheets' values for one table's reading: the grids go when it is done, the workbook stays."""
        if self._calamine is None:
            self._calamine = _values(self._content, self._package, self._max_cells)
        return _Grids(self._calamine, self._package, self._book, self._max_cells, self._content)


@dataclass
class PlainSheet:
    """The first sheet of a workbook from outside (an export), as rows of normalised values."""

    name: str
    rows: list[list[Any]]  # row 0 is Excel row 1; None where empty, CellError for error values


def read_first_sheet(content: bytes, *, max_rows: int, max_cols: int) -> PlainSheet:
    """Read the cached values of a workbook's first sheet, refusing one larger than the limits."""
    with _open_package(content) as package:
        book = _read_book(package)
        if not book.sheets:
            raise UnsupportedFile(detail="den har inga blad")
        name = next(iter(book.sheets))
        extent = _scan(package, book.sheets[name], exact=True)  # the rows and columns it has, not a bound
        height, width = extent.height, extent.width
        if height > max_rows or width > max_cols:
            # Checked on the XML before python-calamine, which would hold the whole range in memory.
            size = {"sheet": name, "rows": height, "cols": width, "max_rows": max_rows, "max_cols": max_cols}
            raise ValidationFailed("sheet_too_large", problems=[Problem("sheet_too_large", size, sheet=name)],
                                   **size)
        calamine = _values(content, package, max_rows * max_cols)
        grid = _Grids(calamine, package, book, max_rows * max_cols).get(name)
    return PlainSheet(name, [[grid.value(row, col) for col in range(1, width + 1)]
                             for row in range(1, height + 1)])


def _scan(package: zipfile.ZipFile, part: str, *, exact: bool = False) -> SheetScan:
    """Scan a sheet's XML (`sheet_scan`); a part that is broken or no XML makes the file unreadable.

    The quick scan learnt when the package was opened is used once, as a scan made now would be.
    """
    def open_part():
        return _open_part(package, part)
    learnt = getattr(package, "quick_scans", {})
    try:
        if not exact and part in learnt:
            scan = learnt.pop(part)
            return scan if scan is not None else walk_sheet(open_part)
        return walk_sheet(open_part) if exact else scan_sheet(open_part)
    except NotXml:
        raise UnsupportedFile(detail=f"delen {part} är ingen giltig XML") from None
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, zlib.error):
        raise UnsupportedFile(detail=f"delen {part} är trasig") from None


# --- the package ------------------------------------------------------------------------------

class _Package(zipfile.ZipFile):
    """An opened xlsx package, with the quick scans of its sheet parts learnt while checking them.

    `quick_scans`: part -> the part's `sheet_scan.quick_scan`, None where it declined (the walk
    will tell). Checking a part for a DTD decompresses all of it; the scan reads the same chunks, so
    a large sheet is decompressed once instead of twice.
    """

    quick_scans: dict[str, SheetScan | None]


def _open_package(content: bytes) -> zipfile.ZipFile:
    """Open the bytes as an xlsx package, or say in Swedish why they are not one."""
    if content.startswith(OLE2_MAGIC):
        encrypted = any(marker in content for marker in ENCRYPTED_MARKERS)
        raise UnsupportedFile(detail="den är lösenordsskyddad; ta bort lösenordet (Arkiv > Info > Skydda arbetsbok)"
                              if encrypted else "den är i det gamla Excel-formatet (.xls)")
    if not content.startswith(b"PK"):
        raise UnsupportedFile(detail="den är inte en zip-fil, som en .xlsx alltid är (kanske en CSV- eller textfil)")
    try:
        package = _Package(io.BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise UnsupportedFile(detail="den är en trasig eller ofullständig zip-fil") from None
    package.quick_scans = _check_parts(package)
    return package


def _check_parts(package: zipfile.ZipFile) -> dict[str, SheetScan | None]:
    """Refuse macro workbooks, packages without a workbook part, oversized parts and parts with a DTD.

    Return the quick scans of the worksheet parts, made in the same pass as their DTD check.
    """
    names = set(package.namelist())
    content_types = _read_part(package, "[Content_Types].xml") if "[Content_Types].xml" in names else b""
    if "xl/vbaProject.bin" in names or b"macroEnabled" in content_types:
        raise UnsupportedFile(detail="den är en makroarbetsbok (.xlsm)")
    if WORKBOOK_PART not in names:
        raise UnsupportedFile(detail=f"den saknar {WORKBOOK_PART}")
    if any(info.file_size > MAX_PART_BYTES for info in package.infolist()):
        raise UnsupportedFile(detail="en del av filen är orimligt stor uppackad")
    scans = {}
    for info in package.infolist():
        if not info.filename.lower().endswith(XML_SUFFIXES):
            continue
        # A sheet part of more than a chunk is scanned in this pass, which saves decompressing it again;
        # a smaller one is left until it is read (most are never: summaries, lists). A sheet placed
        # elsewhere than every writer puts them is simply scanned when it is read.
        large_sheet = posixpath.dirname(info.filename) == WORKSHEETS_DIR and info.file_size > CHUNK_BYTES
        scanner = QuickScanner() if large_sheet else None
        if _has_doctype(package, info.filename, scanner):
            raise UnsupportedFile(detail=f"delen {info.filename} har en DTD (DOCTYPE), som en arbetsbok aldrig har")
        if scanner is not None:
            scans[info.filename] = scanner.result()
    return scans


def _has_doctype(package: zipfile.ZipFile, part: str, scanner: QuickScanner | None = None) -> bool:
    """Say whether an XML part declares a DTD, read in chunks: python-calamine must never parse one.

    A `scanner` is fed the same chunks, so that a sheet part is decompressed once for both.
    """
    tail = b""
    try:
        with _open_part(package, part) as stream:
            while chunk := stream.read(CHUNK_BYTES):
                window = tail + chunk
                if b"\0" in window:
                    window = window.replace(b"\0", b"")  # a UTF-16 part spells <!DOCTYPE with NUL bytes
                # `in` finds a single byte with memchr, far faster than the search; most chunks have no "!".
                if b"!" in window and DOCTYPE_RE.search(window):
                    return True
                tail = window[-16:]
                if scanner is not None:
                    scanner.feed(chunk)
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, zlib.error):
        raise UnsupportedFile(detail=f"delen {part} är trasig") from None
    return False


def _open_part(package: zipfile.ZipFile, part: str):
    """Open a part for streaming; a missing or damaged entry is an unreadable file."""
    try:
        return package.open(part)
    except KeyError:
        raise UnsupportedFile(detail=f"den saknar {part}") from None
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError):
        raise UnsupportedFile(detail=f"delen {part} är trasig") from None


def _read_part(package: zipfile.ZipFile, part: str) -> bytes:
    """Return a part's bytes; a damaged zip entry is an unreadable file."""
    try:
        return package.read(part)
    except KeyError:
        raise UnsupportedFile(detail=f"den saknar {part}") from None
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError):
        raise UnsupportedFile(detail=f"delen {part} är trasig") from None


def _parse_xml(package: zipfile.ZipFile, part: str):
    """Parse a part with DTDs and entities forbidden, so no XML bombs or external fetches."""
    try:
        return SafeET.fromstring(_read_part(package, part), forbid_dtd=True, forbid_entities=True,
                                 forbid_external=True)
    except (ParseError, DefusedXmlException):
        raise UnsupportedFile(detail=f"delen {part} är ingen giltig XML") from None


def _local(tag: str) -> str:
    """Return an element's name without its namespace (transitional and strict OOXML differ)."""
    return tag.rsplit("}", 1)[-1]


def _children(element, name: str) -> list:
    return [child for child in element.iter() if _local(child.tag) == name]


def _attr(element, name: str) -> str | None:
    """Return an attribute by local name, whatever namespace prefix it carries."""
    for key, value in element.attrib.items():
        if _local(key) == name:
            return value
    return None


def _rels(package: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Return a part's relationships: id -> (type, target part path)."""
    rels_part = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    if rels_part not in package.namelist():
        return {}
    out = {}
    for rel in _children(_parse_xml(package, rels_part), "Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join(posixpath.dirname(part), target))
        out[rel.get("Id", "")] = (rel.get("Type", ""), path)
    return out


def _read_book(package: zipfile.ZipFile) -> _Book:
    """Read the sheets and the defined names from the workbook part."""
    root, rels = _parse_xml(package, WORKBOOK_PART), _rels(package, WORKBOOK_PART)
    sheets = {}
    for sheet in _children(root, "sheet"):
        rel = rels.get(_attr(sheet, "id") or "")
        if rel is not None and sheet.get("name"):
            sheets[sheet.get("name")] = rel[1]
    names: dict[str, str] = {}
    # Workbook-level names win over a sheet-level name of the same spelling.
    for defined in sorted(_children(root, "definedName"), key=lambda d: d.get("localSheetId") is None):
        names[(defined.get("name") or "").casefold()] = (defined.text or "").strip()
    return _Book(sheets, names)


# --- the lines table --------------------------------------------------------------------------

def _find_lines_table(package: zipfile.ZipFile, book: _Book) -> _LinesTable:
    """Find a budget or forecast lines table through each sheet's relationships, or name what is missing."""
    table = _find_table(package, book, tuple(layout.LAYOUTS.values()))
    if table is not None:
        return table
    problems = [] if book.sheet_name(layout.META_SHEET) else [_meta_missing()]
    # Name the table of whichever kind's input sheet is there; a workbook with neither is taken for a budget.
    spec = next((s for s in layout.LAYOUTS.values() if book.sheet_name(s.input_sheet)), layout.BUDGET)
    sheet = book.sheet_name(spec.input_sheet)
    if sheet is None:
        problems.insert(0, Problem("sheet_missing", {"sheet": spec.input_sheet}, sheet=spec.input_sheet))
    else:
        problems.insert(0, Problem("table_missing", {"table": spec.table, "sheet": sheet}, sheet=sheet))
    raise ValidationFailed(problems=problems, count=len(problems))


def _find_table(package: zipfile.ZipFile, book: _Book,
                specs: tuple[layout.TemplateLayout, ...]) -> _LinesTable | None:
    """Return the first table of one of these layouts, found by name through each sheet's relationships."""
    for sheet, part in book.sheets.items():
        for rel_type, target in _rels(package, part).values():
            if rel_type.endswith(REL_TABLE) and target in package.namelist():
                table = _read_table(package, target, sheet, part, specs)
                if table is not None:
                    return table
    return None


def _meta_missing() -> Problem:
    return Problem("meta_sheet_missing", {"sheet": layout.META_SHEET}, sheet=layout.META_SHEET)


def _read_table(package: zipfile.ZipFile, part: str, sheet: str, sheet_part: str,
                specs: tuple[layout.TemplateLayout, ...]) -> _LinesTable | None:
    """Return the table in `part` if it is the table of one of these layouts."""
    root = _parse_xml(package, part)
    names = ((root.get("displayName") or "").casefold(), (root.get("name") or "").casefold())
    spec = next((s for s in specs if s.table.casefold() in names), None)
    if spec is None:
        return None
    match = REF_RE.match(root.get("ref") or "")
    if match is None or match.group(3) is None:
        raise UnsupportedFile(detail=f"tabellen {spec.table} har ett ogiltigt område")
    columns = [column.get("name") or "" for column in _children(root, "tableColumn")]
    name = root.get("displayName") or root.get("name") or spec.table
    return _LinesTable(spec, name, sheet, sheet_part, column_index(match.group(1)), int(match.group(2)),
                       column_index(match.group(3)), int(match.group(4)),
                       int(root.get("headerRowCount") or 1), int(root.get("totalsRowCount") or 0), columns)


def _map_columns(table: _LinesTable) -> dict[str, tuple[int, str]]:
    """Map each layout column key to its sheet column and address letter, or name what is wrong."""
    found = {name.strip().casefold(): offset for offset, name in enumerate(table.columns)}
    known = {column.header.casefold() for column in table.spec.columns}
    mapped, problems = {}, []
    for position, column in enumerate(table.spec.columns):
        offset = found.get(column.header.casefold())
        if offset is not None:
            col = table.first_col + offset
            mapped[column.key] = (col, _column_letter(col))
            continue
        problems.append(_column_problem(table, position, column.header, known))
    if problems:
        raise ValidationFailed(problems=problems, count=len(problems))
    return mapped


def _column_problem(table: _LinesTable, position: int, header: str, known: set[str]) -> Problem:
    """Say that a column was renamed (when another name stands in its place) or is missing."""
    header_row = table.first_row
    if position < len(table.columns) and table.columns[position].strip().casefold() not in known:
        cell = f"{_column_letter(table.first_col + position)}{header_row}"
        return Problem("table_column_renamed", {"expected": header, "found": table.columns[position]},
                       sheet=table.sheet, cell=cell)
    cell = f"{_column_letter(table.first_col)}{header_row}"
    return Problem("table_column_missing", {"column": header, "table": table.spec.table},
                   sheet=table.sheet, cell=cell)


def _check_size(table: _LinesTable, max_cells: int) -> None:
    """Refuse a table with more cells than the service reads, before reading any value."""
    cells = len(table.data_rows) * (table.last_col - table.first_col + 1)
    if cells > max_cells:
        problem = Problem("too_many_cells", {"count": cells, "limit": max_cells}, sheet=table.sheet)
        raise ValidationFailed("too_many_cells", problems=[problem], count=cells, limit=max_cells)


def _column_letter(index: int) -> str:
    """Return the letters of a 1-based column index: 1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


# --- values -----------------------------------------------------------------------------------

def _values(content: bytes, package: zipfile.ZipFile, max_cells: int) -> CalamineWorkbook:
    """Open the values with python-calamine once no part is larger than the cell limit allows."""
    limit = min(MAX_PART_BYTES, max_cells * BYTES_PER_CELL)
    for info in package.infolist():
        if info.file_size > limit:
            size = {"part": info.filename, "size": info.file_size, "limit": limit, "max_cells": max_cells}
            raise ValidationFailed("part_too_large", problems=[Problem("part_too_large", size)], **size)
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(content))
    except CalamineError as exc:
        raise UnsupportedFile(detail=f"värdena kunde inte läsas ({type(exc).__name__})") from None


class _Grids:
    """Sheet values by real row and column (1-based), with error cells put back."""

    def __init__(self, calamine: CalamineWorkbook, package: zipfile.ZipFile, book: _Book, max_cells: int,
                 content: bytes | None = None):
        self._calamine, self._package, self._book, self._cache = calamine, package, book, {}
        self._max_cells = max_cells
        self._content = content  # the file, for fastexcel's read of a lines table; None: python-calamine only
        self._scans: dict[str, SheetScan] = {}
        self._reading: dict[str, Future] = {}  # sheet -> its lines table's rows being read (`start_table`)

    def get(self, sheet: str | None, nrows: int | None = None) -> "_Grid | None":
        """Return a sheet's grid from its first row, read up to `nrows` (all when None)."""
        if sheet is None:
            return None
        if sheet not in self._cache:
            self._scan(sheet)  # before calamine reads it: a sheet too large is refused unread
            self._cache[sheet] = self._grid(sheet, self._values(sheet, nrows))
        return self._cache[sheet]

    def start_table(self, table: _LinesTable, columns: dict[str, tuple[int, str]]) -> None:
        """Scan a lines table's sheet, then read the table's rows (`table_rows`') in another thread."""
        self._scan(table.sheet)
        reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="planround-sheet")
        self._reading[table.sheet] = reader.submit(self._table_values, table, columns)
        reader.shutdown(wait=False)  # its one thread ends with the read

    def table_rows(self, table: _LinesTable, columns: dict[str, tuple[int, str]]) -> "TableRows":
        """Return the lines table's data rows; a table being read (`start_table`) is waited for."""
        if table.sheet not in self._reading:
            self.start_table(table, columns)
        values = self._reading.pop(table.sheet).result()
        if isinstance(values, TableColumns):
            scan = self._scan(table.sheet)
            return TableRows(None, table.data_rows, columns, _error_cells(scan), scan.formulas, by_column=values)
        grid = self._grid(table.sheet, values)  # the whole sheet, read by python-calamine: the header's cells too
        self._cache.setdefault(table.sheet, grid)
        return _sheet_rows(grid, table.data_rows, columns)

    def _table_values(self, table: _LinesTable, columns: dict[str, tuple[int, str]]) -> TableColumns | list[list[Any]]:
        """Return the table's data rows as columns (fastexcel), else the rows of its whole sheet (python-calamine)."""
        if self._content is not None:
            found = read_table_columns(self._content, table=table.name, sheet=table.sheet,
                                       columns=[col - 1 for col, _ in columns.values()], first_col=table.first_col - 1,
                                       width=table.last_col - table.first_col + 1, height=len(table.data_rows),
                                       header_rows=table.header_rows, totals_rows=table.totals_rows)
            if found is not None:
                return found
        return self._values(table.sheet, table.last_row)

    def _grid(self, sheet: str, values: list[list[Any]]) -> "_Grid":
        scan = self._scan(sheet)
        return _Grid(values, _error_cells(scan), scan.formulas)

    def _values(self, sheet: str, nrows: int | None) -> list[list[Any]]:
        """Read a scanned sheet's values with python-calamine."""
        try:
            # skip_empty_area=False: row 0 of the list is Excel row 1, whatever is empty above.
            return self._calamine.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=nrows)
        except CalamineError as exc:
            raise UnsupportedFile(detail=f"bladet {sheet} kunde inte läsas ({type(exc).__name__})") from None

    def _scan(self, sheet: str) -> SheetScan:
        """Scan the sheet once, refusing one whose cells span past the limit: calamine would hold the whole range."""
        if sheet not in self._scans:
            self._scans[sheet] = self._scan_part(sheet)
        return self._scans[sheet]

    def _scan_part(self, sheet: str) -> SheetScan:
        part = self._book.sheets[sheet]
        scan = _scan(self._package, part)
        limit = self._max_cells + SHEET_MARGIN_CELLS
        if scan.height * scan.width > limit and not scan.exact:
            scan = _scan(self._package, part, exact=True)  # the dimension only bounds it: count the cells
        if scan.height * scan.width > limit:
            size = {"sheet": sheet, "rows": scan.height, "cols": scan.width, "count": scan.height * scan.width,
                    "limit": limit}
            raise ValidationFailed("sheet_too_many_cells", problems=[Problem("sheet_too_many_cells", size,
                                                                             sheet=sheet)], **size)
        return scan


def _error_cells(scan: SheetScan) -> dict[tuple[int, int], CellError]:
    return {where: CellError(text) for where, text in scan.errors.items()}


@dataclass
class _Grid:
    values: list[list[Any]]  # values[0] is Excel row 1
    errors: dict[tuple[int, int], CellError]
    formulas: set[tuple[int, int]] = field(default_factory=set)

    def value(self, row: int, col: int) -> Any:
        """Return the normalised value of a cell: None when empty."""
        error = self.errors.get((row, col))
        if error is not None:
            return error
        if row > len(self.values) or col > len(self.values[row - 1]):
            return None
        return normalise(self.values[row - 1][col - 1])

    @property
    def height(self) -> int:
        return len(self.values)

    def raw_rows(self, rows: range, width: int) -> list[list[Any]]:
        """Return each row's raw values (calamine's), at least `width` long: empty past the read range.

        calamine makes every row as wide as the sheet, so the rows read are nearly always taken as they are.
        """
        empty = [""] * width
        read = self.values[rows.start - 1:rows.stop - 1]  # a table's rows: consecutive
        if not read or min(map(len, read)) < width:
            read = [values if len(values) >= width else values + empty[len(values):] for values in read]
        return read + [empty] * (len(rows) - len(read))


def _by_row(cells, rows: range, key_of: dict[int, str]) -> dict[int, dict[str, Any]]:
    """Group ((row, col), value) pairs of these rows and columns by row, then column key: few, if any."""
    grouped: dict[int, dict[str, Any]] = {}
    for (row, col), value in cells:
        if row in rows and col in key_of:
            grouped.setdefault(row, {})[key_of[col]] = value
    return grouped


NO_FORMULAS: frozenset[str] = frozenset()


def normalise(value: Any) -> Any:
    """Turn empty text into None and whole-number floats into ints (xlsx keeps every number a float)."""
    kind = value.__class__  # exact types: calamine gives plain str and float, and bool is no float
    if kind is str:
        return value if value.strip() else None
    if kind is float and value.is_integer():
        return int(value)
    return value


class _Addresses(Mapping):
    """A row's cell addresses by column key ("F12"), made when a problem names one: most rows never need them."""

    __slots__ = ("_letters", "_row")

    def __init__(self, letters: dict[str, str], row: int):
        self._letters, self._row = letters, row

    def __getitem__(self, key: str) -> str:
        return f"{self._letters[key]}{self._row}"

    def __iter__(self):
        return iter(self._letters)

    def __len__(self) -> int:
        return len(self._letters)


def _sheet_rows(grid: _Grid, rows: range, columns: dict[str, tuple[int, str]]) -> "TableRows":
    """Read the table's rows: values and cell addresses by column key, error values and formulas put in."""
    width = max((col for col, _ in columns.values()), default=0)
    return TableRows(grid.raw_rows(rows, width), rows, columns, grid.errors, grid.formulas)


ROWS_ONE_AT_A_TIME = 64  # rows made from a table's columns one by one; past them every row is made at once


class TableRows(Sequence):
    """A table's rows as read (python-calamine's values); each row's `SheetRow` is made the first time it is asked for.

    A SheetRow (a dict of normalised values, its addresses) costs more to make than calamine's read
    of its cells, and on a large budget most rows are the usual prefilled row that validation can
    check on calamine's own values (`plain_rows`), or, where fastexcel read the table, on its Arrow
    columns (`column`) without making Python rows at all. A SheetRow once made is kept: a reader may
    change its values (the Studenter sheet fills its Budget line), and from then on it is the row's truth.
    """

    def __init__(self, raw: list[list[Any]] | None, numbers: range, columns: dict[str, tuple[int, str]],
                 errors: Mapping[tuple[int, int], CellError], formulas: set[tuple[int, int]], *,
                 by_column: TableColumns | None = None):
        # `raw`: each row's values, None when the table was read as columns (`by_column`): made from them when asked.
        self._raw, self._by_column, self._numbers = raw, by_column, numbers
        self._made_one_at_a_time = 0
        self.index = {key: col - 1 for key, (col, _) in columns.items()}  # column key -> position in a raw row
        self._letters = {key: letter for key, (_, letter) in columns.items()}
        key_of = {col: key for key, (col, _) in columns.items()}
        self._errors = _by_row(errors.items(), numbers, key_of)
        self._formulas = {row: frozenset(keys) for row, keys in
                          _by_row(((where, True) for where in formulas), numbers, key_of).items()}
        self._made: dict[int, SheetRow] = {}

    def __len__(self) -> int:
        return len(self._numbers)

    def __getitem__(self, at):
        if isinstance(at, slice):
            return [self[offset] for offset in range(*at.indices(len(self)))]
        if at < 0:
            at += len(self)
        if not 0 <= at < len(self):
            raise IndexError(at)
        made = self._made.get(at)
        if made is None:
            made = self._made[at] = self._make(at)
        return made

    def __iter__(self):
        return map(self.__getitem__, range(len(self)))

    def number(self, at: int) -> int:
        """Return the Excel row number of the row at this offset."""
        return self._numbers[at]

    def column(self, key: str):
        """Return the Arrow column of this column key (`table_values.TableColumns`), None unless read as columns."""
        return None if self._by_column is None else self._by_column.by_sheet_column.get(self.index[key])

    def irregular(self) -> list[int]:
        """Return the offsets of the rows whose raw values are not all they hold (`plain_rows` gives None for them)."""
        first = self._numbers.start  # the table's rows are consecutive
        return [*(number - first for number in (*self._errors, *self._formulas)), *self._made]

    def plain_rows(self) -> list[list[Any] | None]:
        """Return calamine's raw values of each row (by `index`), None for a row unless they are all it holds.

        None for a row with an error value or a formula in the table, or whose SheetRow has been made.
        """
        rows = list(self._raw_rows())
        for at in self.irregular():
            rows[at] = None
        return rows

    def plain_row(self, at: int) -> list[Any] | None:
        """Return `plain_rows()[at]`, making only this row where the table was read as columns."""
        number = self._numbers[at]
        if at in self._made or number in self._errors or number in self._formulas:
            return None
        return self._raw_row(at)

    def _raw_rows(self) -> list[list[Any]]:
        if self._raw is None:
            self._raw = self._by_column.rows()
        return self._raw

    def _raw_row(self, at: int) -> list[Any]:
        """Return one row's raw values: made alone from the columns for the first few, then with all the others."""
        if self._raw is None and self._made_one_at_a_time < ROWS_ONE_AT_A_TIME:
            self._made_one_at_a_time += 1
            return self._by_column.row(at)
        return self._raw_rows()[at]

    def _make(self, at: int) -> SheetRow:
        raw, number = self._raw_row(at), self._numbers[at]
        values = {key: normalise(raw[index]) for key, index in self.index.items()}
        if number in self._errors:
            values.update(self._errors[number])
        return SheetRow(number, values, _Addresses(self._letters, number), self._formulas.get(number, NO_FORMULAS))


def _as_text(value: Any) -> str:
    """Return a metadata value as the text it was written as."""
    if value is None:
        return ""
    if isinstance(value, CellError):
        return value.text
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value).strip()


def _read_meta(grid: _Grid | None) -> dict[str, str]:
    """Read key/value pairs from columns A/B of the metadata sheet."""
    if grid is None:
        raise ValidationFailed(problems=[_meta_missing()], count=1)
    meta = {}
    for row in range(1, grid.height + 1):
        key = _as_text(grid.value(row, 1))
        if key:
            meta[key] = _as_text(grid.value(row, 2))
    return meta


class _Header(Mapping):
    """The header cells by defined name, read when first asked for.

    The service itself never asks: the metadata sheet says whose the workbook is. Reading them needs
    the whole input sheet from python-calamine, where the lines table's rows may have come from fastexcel.
    """

    def __init__(self, book: _Book, grids: _Grids, names: tuple[str, ...]):
        self._book, self._grids, self._names = book, grids, names
        self._values: dict[str, Any] | None = None

    def _read(self) -> dict[str, Any]:
        if self._values is None:
            self._values = {name: _named_value(self._book, self._grids, name) for name in self._names}
        return self._values

    def __getitem__(self, name: str) -> Any:
        return self._read()[name]

    def __iter__(self):
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._names)


def _named_value(book: _Book, grids: _Grids, name: str) -> Any:
    """Return the value of the cell a defined name points at; None when the name is gone or a range."""
    match = NAME_REF_RE.match(book.names.get(name.casefold(), ""))
    if match is None:
        return None
    sheet = book.sheet_name(match.group(1).replace("''", "'") if match.group(1) else match.group(2))
    cell = REF_RE.match(match.group(3))
    grid = grids.get(sheet)
    return grid.value(int(cell.group(2)), column_index(cell.group(1))) if grid and cell else None
