"""Scanning a sheet's XML: the byte-level reading of the usual shape agrees with the expat walk, or declines."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
import xlsxwriter

from planround.server.sheet_scan import NotXml, quick_scan, scan_sheet, walk_sheet

HEAD = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def opener(xml: str):
    return lambda: io.BytesIO(xml.encode())


def sheet(rows: str, dimension: str = "A1:C3") -> str:
    return f'{HEAD}<dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>'


def openpyxl_sheet() -> str:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in range(1, 2001):
        ws.cell(row, 1, f"UTB{row}")
        ws.cell(row, 3, row * 1.5)
    ws["T1500"] = "=A1"
    ws["B7"] = "=C7*2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return zipfile.ZipFile(buffer).read("xl/worksheets/sheet1.xml").decode()


def xlsxwriter_sheet() -> str:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = book.add_worksheet()
    for row in range(300):
        ws.write_row(row, 0, ["x", row, None, "y"])
    ws.write_formula("D10", "=B10+1", None, 11)
    book.close()
    return zipfile.ZipFile(buffer).read("xl/worksheets/sheet1.xml").decode()


@pytest.mark.parametrize("make", [openpyxl_sheet, xlsxwriter_sheet])
def test_a_written_sheet_is_read_by_its_bytes_with_the_walks_formulas_and_within_the_dimension(make):
    xml = make()
    quick, walked = quick_scan(opener(xml)), walk_sheet(opener(xml))
    assert quick is not None and not quick.exact
    assert quick.formulas == walked.formulas and walked.formulas
    assert (quick.height, quick.width) == (walked.height, walked.width)  # these writers keep the dimension tight
    assert quick.errors == walked.errors == {}


@pytest.mark.parametrize("rows", [
    '<row r="1"><c r="A1" t="e"><v>#REF!</v></c></row>',  # an error value
    '<row r="1"><c><v>1</v></c></row>',  # a cell without its address
    '<row><c r="A1"><v>1</v></c></row>',  # a row without its number
    '<row r="1"><c r="D1"><v>1</v></c></row>',  # a cell right of the dimension
    '<row r="4"><c r="A4"><v>1</v></c></row>',  # a row below it
    '<row r="1"><c s="1" r="A1"><v>1</v></c></row>',  # the address not first
    '<row r="1"><x:c xmlns:x="urn:x" r="A1"><v>1</v></x:c></row>',  # a prefixed cell
])
def test_a_sheet_of_another_shape_is_left_to_the_walk(rows):
    xml = sheet(rows)
    assert quick_scan(opener(xml)) is None
    assert scan_sheet(opener(xml)).exact


def test_the_walk_follows_rows_and_cells_without_addresses_and_keeps_error_texts():
    xml = sheet('<row><c><v>1</v></c><c/><c t="e"/></row><row r="5"><c r="B5" t="e"><v>#DIV/0!</v></c></row>'
                + "<row><c/></row>" * 3)
    scan = scan_sheet(opener(xml))
    assert (scan.height, scan.width) == (8, 3)
    assert scan.errors == {(5, 2): "#DIV/0!"}  # the addressless error cell cannot be placed


def test_a_dimension_that_lies_small_does_not_hide_a_far_cell():
    xml = sheet('<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
                dimension="A1")
    scan = scan_sheet(opener(xml))
    assert (scan.height, scan.width) == (1048576, 16384)


def test_a_formula_outside_any_cell_is_left_to_the_walk():
    xml = sheet('<row r="1"><c r="A1"/><f>1+1</f></row>')
    assert quick_scan(opener(xml)) is None


def test_a_sheet_with_a_dtd_is_not_walked():
    xml = '<!DOCTYPE x [<!ENTITY a "b">]>' + sheet('<row r="1"><c r="A1"><v>1</v></c></row>')
    with pytest.raises(NotXml):
        walk_sheet(opener(xml))


# --- the reading fed in chunks, and its bounds ------------------------------------------------

def test_fed_in_small_chunks_the_reading_agrees_with_one_read(monkeypatch):
    from planround.server import sheet_scan

    xml = openpyxl_sheet()
    whole = quick_scan(opener(xml))
    monkeypatch.setattr(sheet_scan, "CHUNK_BYTES", 4096)  # rows cut across chunks, the dimension in the first
    scanner = sheet_scan.QuickScanner()
    data = xml.encode()
    for at in range(0, len(data), 4096):
        scanner.feed(data[at:at + 4096])
    fed = scanner.result()
    assert quick_scan(opener(xml)).formulas == fed.formulas == whole.formulas
    assert (fed.height, fed.width) == (whole.height, whole.width)


@pytest.mark.parametrize("limit", ["1", "9", "10", "99", "100", "10020", "5000", "1048576"])
def test_the_row_bound_takes_exactly_the_numbers_not_above_it_with_as_many_digits_or_fewer(limit):
    import re

    from planround.server.sheet_scan import _at_most

    bound = re.compile(b"(?:" + _at_most(limit.encode(), b"0123456789") + b')"')
    for number in list(range(0, 1200)) + list(range(max(0, int(limit) - 50), int(limit) + 50)):
        for text in {str(number), str(number).zfill(len(limit)), str(number).zfill(len(limit) + 1)}:
            expected = len(text) < len(limit) or (len(text) == len(limit) and text <= limit)
            assert bool(bound.fullmatch((text + '"').encode())) == expected, (limit, text)


@pytest.mark.parametrize("limit", ["A", "C", "T", "Z", "AA", "AT", "BA", "XFD"])
def test_the_column_bound_takes_exactly_the_letters_not_right_of_it(limit):
    import re

    from planround.server.sheet_scan import _at_most, column_index

    bound = re.compile(b"(?:" + _at_most(limit.encode(), b"ABCDEFGHIJKLMNOPQRSTUVWXYZ") + b')1"')
    letters = [chr(65 + n) for n in range(26)]
    for text in letters + [a + b for a in letters for b in letters] + ["AAA", "XFC", "XFD", "XFE", "ZZZ"]:
        expected = len(text) <= len(limit) and column_index(text) <= column_index(limit)
        assert bool(bound.fullmatch((text + '1"').encode())) == expected, (limit, text)


@pytest.mark.parametrize("rows", [
    "<row r=\"1\"><c r=\"A1\" t='e'><v>#REF!</v></c></row>",  # an error value, single-quoted
    '<row r="1"><c r="A1" t="e"/></row>',  # an error value without its text
    '<row r="1"><c\tr="A1"><v>1</v></c></row>',  # a tab, not a space, before the address
    '<row r="1"><c r="A1"><v>1</v></c><c r="A01"><v>1</v></c></row>',  # an address spelt unusually
    '<row r="3"><c r="C3"/></row></sheetData><row r="9"><c r="A9"/></row>',  # a row past the sheet data
])
def test_more_sheets_of_another_shape_are_left_to_the_walk(rows):
    assert quick_scan(opener(sheet(rows))) is None
