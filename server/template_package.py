"""A master workbook prepared once, then filled per department by writing its sheets' XML directly.

openpyxl loads the master once (and applies what every template shares, such as the copied
Personal sheet) and saves it: that package is the *prepared master*, kept while the master file
stays the same. Filling it for a department writes only what changes: each sheet's cells, its
protection and data validations, the tables' ranges and the defined names, with plain string
formatting in the form openpyxl writes (inline strings, `%.16g` numbers, formulas without a
cached value). Styles, theme and every other part are copied byte for byte; a cell keeps the
master's style id, and the few derived styles (a text format on an input cell, a bold total)
are registered once in the prepared master's style sheet. Loading and saving the master with
openpyxl per department cost ten times more than writing its cells.
"""

from __future__ import annotations

import io
import re
import threading
import zipfile
from collections.abc import Callable
from copy import copy
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell, ILLEGAL_CHARACTERS_RE
from openpyxl.styles.stylesheet import write_stylesheet
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.datetime import to_excel
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet.datavalidation import DataValidation, DataValidationList
from openpyxl.worksheet.protection import SheetProtection
from openpyxl.xml.functions import tostring

STYLES_PART = "xl/styles.xml"
WORKBOOK_PART = "xl/workbook.xml"
# Elements that follow <dataValidations> in a worksheet (ECMA-376 CT_Worksheet order).
AFTER_VALIDATIONS = ("<hyperlinks", "<printOptions", "<pageMargins", "<pageSetup", "<headerFooter", "<rowBreaks",
                     "<colBreaks", "<customProperties", "<cellWatches", "<ignoredErrors", "<smartTags", "<drawing",
                     "<legacyDrawing", "<picture", "<oleObjects", "<controls", "<webPublishItems", "<tableParts",
                     "<extLst", "</worksheet>")
CORE_PART = "docProps/core.xml"
DATES = (date, time, timedelta)  # datetime is a date
CellValue = Any  # str (a formula when it starts with "="), a number, bool or None; a date is written as its serial


# --- the prepared master ----------------------------------------------------------------------

@dataclass
class _MasterSheet:
    """One worksheet of the prepared master: its XML around the cells, its cells, its row attributes."""

    title: str
    part: str
    head: str  # up to and including <cols>…</cols> (or the sheet format), before <sheetData>
    tail: str  # after </sheetData>, without sheetProtection and dataValidations
    validations_at: int  # where in `tail` the data validations go
    protection: str  # the master's <sheetProtection/>, or ""
    protection_flags: SheetProtection  # the same, as openpyxl read it (a password stays)
    validations: list[DataValidation]  # the master's own
    cells: dict[int, dict[int, tuple[CellValue, int]]]  # row -> column -> (value, style id)
    row_attrs: dict[int, str]  # row -> the attributes after r="…" (heights)
    columns: list[tuple[int, int, str]]  # the <col> elements: first and last column, other attributes


@dataclass
class _MasterTable:
    """An Excel table of the prepared master: its part, sheet, range and XML."""

    name: str
    part: str
    sheet: str
    ref: str
    xml: str


