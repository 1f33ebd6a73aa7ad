"""Reading a submitted workbook into plain rows: the service's hot path.

Only this module opens submitted files. Values come from python-calamine (fast, no
formula evaluation: cached values only); the defined names and the Excel table that say
where things are come from the workbook's XML parts, read with defusedxml.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from xml.etree.ElementTree import ParseError
from xml.parsers import expat

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from python_calamine import CalamineError, CalamineWorkbook

from planround.server import layout
from planround.server.errors import Problem, UnsupportedFile, ValidationFailed


@dataclass(frozen=True)
class CellError:
    """An Excel error value in a cell, such as #REF! or #DIV/0!."""

    text: str


@dataclass
class SheetRow:
    """One row of the lines table as read: raw values and where each one stands."""

    row: int  # the Excel row number, 1-based
    values: dict[str, Any]  # column key (its kind's layout) -> None, str, int, float, bool, date, datetime, CellError
    cells: dict[str, str]  # column key -> A1 address, for example "F12"
    formulas: frozenset[str] = frozenset()  # column keys whose cell holds a formula


@dataclass
class SubmittedWorkbook:
    """What a submitted workbook says: its metadata, its header cells and its lines."""

    sheet: str  # the input sheet's name
    meta: dict[str, str]  # key -> value from the metadata sheet
    header: dict[str, Any] = field(default_factory=dict)  # defined name -> value
    rows: list[SheetRow] = field(default_factory=list)
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
XML_SUFFIXES = (".xml", ".rels", ".vml")
REL_TABLE = "/table"
REF_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)(?::\$?([A-Za-z]{1,3})\$?(\d+))?$")
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
    with _open_package(content) as package:
        book = _read_book(package)
        table = _find_lines_table(package, book)
        columns = _map_columns(table)
        _check_size(table, max_cells)
        grids = _values(content, package, book, max_cells)
        input_grid = grids.get(table.sheet, table.last_row)
        rows = [_sheet_row(input_grid, row, columns) for row in table.data_rows]
        meta = _read_meta(grids.get(book.sheet_name(layout.META_SHEET)))
        header = {name: _named_value(book, grids, name) for name in table.spec.header_names}
    return SubmittedWorkbook(sheet=table.sheet, meta=meta, header=header, rows=rows, kind=table.spec.kind)


@dataclass
class SubmittedTable:
    """Another table of a submitted template (found by its name): its sheet and its rows."""

    sheet: str
    rows: list[SheetRow]


def read_table(content: bytes, spec: layout.TemplateLayout, *, max_cells: int) -> SubmittedTable | None:
    """Read the rows of the template table `spec` names, by column header; None when the workbook has none."""
    with _open_package(content) as package:
        book = _read_book(package)
        table = _find_table(package, book, (spec,))
        if table is None:
            return None
        columns = _map_columns(table)
        _check_size(table, max_cells)
        grid = _values(content, package, book, max_cells).get(table.sheet, table.last_row)
        return SubmittedTable(table.sheet, [_sheet_row(grid, row, columns) for row in table.data_rows])


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
        height, width = _sheet_extent(package, book.sheets[name])
        if height > max_rows or width > max_cols:
            # Checked on the XML before python-calamine, which would hold the whole range in memory.
            size = {"sheet": name, "rows": height, "cols": width, "max_rows": max_rows, "max_cols": max_cols}
            raise ValidationFailed("sheet_too_large", problems=[Problem("sheet_too_large", size, sheet=name)],
                                   **size)
        grid = _values(content, package, book, max_rows * max_cols).get(name)
    return PlainSheet(name, [[grid.value(row, col) for col in range(1, width + 1)]
                             for row in range(1, height + 1)])


def _sheet_extent(package: zipfile.ZipFile, part: str) -> tuple[int, int]:
    """Return the last row and column that hold a cell, from the sheet's XML (cells may omit `r`)."""
    extent = _Extent()
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = extent.start
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = _refuse_dtd
    try:
        with _open_part(package, part) as stream:
            parser.ParseFile(stream)
    except (expat.ExpatError, ValueError):
        raise UnsupportedFile(detail=f"delen {part} är ingen giltig XML") from None
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError):
        raise UnsupportedFile(detail=f"delen {part} är trasig") from None
    return extent.height, extent.width


def _refuse_dtd(*_: Any) -> None:
    raise ValueError("a DTD")


@dataclass
class _Extent:
    """The sheet's extent as its rows and cells go by (expat calls `start`, fast on a large sheet)."""

    height: int = 0
    width: int = 0
    row: int = 0
    col: int = 0

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        """Follow a row or a cell; a row or cell without `r` follows the one before it."""
        name = tag.rsplit("}", 1)[-1]
        if name == "row":
            ref = attrs.get("r") or ""
            self.row, self.col = int(ref) if ref.isdigit() else self.row + 1, 0
        elif name == "c":
            match = REF_RE.match(attrs.get("r") or "")
            self.col = _column_index(match.group(1)) if match else self.col + 1
            row = int(match.group(2)) if match else self.row  # the cell's own row wins over its row element's
            self.height, self.width = max(self.height, self.row, row), max(self.width, self.col)


