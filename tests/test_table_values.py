"""`read_table_columns`: fastexcel's read of a lines table gives python-calamine's values for it, or None.

Each case writes a real xlsx with openpyxl, reads the table with fastexcel and the whole sheet with
python-calamine, and holds the two to each other. Hypothesis draws columns of the kinds of value an
economist may type, each column of one kind or of many.
"""

from __future__ import annotations

import io
import math
from datetime import date, datetime, time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table
from python_calamine import CalamineWorkbook

from planround.server.table_values import read_table_columns

SHEET, TABLE = "Budget", "BudgetLines"


def book(columns: list[list[Any]], *, first_col: int = 1, header_row: int = 4, totals: bool = False) -> bytes:
    """Return an xlsx with a heading and a date above a table whose columns hold these values."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.cell(1, 1, "Budgetunderlag")
    ws.cell(2, first_col + 1, date(2026, 10, 15))
    for offset, values in enumerate(columns):
        ws.cell(header_row, first_col + offset, f"Kolumn {offset}")
        for row, value in enumerate(values, start=header_row + 1):
            ws.cell(row, first_col + offset, value)
    height = max(map(len, columns))
    last = f"{get_column_letter(first_col + len(columns) - 1)}{header_row + height + (1 if totals else 0)}"
    ws.add_table(Table(displayName=TABLE, ref=f"{get_column_letter(first_col)}{header_row}:{last}",
                       totalsRowCount=1 if totals else None))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def read_table_rows(content: bytes, **table: Any) -> list | None:
    """The table's rows as its columns make them (`TableColumns.rows`), or None where fastexcel stood aside."""
    found = read_table_columns(content, **table)
    return None if found is None else found.rows()


def fast_rows(content: bytes, width: int, height: int, *, first_col: int = 1, **table: Any) -> list | None:
    arguments = {"table": TABLE, "sheet": SHEET, "header_rows": 1, "totals_rows": 0, **table}
    return read_table_rows(content, columns=range(first_col - 1, first_col - 1 + width), first_col=first_col - 1,
                           width=width, height=height, **arguments)


def calamine_rows(content: bytes, first: int, height: int, width: int) -> list[list[Any]]:
    """The same rows as python-calamine reads the whole sheet, as wide as the table's last column."""
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name(SHEET)
    rows = sheet.to_python(skip_empty_area=False)[first - 1:first - 1 + height]
    rows += [[]] * (height - len(rows))
    return [(row + [""] * width)[:width] for row in rows]


def same(fast: list[list[Any]], calamine: list[list[Any]]) -> bool:
    """Say whether the rows hold the same values of the same types (NaN never reaches a cell)."""
    return all(type(a) is type(b) and a == b for fast_row, calamine_row in zip(fast, calamine, strict=True)
               for a, b in zip(fast_row, calamine_row, strict=True))


def test_text_numbers_and_empty_cells_read_as_python_calamine_reads_them():
    columns = [["V0000", "", None, "Verksamhet å ä ö", "  mellanslag  "],
               [10000.0, 114729.01, None, -0.5, 1e-300],
               [None, None, None, None, None],
               ["Jämn", "a_x000D_b", "rad\nny", "=tecken", "12,5"]]
    content = book(columns)
    fast = fast_rows(content, 4, 5)
    assert fast is not None
    assert same(fast, calamine_rows(content, 5, 5, 4))
    assert fast[0][:2] == ["V0000", 10000.0] and fast[2] == ["", "", "", "rad\nny"]


def test_a_table_away_from_a1_keeps_each_value_in_its_sheet_column():
    columns = [["UTB", "FOR"], [1.5, 2.0]]
    content = book(columns, first_col=3, header_row=9)
    fast = fast_rows(content, 2, 2, first_col=3)
    assert fast == [["", "", "UTB", 1.5], ["", "", "FOR", 2.0]]
    assert same(fast, calamine_rows(content, 10, 2, 4))