class PreparedMaster:
    """The master as openpyxl saved it once, ready to be filled per department."""

    def __init__(self, wb: Workbook, content: bytes):
        self._wb = wb  # kept for its style sheet: derived styles are registered in it
        self._lock = threading.Lock()
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            self.parts = {info.filename: archive.read(info) for info in archive.infolist()}
        self.sheets = {ws.title: _master_sheet(ws, self.parts[ws.path[1:]].decode()) for ws in wb.worksheets}
        self.tables = {t.displayName.casefold(): _MasterTable(t.displayName, t.path[1:], ws.title, t.ref,
                                                              self.parts[t.path[1:]].decode())
                       for ws in wb.worksheets for t in ws.tables.values()}
        self._workbook_xml = self.parts[WORKBOOK_PART].decode()
        self._name_elements = {m.group(1): m.group(0) for m in re.finditer(
            r'<definedName\b[^>]*?\bname="([^"]*)"[^>]*>.*?</definedName>', self._workbook_xml, flags=re.S)
            if "localSheetId" not in m.group(0).split(">", 1)[0]}
        self.name_cells = {name: _single_cell(defined) for name, defined in wb.defined_names.items()}
        self._styles_xml = self.parts[STYLES_PART]
        self._styles_count = len(wb._cell_styles)
        self._derived: dict[tuple, int] = {}
        self.epoch = wb.epoch  # 1900 or, for a master saved on an old Mac, 1904

    def derive(self, style: int, *, number_format: str | None = None, font=None) -> int:
        """Return the id of `style` with another number format and/or font, registering it once."""
        key = (style, number_format, font)
        if key not in self._derived:
            self._derived[key] = self._derive(style, number_format, font)
        return self._derived[key]

    def _derive(self, style: int, number_format: str | None, font) -> int:
        with self._lock:
            cell = Cell(self._wb.worksheets[0])  # a scratch cell: openpyxl's own style semantics
            cell._style = copy(self._wb._cell_styles[style])
            if number_format is not None:
                cell.number_format = number_format
            if font is not None:
                cell.font = font
            return cell.style_id

    def date_style(self, style: int, value: date | time | timedelta) -> int:
        """Return the style a date takes in a cell of `style`: openpyxl adds a date format when it has none."""
        with self._lock:
            cell = Cell(self._wb.worksheets[0])
            cell._style = copy(self._wb._cell_styles[style])
            cell.value = value
            return cell.style_id

    def workbook_xml(self, names: dict[str, str]) -> bytes:
        """Return workbook.xml with the master's workbook-level defined names, `names` added or changed.

        Names scoped to a sheet (print titles, for instance) stay as the master has them.
        """
        elements = {**self._name_elements, **{name: _name_element(name, text) for name, text in names.items()}}
        local = [m.group(0) for m in re.finditer(r"<definedName\b.*?</definedName>", self._workbook_xml, flags=re.S)
                 if "localSheetId" in m.group(0).split(">", 1)[0]]
        block = "<definedNames>" + "".join(elements.values()) + "".join(local) + "</definedNames>"
        if "<definedNames" in self._workbook_xml:
            return re.sub(r"<definedNames>.*?</definedNames>|<definedNames\s*/>", lambda _: block, self._workbook_xml,
                          count=1, flags=re.S).encode()
        return self._workbook_xml.replace("</sheets>", "</sheets>" + block, 1).encode()

    def styles_xml(self) -> bytes:
        """Return the style sheet with every style registered so far."""
        with self._lock:
            if len(self._wb._cell_styles) != self._styles_count:
                self._styles_xml = tostring(write_stylesheet(self._wb))
                self._styles_count = len(self._wb._cell_styles)
            return self._styles_xml


def prepare(master: bytes, shape: Callable[[Workbook], None] | None = None) -> PreparedMaster:
    """Load the master once, let `shape` add what every filled copy shares, and save it."""
    wb = load_workbook(io.BytesIO(master))
    if shape is not None:
        shape(wb)
    buffer = io.BytesIO()
    wb.save(buffer)  # also names every part (ws.path, table.path) and registers every style
    return PreparedMaster(wb, buffer.getvalue())


def _single_cell(defined) -> tuple[str, int, int] | None:
    """Return (sheet, row, column) of a defined name that points at one cell, else None."""
    destinations = list(defined.destinations)
    if len(destinations) != 1 or ":" in destinations[0][1]:
        return None
    sheet, coordinate = destinations[0]
    col, row, _, _ = range_boundaries(coordinate.replace("$", ""))
    return sheet, row, col


