"""What a sheet's XML says that python-calamine does not: how far its cells reach, its error and formula cells.

python-calamine holds a sheet's whole range in memory and reads error values as empty text, so
before it reads a sheet the reader needs the sheet's extent (to refuse a hostile one) and, after,
which cells hold an error value or a formula. A walk with expat gives all three exactly, but
calls Python for every element: on a 100,000-line budget that walk costs more than calamine's
whole read. Sheets written by Excel, openpyxl and xlsxwriter have a usual shape, which a few
C-level searches over the bytes can prove; then the `<dimension>` bounds the extent and the rare
formulas are found by their tags. Any other sheet (cells without their address, namespace
prefixes, error values, cells outside the dimension) is walked with expat.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import IO, Any
from xml.parsers import expat

CHUNK_BYTES = 1 << 20
REF_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)(?::\$?([A-Za-z]{1,3})\$?(\d+))?$")
DIMENSION_RE = re.compile(rb'<dimension ref="([A-Z]{1,3})([0-9]{1,7})(?::([A-Z]{1,3})([0-9]{1,7}))?"')
SHEET_DATA_END = b"</sheetData>"
ROW_END = b"</row>"
# A cell, row, formula or value tag with a namespace prefix: the byte-level reading only knows plain tags.
PREFIXED_TAG_RE = re.compile(rb":(?:c|row|f|v|is)[\s/>]")
FORMULA_RE = re.compile(rb"<f[\s/>]")
# An attribute value "e" or 'e' (an error cell's t="e"): searched from its letter, rarer than a quote.
ERROR_VALUE_RE = re.compile(rb"e(?<=([\"'])e)\1")
CELL_REF_RE = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"')
# Past the sheet data, a cell or row of any spelling sends the sheet to the walk.
STRAY_CELL_RE = re.compile(rb"<(?:[\w.-]+:)?(?:c|row)[\s/>]")


@dataclass
class SheetScan:
    """A sheet's extent (an upper bound when `exact` is False), error cells and formula cells, by (row, col)."""

    height: int = 0
    width: int = 0
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # -> the error's text, "#N/A" when none
    formulas: set[tuple[int, int]] = field(default_factory=set)
    exact: bool = True


def scan_sheet(open_part: Callable[[], IO[bytes]]) -> SheetScan:
    """Scan a sheet part: by its bytes when it has the usual shape, else with expat."""
    scan = quick_scan(open_part)
    return scan if scan is not None else walk_sheet(open_part)


# --- the byte-level reading of the usual shape ------------------------------------------------

def quick_scan(open_part: Callable[[], IO[bytes]]) -> SheetScan | None:
    """Return the scan, its extent bounded by the `<dimension>`, or None when the sheet is not of the usual shape."""
    scanner = QuickScanner()
    with open_part() as stream:
        while not scanner.declined and (chunk := stream.read(CHUNK_BYTES)):
            scanner.feed(chunk)
    return scanner.result()


class QuickScanner:
    """The byte-level reading of a sheet part, fed its bytes in chunks of `CHUNK_BYTES` (see `quick_scan`).

    The usual shape: a `<dimension ref>` in the first chunk; every row and cell tag plain, with its
    address first and inside the dimension; no error value. Each piece of whole rows is checked with
    a few searches that run in C, so no Python runs per cell. Being fed rather than reading, it can
    share the one decompression of the part with the check for a DTD when the package is opened.
    """

    def __init__(self) -> None:
        self._scan: SheetScan | None = None
        self._outside: re.Pattern | None = None
        self._tail = b""  # what follows the last row's end tag seen, or the first chunk
        self._fed = False
        self.declined = False  # not of the usual shape: the rest of the part need not be fed

    def feed(self, chunk: bytes) -> None:
        """Read the next chunk, checking each piece of whole rows as soon as it ends."""
        if self.declined:
            return
        if not self._fed:
            self._fed, self._tail = True, chunk
            self._scan, self._outside = _dimension(chunk)
            self.declined = self._scan is None
            return
        buffer = self._tail + chunk
        cut = buffer.rfind(ROW_END) + len(ROW_END)
        if cut < len(ROW_END):  # no row ends here (one very long row): read on
            self._tail = buffer
            return
        self._tail = buffer[cut:]
        self.declined = not _usual(buffer[:cut], self._outside, self._scan)

    def result(self) -> SheetScan | None:
        """Return the scan once the whole part is fed (the last piece is what is left), or None when declined."""
        if self.declined or not self._fed or not _usual(self._tail, self._outside, self._scan):
            return None
        return self._scan


def _dimension(head: bytes) -> tuple[SheetScan | None, re.Pattern | None]:
    """Return a scan bounded by the sheet's `<dimension>` and the search for rows or cells outside it."""
    match = DIMENSION_RE.search(head)
    if match is None:
        return None, None
    letters, digits = (match.group(3), match.group(4)) if match.group(3) else (match.group(1), match.group(2))
    scan = SheetScan(height=int(digits), width=column_index(letters.decode()), exact=False)
    return scan, _outside_search(letters, digits)