# --- the package ------------------------------------------------------------------------------

def _open_package(content: bytes) -> zipfile.ZipFile:
    """Open the bytes as an xlsx package, or say in Swedish why they are not one."""
    if content.startswith(OLE2_MAGIC):
        encrypted = any(marker in content for marker in ENCRYPTED_MARKERS)
        raise UnsupportedFile(detail="den är lösenordsskyddad; ta bort lösenordet (Arkiv > Info > Skydda arbetsbok)"
                              if encrypted else "den är i det gamla Excel-formatet (.xls)")
    if not content.startswith(b"PK"):
        raise UnsupportedFile(detail="den är inte en zip-fil, som en .xlsx alltid är (kanske en CSV- eller textfil)")
    try:
        package = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise UnsupportedFile(detail="den är en trasig eller ofullständig zip-fil") from None
    _check_parts(package)
    return package


def _check_parts(package: zipfile.ZipFile) -> None:
    """Refuse macro workbooks, packages without a workbook part and oversized parts."""
    names = set(package.namelist())
    content_types = _read_part(package, "[Content_Types].xml") if "[Content_Types].xml" in names else b""
    if "xl/vbaProject.bin" in names or b"macroEnabled" in content_types:
        raise UnsupportedFile(detail="den är en makroarbetsbok (.xlsm)")
    if WORKBOOK_PART not in names:
        raise UnsupportedFile(detail=f"den saknar {WORKBOOK_PART}")
    if any(info.file_size > MAX_PART_BYTES for info in package.infolist()):
        raise UnsupportedFile(detail="en del av filen är orimligt stor uppackad")
    for info in package.infolist():
        if info.filename.lower().endswith(XML_SUFFIXES) and _has_doctype(package, info.filename):
            raise UnsupportedFile(detail=f"delen {info.filename} har en DTD (DOCTYPE), som en arbetsbok aldrig har")


def _has_doctype(package: zipfile.ZipFile, part: str) -> bool:
    """Say whether an XML part declares a DTD, read in chunks: python-calamine must never parse one."""
    tail = b""
    try:
        with _open_part(package, part) as stream:
            while chunk := stream.read(1 << 20):
                window = (tail + chunk).replace(b"\0", b"")  # a UTF-16 part spells <!DOCTYPE with NUL bytes
                if b"<!DOCTYPE" in window.upper():
                    return True
                tail = window[-16:]
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError):
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
    return _LinesTable(spec, sheet, sheet_part, _column_index(match.group(1)), int(match.group(2)),
                       _column_index(match.group(3)), int(match.group(4)),
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


def _column_index(letters: str) -> int:
    """Return the 1-based index of a column given by its letters: A -> 1, AA -> 27."""
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - ord("A") + 1
    return index


def _column_letter(index: int) -> str:
    """Return the letters of a 1-based column index: 1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


# --- values -----------------------------------------------------------------------------------

def _special_cells(package: zipfile.ZipFile, part: str) -> tuple[dict[tuple[int, int], CellError],
                                                                   set[tuple[int, int]]]:
    """Return the sheet's error cells (python-calamine reads them as '') and formula cells, by (row, column)."""
    data = _read_part(package, part) if part in package.namelist() else b""
    if not re.search(rb"""t=["']e["']|<(?:\w+:)?f[ >/]""", data):
        return {}, set()  # the common case: no error values, no formulas, no second pass over the sheet
    cells = _SpecialCells()
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler, parser.EndElementHandler = cells.start, cells.end
    parser.CharacterDataHandler = cells.text
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = _refuse_dtd
    try:
        parser.Parse(data, True)
    except (expat.ExpatError, ValueError):
        raise UnsupportedFile(detail=f"delen {part} är ingen giltig XML") from None
    return cells.errors, cells.formulas


@dataclass
class _SpecialCells:
    """Error and formula cells as expat goes through a sheet."""

    errors: dict[tuple[int, int], CellError] = field(default_factory=dict)
    formulas: set[tuple[int, int]] = field(default_factory=set)
    where: tuple[int, int] | None = None  # the cell being read, when it has a valid `r`
    is_error: bool = False
    value: list[str] | None = None  # the error cell's <v> text while inside it

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        """Note a cell's address and type, its formula and the start of an error cell's value."""
        name = tag.rsplit("}", 1)[-1]
        if name == "c":
            match = REF_RE.match(attrs.get("r") or "")
            self.where = (int(match.group(2)), _column_index(match.group(1))) if match else None
            self.is_error = attrs.get("t") == "e"
        elif name == "f" and self.where is not None:
            self.formulas.add(self.where)
        elif name == "v" and self.is_error and self.where is not None:
            self.value = []

    def end(self, tag: str) -> None:
        """Keep an error cell's value when its <v> ends; forget the cell when it ends."""
        name = tag.rsplit("}", 1)[-1]
        if name == "v" and self.value is not None:
            self.errors[self.where] = CellError("".join(self.value) or "#N/A")
            self.value = None
        elif name == "c":
            if self.is_error and self.where is not None and self.where not in self.errors:
                self.errors[self.where] = CellError("#N/A")
            self.where, self.is_error = None, False

    def text(self, data: str) -> None:
        if self.value is not None:
            self.value.append(data)


def _values(content: bytes, package: zipfile.ZipFile, book: _Book, max_cells: int) -> "_Grids":
    """Open the values with python-calamine once no part is larger than the cell limit allows."""
    limit = min(MAX_PART_BYTES, max_cells * BYTES_PER_CELL)
    for info in package.infolist():
        if info.file_size > limit:
            size = {"part": info.filename, "size": info.file_size, "limit": limit, "max_cells": max_cells}
            raise ValidationFailed("part_too_large", problems=[Problem("part_too_large", size)], **size)
    return _Grids(_open_calamine(content), package, book, max_cells)


def _open_calamine(content: bytes) -> CalamineWorkbook:
    """Open the workbook's values with python-calamine."""
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(content))
    except CalamineError as exc:
        raise UnsupportedFile(detail=f"värdena kunde inte läsas ({type(exc).__name__})") from None