def _master_sheet(ws, xml: str) -> _MasterSheet:
    """Split a saved worksheet's XML around its cells and keep the cells as values and style ids."""
    data = re.search(r"<sheetData\s*/>|<sheetData>.*?</sheetData>", xml, flags=re.S)
    head, tail = xml[:data.start()], xml[data.end():]
    protection = ""
    match = re.match(r"\s*<sheetProtection[^>]*/>", tail)
    if match:
        protection, tail = match.group(0), tail[match.end():]
    tail = re.sub(r"<dataValidations.*?</dataValidations>", "", tail, flags=re.S)
    at = min((i for i in (tail.find(tag) for tag in AFTER_VALIDATIONS) if i >= 0), default=len(tail))
    cells: dict[int, dict[int, tuple[CellValue, int]]] = {}
    for (row, col), cell in ws._cells.items():
        value = to_excel(cell.value, ws.parent.epoch) if isinstance(cell.value, DATES) else cell.value
        cells.setdefault(row, {})[col] = (value, cell.style_id)
    row_attrs = {int(r): attrs for r, attrs in re.findall(r'<row r="(\d+)"([^>]*?)\s*/?>', xml) if attrs.strip()}
    columns = [(int(re.search(r'\bmin="(\d+)"', attrs).group(1)), int(re.search(r'\bmax="(\d+)"', attrs).group(1)),
                re.sub(r'\s*\b(?:min|max)="\d+"', "", attrs).strip()) for attrs in re.findall(r"<col\b([^>]*?)/>", head)]
    return _MasterSheet(ws.title, ws.path[1:], head, tail, at, protection, copy(ws.protection),
                        list(ws.data_validations.dataValidation), cells, row_attrs, columns)


# --- filling a copy ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Place:
    """A cell of a department's copy, found by name."""

    sheet: SheetFill
    row: int
    col: int

    def write(self, value: CellValue) -> None:
        self.sheet.write(self.row, self.col, value)


