"""Opening a package: a large sheet part is checked for a DTD and quick-scanned in one pass, and nothing is let by."""

from __future__ import annotations

import io
import zipfile

import pytest

from planround.server import workbook
from planround.server.errors import UnsupportedFile
from planround.server.sheet_scan import CHUNK_BYTES, quick_scan, walk_sheet

SHEET_PART = "xl/worksheets/sheet1.xml"
HEAD = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def package(parts: dict[str, bytes]) -> bytes:
    """Return a zip with a workbook part and `parts`: all that opening a package looks at."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def large_sheet(rows: int = 20_000, extra_row: str = "") -> bytes:
    """A sheet of the usual shape, larger than a chunk, with a formula in every 1000th row."""
    body = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c><c r="B{n}">'
                   + (f"<f>A{n}*2</f>" if n % 1000 == 0 else "") + f"<v>{2 * n}</v></c></row>"
                   for n in range(1, rows + 1))
    xml = f'{HEAD}<dimension ref="A1:B{rows}"/><sheetData>{body}{extra_row}</sheetData></worksheet>'.encode()
    assert len(xml) > CHUNK_BYTES
    return xml


def refusal(content: bytes) -> str:
    with pytest.raises(UnsupportedFile) as caught:
        workbook.open_workbook(content, max_cells=1_000_000)
    return caught.value.params["detail"]


def test_a_large_sheet_is_scanned_as_the_package_opens_and_that_scan_is_used_once():
    xml = large_sheet()
    opened = workbook._open_package(package({SHEET_PART: xml}))
    assert set(opened.quick_scans) == {SHEET_PART}
    fresh = quick_scan(lambda: io.BytesIO(xml))
    learnt = workbook._scan(opened, SHEET_PART)
    assert SHEET_PART not in opened.quick_scans
    again = workbook._scan(opened, SHEET_PART)  # scanned anew, as before
    for scan in (learnt, again):
        assert (scan.height, scan.width, scan.formulas, scan.exact) == (fresh.height, fresh.width,
                                                                        fresh.formulas, False)
    assert len(fresh.formulas) == 20


def test_a_large_sheet_the_quick_scan_declines_is_walked():
    xml = large_sheet(extra_row='<row r="20001"><c r="A20001" t="e"><v>#REF!</v></c></row>')
    opened = workbook._open_package(package({SHEET_PART: xml}))
    assert opened.quick_scans == {SHEET_PART: None}
    scan = workbook._scan(opened, SHEET_PART)
    walked = walk_sheet(lambda: io.BytesIO(xml))
    assert scan.exact and scan.errors == walked.errors == {(20001, 1): "#REF!"}
    assert (scan.height, scan.width, scan.formulas) == (walked.height, walked.width, walked.formulas)


def test_a_small_sheet_is_left_until_it_is_read():
    xml = f'{HEAD}<dimension ref="A1"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>'
    opened = workbook._open_package(package({SHEET_PART: xml.encode()}))
    assert opened.quick_scans == {}
    assert workbook._scan(opened, SHEET_PART).height == 1


@pytest.mark.parametrize("offset", [0, 3, 9, 100_000])
def test_a_dtd_deep_in_a_large_sheet_is_refused_when_the_package_opens_even_across_chunks(offset):
    xml = large_sheet()
    at = CHUNK_BYTES - 4 + offset  # offset 3: "<!DOCTYPE" cut between the first and second chunk
    content = package({SHEET_PART: xml[:at] + b"<!DOCTYPE x>" + xml[at:]})
    assert f"delen {SHEET_PART} har en DTD" in refusal(content)


def test_a_dtd_in_a_large_utf16_sheet_is_refused():
    xml = ('<?xml version="1.0" encoding="UTF-16"?><!doctype x [<!ENTITY a "b">]>'
           + large_sheet().decode()[len("<?xml"):]).encode("utf-16-le")
    assert f"delen {SHEET_PART} har en DTD" in refusal(package({SHEET_PART: xml}))


def test_a_dtd_in_a_part_listed_before_a_large_sheet_is_named_first():
    bomb = b'<!DOCTYPE x [<!ENTITY a "b">]><styleSheet/>'
    content = package({"xl/styles.xml": bomb, SHEET_PART: b"<!DOCTYPE y>" + large_sheet()})
    assert "delen xl/styles.xml har en DTD" in refusal(content)


def test_a_corrupt_deflate_stream_in_a_sheet_is_a_broken_part():
    content = bytearray(package({SHEET_PART: large_sheet()}))
    with zipfile.ZipFile(io.BytesIO(bytes(content))) as archive:
        info = archive.getinfo(SHEET_PART)
    data_start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    middle = data_start + info.compress_size // 2
    content[middle:middle + 64] = b"\xff" * 64
    assert f"delen {SHEET_PART} är trasig" in refusal(bytes(content))