@lru_cache(maxsize=64)
def _outside_search(letters: bytes, digits: bytes) -> re.Pattern:
    """Return a search for a row or cell tag that is not plain, addressed first and inside the dimension.

    The negative lookahead comes first: at nearly every cell or row tag it is what fails, ending the try.
    """
    row = _at_most(digits, b"0123456789")
    col = _at_most(letters, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return re.compile(rb'<(?:c(?! r="(?:' + col + rb")(?:" + row + rb')")|row(?! r="(?:' + row + rb')"))(?=[\s/>])')


def _at_most(limit: bytes, alphabet: bytes) -> bytes:
    """Return a regex for the strings over `alphabet` that sort at or below `limit`: shorter, or as long and not above.

    Row numbers and column letters compare so (a longer string, even with leading zeros, is taken as above).
    The search runs this at every cell, so it is kept lean: the shorter strings first and possessive
    (what follows a row or column is never of its alphabet, so giving back could not help), the
    limit itself folded into the last class.
    """
    first = alphabet[:1]
    every = b"[" + first + b"-" + alphabet[-1:] + b"]"
    options = [every + b"{1,%d}+" % (len(limit) - 1)] if len(limit) > 1 else []
    for at, char in enumerate(limit[:-1]):
        if char > alphabet[0]:
            below = b"[" + first + b"-" + bytes([char - 1]) + b"]"
            options.append(limit[:at] + below + every + b"{%d}" % (len(limit) - at - 1))
    options.append(limit[:-1] + b"[" + first + b"-" + limit[-1:] + b"]")
    return b"|".join(options)


def _usual(done: bytes, outside: re.Pattern, scan: SheetScan) -> bool:
    """Check a chunk of whole rows and note its formula cells; False when it is not of the usual shape."""
    data, rest = _split_at_sheet_data_end(done)
    if outside.search(data) or PREFIXED_TAG_RE.search(data) or ERROR_VALUE_RE.search(data):
        return False  # a cell without its address or outside the dimension, a prefix, an error value
    if STRAY_CELL_RE.search(rest):
        return False
    for found in FORMULA_RE.finditer(data):
        where = _formula_cell(data, found.start())
        if where is None:
            return False
        scan.formulas.add(where)
    return True


def _split_at_sheet_data_end(done: bytes) -> tuple[bytes, bytes]:
    """Return what comes before the first `</sheetData>` and what after (empty when there is none).

    `rfind` first: it proves the end tag absent in half the time `partition` takes, and all pieces
    but the last have none.
    """
    if done.rfind(SHEET_DATA_END) < 0:
        return done, b""
    data, _, rest = done.partition(SHEET_DATA_END)
    return data, rest


def _formula_cell(data: bytes, at: int) -> tuple[int, int] | None:
    """Return the (row, col) of the cell a `<f>` at `at` belongs to; None when it stands in no open cell."""
    start = data.rfind(b"<c ", 0, at)
    tag_end = data.find(b">", start)
    if start < 0 or data[tag_end - 1:tag_end] == b"/" or b"</c>" in data[tag_end:at]:
        return None
    match = CELL_REF_RE.match(data, start)
    ref = REF_RE.match(match.group(1).decode()) if match else None
    return (int(ref.group(2)), column_index(ref.group(1))) if ref else None


# --- the exact walk with expat ----------------------------------------------------------------

class NotXml(ValueError):
    """The part is not well-formed XML, or declares a DTD."""


def walk_sheet(open_part: Callable[[], IO[bytes]]) -> SheetScan:
    """Walk a sheet part with expat: its exact extent (cells may omit `r`), error and formula cells."""
    walk = _Walk()
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler, parser.EndElementHandler = walk.start, walk.end
    parser.CharacterDataHandler = walk.text
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = _refuse_dtd
    try:
        with open_part() as stream:
            parser.ParseFile(stream)
    except (expat.ExpatError, NotXml):
        raise NotXml() from None
    return walk.scan


def _refuse_dtd(*_: Any) -> None:
    raise NotXml("a DTD")


@dataclass
class _Walk:
    """The sheet as expat goes through it (`start`, `end` and `text` are its handlers)."""

    scan: SheetScan = field(default_factory=SheetScan)
    row: int = 0
    col: int = 0
    where: tuple[int, int] | None = None  # the cell being read, when it has a valid `r`
    is_error: bool = False
    value: list[str] | None = None  # the error cell's <v> text while inside it

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        """Follow a row or a cell (without `r`, one follows the one before it); note formulas and error values."""
        name = tag.rsplit("}", 1)[-1]
        if name == "row":
            ref = attrs.get("r") or ""
            self.row, self.col = int(ref) if ref.isdigit() else self.row + 1, 0
        elif name == "c":
            self._cell(attrs)
        elif name == "f" and self.where is not None:
            self.scan.formulas.add(self.where)
        elif name == "v" and self.is_error and self.where is not None:
            self.value = []

    def _cell(self, attrs: dict[str, str]) -> None:
        match = REF_RE.match(attrs.get("r") or "")
        self.col = column_index(match.group(1)) if match else self.col + 1
        row = int(match.group(2)) if match else self.row  # the cell's own row wins over its row element's
        self.scan.height, self.scan.width = max(self.scan.height, self.row, row), max(self.scan.width, self.col)
        self.where = (row, self.col) if match else None
        self.is_error = attrs.get("t") == "e"

    def end(self, tag: str) -> None:
        """Keep an error cell's value when its <v> ends; forget the cell when it ends."""
        name = tag.rsplit("}", 1)[-1]
        if name == "v" and self.value is not None:
            self.scan.errors[self.where] = "".join(self.value) or "#N/A"
            self.value = None
        elif name == "c":
            if self.is_error and self.where is not None and self.where not in self.scan.errors:
                self.scan.errors[self.where] = "#N/A"
            self.where, self.is_error = None, False

    def text(self, data: str) -> None:
        if self.value is not None:
            self.value.append(data)


def column_index(letters: str) -> int:
    """Return the 1-based index of a column given by its letters: A -> 1, AA -> 27."""
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - ord("A") + 1
    return index