class SheetFill:
    """One sheet of a department's copy: the master's cells with what the generator writes over them."""

    def __init__(self, master: PreparedMaster, sheet: _MasterSheet):
        self.master, self.title = master, sheet.title
        self._sheet = sheet
        self._rows = dict(sheet.cells)  # row dicts are copied on first write
        self._copied: set[int] = set()
        self.validations: list[DataValidation] = []
        self.protection: SheetProtection | None = None
        self.widths: dict[int, float] = {}

    def _row(self, row: int) -> dict[int, tuple[CellValue, int]]:
        if row not in self._copied:
            self._rows[row] = dict(self._rows.get(row, {}))
            self._copied.add(row)
        return self._rows[row]

    def value(self, row: int, col: int) -> CellValue:
        return self._rows.get(row, {}).get(col, (None, 0))[0]

    def style(self, row: int, col: int) -> int:
        return self._rows.get(row, {}).get(col, (None, 0))[1]

    def write(self, row: int, col: int, value: CellValue, style: int | None = None) -> None:
        """Set a cell's value, and its style when given (else it keeps the one it has)."""
        cells = self._row(row)
        style = cells.get(col, (None, 0))[1] if style is None else style
        if isinstance(value, DATES):  # stored as Excel's serial number, in the master's date system
            style, value = self.master.date_style(style, value), to_excel(value, self.master.epoch)
        elif isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
            raise IllegalCharacterError(f"{value!r} cannot be used in worksheets.")
        cells[col] = (value, style)

    def style_rows(self, first_row: int, last_row: int, styles: dict[int, int]) -> None:
        """Give the cells of these rows and columns their column's style, keeping their values."""
        blank = {col: (None, style) for col, style in styles.items()}
        for row in range(first_row, last_row + 1):
            if row in self._rows:
                for col, style in styles.items():
                    self.set_style(row, col, style)
            else:  # a new row, as most of a table's are
                self._rows[row] = dict(blank)
                self._copied.add(row)

    def set_style(self, row: int, col: int, style: int) -> None:
        """Give a cell a style, keeping its value."""
        cells = self._row(row)
        cells[col] = (cells.get(col, (None, 0))[0], style)

    def format(self, row: int, col: int, *, number_format: str | None = None, font=None) -> None:
        """Give a cell its style with another number format and/or font."""
        self.set_style(row, col, self.master.derive(self.style(row, col), number_format=number_format, font=font))

    @property
    def max_row(self) -> int:
        return max((row for row, cells in self._rows.items() if cells), default=1)

    def protect(self, **flags: bool) -> None:
        """Protect the sheet, with these flags over the master's protection of it."""
        self.protection = copy(self._sheet.protection_flags)
        self.protection.sheet = True
        for flag, value in flags.items():
            setattr(self.protection, flag, value)

    def xml(self) -> bytes:
        """Return the worksheet's XML: the master's head and tail around the written rows."""
        sheet = self._sheet
        rows = sorted(row for row, cells in self._rows.items() if cells or row in sheet.row_attrs)
        head = _with_dimension(sheet.head, self._dimension(rows))
        if self.widths:
            head = _with_widths(head, sheet.columns, self.widths)
        body = "".join(self._row_xml(row) for row in rows)
        tail = sheet.tail[:sheet.validations_at] + self._validations_xml() + sheet.tail[sheet.validations_at:]
        protection = tostring(self.protection.to_tree()).decode() if self.protection else sheet.protection
        data = f"<sheetData>{body}</sheetData>" if body else "<sheetData />"
        return (head + data + protection + tail).encode()

    def _dimension(self, rows: list[int]) -> str:
        cols = [col for row in rows for col in self._rows.get(row, {})]
        if not cols:
            return "A1:A1"
        return f"{get_column_letter(min(cols))}{rows[0]}:{get_column_letter(max(cols))}{rows[-1]}"

    def _row_xml(self, row: int) -> str:
        number = str(row)
        text = "".join([f'<c r="{get_column_letter(col)}{number}" s="{style}" t="n" />'
                        if value is None  # most cells: styled, empty, waiting for input
                        else _cell_xml(get_column_letter(col) + number, value, style)
                        for col, (value, style) in sorted(self._rows.get(row, {}).items())
                        if style or value is not None])  # as openpyxl, no unstyled blanks
        attrs = self._sheet.row_attrs.get(row, "")
        return f'<row r="{row}"{attrs}>{text}</row>' if text else f'<row r="{row}"{attrs} />'

    def _validations_xml(self) -> str:
        validations = self._sheet.validations + self.validations
        if not validations:
            return ""
        return tostring(DataValidationList(dataValidation=validations).to_tree()).decode()


def _cell_xml(ref: str, value: CellValue, style: int) -> str:
    """Return one <c> element as openpyxl writes it."""
    styled = f' s="{style}"' if style else ""
    if value is None or value == "":
        return f'<c r="{ref}"{styled} t="n" />'
    if isinstance(value, str):
        if value.startswith("=") and len(value) > 1:
            return f'<c r="{ref}"{styled}><f>{_escaped(value[1:])}</f><v /></c>'
        space = ' xml:space="preserve"' if value.strip() and value != value.strip() else ""
        return f'<c r="{ref}"{styled} t="inlineStr"><is><t{space}>{_escaped(value)}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{styled} t="b"><v>{int(value)}</v></c>'
    return f'<c r="{ref}"{styled} t="n"><v>{"%.16g" % value}</v></c>'


def _escaped(text: str) -> str:
    """Return text for an XML element; most texts (codes, names, formulas) need no escaping."""
    return escape(text) if "&" in text or "<" in text or ">" in text else text