class _Grids:
    """Sheet values by real row and column (1-based), with error cells put back."""

    def __init__(self, calamine: CalamineWorkbook, package: zipfile.ZipFile, book: _Book, max_cells: int):
        self._calamine, self._package, self._book, self._cache = calamine, package, book, {}
        self._max_cells = max_cells

    def get(self, sheet: str | None, nrows: int | None = None) -> "_Grid | None":
        """Return a sheet's grid, read up to `nrows` (all rows when None)."""
        if sheet is None:
            return None
        if sheet not in self._cache:
            self._check_extent(sheet)
            try:
                # skip_empty_area=False: row 0 of the list is Excel row 1, whatever is empty above.
                values = self._calamine.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=nrows)
            except CalamineError as exc:
                raise UnsupportedFile(detail=f"bladet {sheet} kunde inte läsas ({type(exc).__name__})") from None
            self._cache[sheet] = _Grid(values, *_special_cells(self._package, self._book.sheets[sheet]))
        return self._cache[sheet]

    def _check_extent(self, sheet: str) -> None:
        """Refuse a sheet whose cells span more than the limit: python-calamine would hold the whole range."""
        height, width = _sheet_extent(self._package, self._book.sheets[sheet])
        limit = self._max_cells + SHEET_MARGIN_CELLS
        if height * width > limit:
            size = {"sheet": sheet, "rows": height, "cols": width, "count": height * width, "limit": limit}
            raise ValidationFailed("sheet_too_many_cells", problems=[Problem("sheet_too_many_cells", size,
                                                                             sheet=sheet)], **size)


@dataclass
class _Grid:
    values: list[list[Any]]
    errors: dict[tuple[int, int], CellError]
    formulas: set[tuple[int, int]] = field(default_factory=set)

    def value(self, row: int, col: int) -> Any:
        """Return the normalised value of a cell: None when empty."""
        error = self.errors.get((row, col))
        if error is not None:
            return error
        if row > len(self.values) or col > len(self.values[row - 1]):
            return None
        return _normalise(self.values[row - 1][col - 1])

    @property
    def height(self) -> int:
        return len(self.values)


def _normalise(value: Any) -> Any:
    """Turn empty text into None and whole-number floats into ints (xlsx keeps every number a float)."""
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _sheet_row(grid: _Grid, row: int, columns: dict[str, tuple[int, str]]) -> SheetRow:
    """Read one table row into values and cell addresses by column key."""
    values = {key: grid.value(row, col) for key, (col, _) in columns.items()}
    cells = {key: f"{letter}{row}" for key, (_, letter) in columns.items()}
    formulas = frozenset(key for key, (col, _) in columns.items() if (row, col) in grid.formulas)
    return SheetRow(row=row, values=values, cells=cells, formulas=formulas)


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


def _named_value(book: _Book, grids: _Grids, name: str) -> Any:
    """Return the value of the cell a defined name points at; None when the name is gone or a range."""
    match = NAME_REF_RE.match(book.names.get(name.casefold(), ""))
    if match is None:
        return None
    sheet = book.sheet_name(match.group(1).replace("''", "'") if match.group(1) else match.group(2))
    cell = REF_RE.match(match.group(3))
    grid = grids.get(sheet)
    return grid.value(int(cell.group(2)), _column_index(cell.group(1))) if grid and cell else None