def test_only_the_columns_asked_for_are_read_the_others_stay_empty():
    content = book([["UTB", "FOR"], [date(2027, 1, 31), None], [7.0, 8.0]])  # the dates are not asked for
    fast = read_table_rows(content, table=TABLE, sheet=SHEET, columns=[2, 0], first_col=0, width=3, height=2,
                           header_rows=1, totals_rows=0)
    assert fast == [["UTB", "", 7.0], ["FOR", "", 8.0]]


def test_error_values_are_empty_as_python_calamine_reads_them():
    content = book([["#N/A", "x"], [1.0, "#DIV/0!"]])
    fast = fast_rows(content, 2, 2)
    assert fast == [["", 1.0], ["x", ""]]
    assert same(fast, calamine_rows(content, 5, 2, 2))


def test_rich_text_reads_as_its_plain_text():
    rich = CellRichText("Ny ", TextBlock(InlineFont(b=True), "tjänst"))
    content = book([[rich, "vanlig"]])
    fast = fast_rows(content, 1, 2)
    assert fast == [["Ny tjänst"], ["vanlig"]]
    assert same(fast, calamine_rows(content, 5, 2, 1))


@pytest.mark.parametrize("odd", [date(2027, 1, 31), datetime(2027, 1, 31, 12, 0), time(8, 30), True, "text"],
                         ids=["date", "datetime", "time", "boolean", "text"])
def test_a_column_of_numbers_with_another_kind_of_value_is_left_to_python_calamine(odd):
    content = book([["UTB", "FOR", "LED"], [1.0, odd, 3.0]])
    assert fast_rows(content, 2, 3) is None


@pytest.mark.parametrize("change", [{"table": "NoSuchTable"}, {"sheet": "Sammanställning"}, {"header_rows": 0},
                                    {"totals_rows": 1}], ids=["table", "sheet", "header-rows", "totals-row"])
def test_a_table_other_than_the_one_described_is_left_to_python_calamine(change):
    content = book([["UTB", "FOR"], [1.0, 2.0]])
    assert fast_rows(content, 2, 2, **change) is None


def test_a_table_of_another_height_or_width_than_described_is_left_to_python_calamine():
    content = book([["UTB", "FOR"], [1.0, 2.0]])
    assert fast_rows(content, 2, 3) is None
    assert fast_rows(content, 1, 2) is None


def test_a_table_with_a_totals_row_is_left_to_python_calamine():
    content = book([["UTB", "FOR"], [1.0, 2.0]], totals=True)
    assert fast_rows(content, 2, 2, totals_rows=1) is None


# --- any values --------------------------------------------------------------------------------

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12).filter(
    lambda text: not ILLEGAL_CHARACTERS_RE.search(text) and not text.startswith("="))
NUMBER = st.floats(allow_nan=False, allow_infinity=False) | st.integers(-10**15, 10**15)
OTHER = st.sampled_from([True, False, date(2027, 1, 31), datetime(2027, 1, 31, 12, 0), "#N/A", "#REF!"])
KINDS = {"text": TEXT, "number": NUMBER, "other": OTHER, "any": TEXT | NUMBER | OTHER}


@st.composite
def tables(draw) -> tuple[list[list[Any]], list[str]]:
    height, width = draw(st.integers(1, 6)), draw(st.integers(1, 4))
    kinds = draw(st.lists(st.sampled_from(sorted(KINDS)), min_size=width, max_size=width))
    columns = [draw(st.lists(st.none() | KINDS[kind], min_size=height, max_size=height)) for kind in kinds]
    return columns, kinds


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_any_table_reads_as_python_calamine_reads_it_or_is_left_to_it(drawn):
    columns, kinds = drawn
    height, width = len(columns[0]), len(columns)
    content = book(columns)
    fast = fast_rows(content, width, height)
    if fast is None:
        assert set(kinds) - {"text", "number"}, "a table of text and numbers only is fastexcel's to read"
        return
    assert same(fast, calamine_rows(content, 5, height, width))
    assert not any(isinstance(value, float) and math.isnan(value) for row in fast for value in row)