def _modified_now(core: bytes) -> bytes:
    """Return the document properties with the time of modification now, as openpyxl's save sets it."""
    now = datetime.now(tz=timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
    return re.sub(rb"(<dcterms:modified\b[^>]*>)[^<]*(</dcterms:modified>)", lambda m: m.group(1) + now.encode() + m.group(2),
                  core, count=1)


def _with_dimension(head: str, ref: str) -> str:
    return re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{ref}"', head, count=1)


def _with_widths(head: str, master: list[tuple[int, int, str]], widths: dict[int, float]) -> str:
    """Return the head with the given column widths over the master's (whose ranges are split around them)."""
    columns = []
    for first, last, attrs in master:
        start = first
        for col in sorted(c for c in widths if first <= c <= last):
            if start < col:
                columns.append((start, col - 1, attrs))
            start = col + 1
        if start <= last:
            columns.append((start, last, attrs))
    columns += [(col, col, f'width="{width:g}" customWidth="1"') for col, width in widths.items()]
    element = "<cols>" + "".join(f'<col {attrs} min="{first}" max="{last}" />'
                                 for first, last, attrs in sorted(columns)) + "</cols>"
    if "<cols>" in head:
        return re.sub(r"<cols>.*?</cols>", lambda _: element, head, count=1, flags=re.S)
    return head + element


@dataclass
class TableFill:
    """An Excel table of a department's copy: its range, and its columns when the generator adds some."""

    master: _MasterTable
    ref: str
    columns: list[str] | None = None  # the header texts, when they differ from the master's

    def xml(self) -> bytes:
        xml = re.sub(r'(<(?:table|autoFilter)\b[^>]*?\sref=)"[^"]*"', lambda m: f'{m.group(1)}"{self.ref}"', self.master.xml)
        if self.columns is not None:
            columns = "".join(f"<tableColumn id=\"{i}\" name={quoteattr(name)} />"
                              for i, name in enumerate(self.columns, start=1))
            xml = re.sub(r"<tableColumns\b.*?</tableColumns>",
                         lambda _: f'<tableColumns count="{len(self.columns)}">{columns}</tableColumns>', xml, flags=re.S)
        return xml.encode()


@dataclass
class Filling:
    """A department's copy of the prepared master being filled; `content()` returns the xlsx bytes."""

    master: PreparedMaster
    sheets: dict[str, SheetFill] = field(default_factory=dict)
    tables: dict[str, TableFill] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # defined names set or changed

    def sheet(self, title: str) -> SheetFill:
        if title not in self.sheets:
            self.sheets[title] = SheetFill(self.master, self.master.sheets[title])
        return self.sheets[title]

    def table(self, name: str) -> TableFill | None:
        """Return the table of that name (case-insensitive, as Excel), or None."""
        master = self.master.tables.get(name.casefold())
        if master is None:
            return None
        if master.name not in self.tables:
            self.tables[master.name] = TableFill(master, master.ref)
        return self.tables[master.name]

    def named_cell(self, name: str) -> Place | None:
        """Return the cell a workbook-level name points at, or None when it names no single cell."""
        place = self.master.name_cells.get(name)
        return None if place is None else Place(self.sheet(place[0]), place[1], place[2])

    def content(self) -> bytes:
        """Return the filled workbook: changed parts written, every other part copied as it was."""
        changed = {self.master.sheets[title].part: sheet.xml() for title, sheet in self.sheets.items()}
        changed.update({t.master.part: t.xml() for t in self.tables.values()})
        changed[WORKBOOK_PART] = self.master.workbook_xml(self.names)
        changed[STYLES_PART] = self.master.styles_xml()
        if CORE_PART in self.master.parts:
            changed[CORE_PART] = _modified_now(self.master.parts[CORE_PART])
        buffer = io.BytesIO()
        # A light compression: level 6 (zlib's default) took six times as long for a tenth smaller file.
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=3) as archive:
            for part, data in self.master.parts.items():
                archive.writestr(part, changed.get(part, data))
        return buffer.getvalue()


def _name_element(name: str, text: str) -> str:
    return f"<definedName name={quoteattr(name)}>{escape(text)}</definedName>"
