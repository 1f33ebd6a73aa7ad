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
