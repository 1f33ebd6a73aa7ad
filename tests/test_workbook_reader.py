"""Reading submitted workbooks: real xlsx files written with openpyxl, read back with the reader."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries

from planround.server import layout, workbook
from planround.server.errors import UnsupportedFile, ValidationFailed
from planround.models import RoundKind
from planround.server.masters import build_budget_master, build_forecast_master
from planround.server.templates import generate_template
from planround.server.workbook import CellError, open_workbook, read_workbook
from tests.factories import make_round, make_small_university

SECRET = "test-secret"

MAX_CELLS = 100_000
META = {"format": layout.TEMPLATE_FORMAT, "round": "budget-2027", "unit": "D101", "template_version": 3,
        "issue_id": 17}


def col(key: str) -> int:
    return layout.COLUMN_KEYS.index(key)


def save(wb) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def filled_master(tmp_path, rows: list[dict], *, extra_rows_above: int = 0, meta: dict | None = None):
    """Return an openpyxl workbook: the master with `rows` in the table and `meta` on the meta sheet."""
    wb = load_workbook(build_budget_master(tmp_path / "master.xlsx", extra_rows_above=extra_rows_above))
    ws = wb[layout.INPUT_SHEET]
    table = ws.tables[layout.LINES_TABLE]
    first_col, header_row, last_col, _ = range_boundaries(table.ref)
    for offset, values in enumerate(rows, start=1):
        for key, value in values.items():
            ws.cell(header_row + offset, first_col + col(key)).value = value
    table.ref = f"{get_column_letter(first_col)}{header_row}:{get_column_letter(last_col)}{header_row + max(len(rows), 1)}"
    for row, (key, value) in enumerate((META if meta is None else meta).items(), start=1):
        wb[layout.META_SHEET].cell(row, 1, key)
        wb[layout.META_SHEET].cell(row, 2, value)
    return wb


def patch_part(content: bytes, part: str, change) -> bytes:
    """Return the package with one part's text changed, as a hand-edited file would be."""
    source, out = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info, change(data.decode()).encode() if info.filename == part else data)
    return out.getvalue()


def problems_of(caught) -> list[tuple]:
    return [(p.code, p.sheet, p.cell) for p in caught.value.problems]


# --- mapping the table ------------------------------------------------------------------------

def test_the_table_rows_come_back_with_values_by_column_key_and_their_addresses(tmp_path):
    wb = filled_master(tmp_path, [
        {"activity": "UTB", "account": "3010", "last_year": 1500.25, "annual": 120000, "key": "Jämn"},
        {"activity": "FOR", "account": "4010", "annual": 1234.5, "key": "Egna månader", "m01": 1234.5,
         "comment": "Ny tjänst"},
    ])
    submitted = read_workbook(save(wb), max_cells=MAX_CELLS)
    assert submitted.sheet == "Budget"
    first, second = submitted.rows
    assert (first.row, second.row) == (11, 12)
    assert first.values["annual"] == 120000 and isinstance(first.values["annual"], int)
    assert first.values["last_year"] == 1500.25 and first.values["key"] == "Jämn"
    assert first.values["comment"] is None and first.values["m12"] is None
    assert second.values["m01"] == 1234.5 and second.values["key"] == "Egna månader"
    assert second.values["comment"] == "Ny tjänst"
    assert set(first.values) == set(layout.COLUMN_KEYS) == set(first.cells)
    assert first.cells["activity"] == "A11" and second.cells["annual"] == "F12" and second.cells["comment"] == "T12"


def test_the_header_is_read_through_the_defined_names_and_meta_as_text(tmp_path):
    wb = filled_master(tmp_path, [{"activity": "UTB"}])
    ws = wb[layout.INPUT_SHEET]
    for name, value in ((layout.NAME_UNIT_CODE, "D101"), (layout.NAME_DEADLINE, date(2026, 10, 15)),
                        (layout.NAME_FISCAL_YEAR, 2027)):
        (_, coordinate), = wb.defined_names[name].destinations
        ws[coordinate.replace("$", "")] = value
    submitted = read_workbook(save(wb), max_cells=MAX_CELLS)
    assert submitted.header == {layout.NAME_UNIT_CODE: "D101", layout.NAME_UNIT_NAME: None,
                                layout.NAME_ROUND_NAME: None, layout.NAME_DEADLINE: date(2026, 10, 15),
                                layout.NAME_FISCAL_YEAR: 2027}
    assert submitted.meta["template_version"] == "3" and submitted.meta["issue_id"] == "17"
    assert submitted.meta["format"] == layout.TEMPLATE_FORMAT


def test_a_table_below_inserted_rows_is_read_at_its_shifted_addresses(tmp_path):
    wb = filled_master(tmp_path, [{"activity": "UTB", "annual": 5}], extra_rows_above=1)
    submitted = read_workbook(save(wb), max_cells=MAX_CELLS)
    row, = submitted.rows
    assert row.row == 12 and row.cells["annual"] == "F12" and row.values["annual"] == 5


def test_empty_text_reads_as_none_and_text_stays_text(tmp_path):
    wb = filled_master(tmp_path, [{"activity": "  ", "account": "", "comment": " behåll mellanslag "}])
    row, = read_workbook(save(wb), max_cells=MAX_CELLS).rows
    assert row.values["activity"] is None and row.values["account"] is None
    assert row.values["comment"] == " behåll mellanslag "


def test_dates_come_back_as_dates_and_date_times_as_date_times(tmp_path):
    wb = filled_master(tmp_path, [{"annual": date(2027, 3, 1), "m01": datetime(2027, 1, 2, 8, 30)}])
    row, = read_workbook(save(wb), max_cells=MAX_CELLS).rows
    assert row.values["annual"] == date(2027, 3, 1) and type(row.values["annual"]) is date
    assert row.values["m01"] == datetime(2027, 1, 2, 8, 30)


def test_excel_error_values_come_back_as_cell_errors(tmp_path):
    errors = ["#REF!", "#DIV/0!", "#N/A", "#VALUE!", "#NAME?", "#NUM!", "#NULL!"]
    months = {key: text for key, text in zip(layout.MONTH_KEYS, errors)}  # openpyxl writes these with t="e"
    wb = filled_master(tmp_path, [{"activity": "UTB", **months}, {"activity": "FOR", "annual": 1}])
    # As Excel saves a formula whose cached value is an error: <c t="e"><f>..</f><v>#DIV/0!</v></c>.
    content = patch_part(save(wb), "xl/worksheets/sheet1.xml", lambda xml: re.sub(
        r'<c r="F12"[^>]*>.*?</c>', '<c r="F12" t="e"><f>1/0</f><v>#DIV/0!</v></c>', xml))
    first, second = read_workbook(content, max_cells=MAX_CELLS).rows
    assert [first.values[key] for key in layout.MONTH_KEYS[:7]] == [CellError(text) for text in errors]
    assert second.values["annual"] == CellError("#DIV/0!")
    assert first.values["annual"] is None  # an empty cell is not an error


def test_rows_of_the_table_past_the_last_written_cell_read_as_empty(tmp_path):
    wb = filled_master(tmp_path, [{"activity": "UTB"}, {}, {}])
    rows = read_workbook(save(wb), max_cells=MAX_CELLS).rows
    assert [r.row for r in rows] == [11, 12, 13]
    assert all(value is None for value in rows[2].values.values())


# --- a generated template, filled like an economist -----------------------------------------

def fill_like_an_economist(content: bytes) -> bytes:
    wb = load_workbook(io.BytesIO(content))
    ws = wb[layout.INPUT_SHEET]
    first_col, header_row, _, last_row = range_boundaries(ws.tables[layout.LINES_TABLE].ref)
    cell = lambda row, key: ws.cell(row, first_col + col(key))  # noqa: E731
    cell(header_row + 1, "annual").value = 240000
    cell(header_row + 1, "key").value = "Löneprofil"
    cell(last_row, "activity").value = "UTB"  # a new line on the last spare row
    cell(last_row, "account").value = "6010"
    cell(last_row, "annual").value = 1200.5
    cell(last_row, "key").value = "Egna månader"
    for key in layout.MONTH_KEYS:
        cell(last_row, key).value = 100.06 if key == "m12" else 100.04
    cell(last_row, "comment").value = "Konferens"
    return save(wb)


@pytest.mark.parametrize("extra_rows_above", [0, 1])
def test_a_generated_template_filled_in_reads_back_with_rows_values_and_addresses(session, tmp_path,
                                                                                   extra_rows_above):
    org = make_small_university(session)
    planning_round = make_round(session)
    master = build_budget_master(tmp_path / "budget.xlsx", extra_rows_above=extra_rows_above)
    generated = generate_template(session, planning_round=planning_round, unit=org["departments"][0],
                                  secret=SECRET, master_path=master)
    submitted = read_workbook(fill_like_an_economist(generated.content), max_cells=MAX_CELLS)
    first_row = 11 + extra_rows_above
    assert len(submitted.rows) == 12 + layout.SPARE_ROWS
    first, last = submitted.rows[0], submitted.rows[-1]
    assert (first.row, first.cells["annual"], first.cells["key"]) == (first_row, f"F{first_row}", f"G{first_row}")
    assert first.values | {"annual": None, "key": None} == {
        **dict.fromkeys(layout.COLUMN_KEYS), "activity": "FOR", "activity_name": "Verksamhet FOR",
        "account": "3010", "account_name": "Anslag utbildning"}
    assert (first.values["annual"], first.values["key"]) == (240000, "Löneprofil")
    last_row = first_row + 12 + layout.SPARE_ROWS - 1
    assert last.row == last_row and last.cells["m12"] == f"S{last_row}"
    assert (last.values["activity"], last.values["account"], last.values["annual"]) == ("UTB", "6010", 1200.5)
    assert last.values["m12"] == 100.06 and last.values["comment"] == "Konferens"
    assert last.values["activity_name"] is None  # a lookup formula without a cached value: Excel fills it
    assert submitted.meta["issue_id"] == str(generated.issue.id) and submitted.meta["rows"] == "12"
    assert submitted.header[layout.NAME_UNIT_CODE] == "D101"
    assert submitted.header[layout.NAME_DEADLINE] == date(2026, 10, 15)


# --- what is not a template --------------------------------------------------------------------

def unsupported(content: bytes) -> str:
    with pytest.raises(UnsupportedFile) as caught:
        read_workbook(content, max_cells=MAX_CELLS)
    assert caught.value.status == 415
    return caught.value.params["detail"]


def test_bytes_that_are_not_a_zip_are_not_a_workbook():
    assert "inte en zip-fil" in unsupported(b"hello, world")


def test_a_csv_file_named_xlsx_is_not_a_workbook():
    assert "inte en zip-fil" in unsupported("Verksamhet;Konto;Årsbelopp\nUTB;3010;120000\n".encode())


def test_a_truncated_workbook_is_a_broken_zip(tmp_path):
    content = save(filled_master(tmp_path, [{"activity": "UTB"}]))
    assert "trasig eller ofullständig" in unsupported(content[: len(content) // 2])


def test_a_password_protected_workbook_is_named_as_such():
    # Excel encrypts an xlsx into an OLE2 (CFB) container with EncryptionInfo and EncryptedPackage streams.
    ole2 = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504) + "EncryptionInfo".encode("utf-16-le") + bytes(64)
    assert "lösenordsskyddad" in unsupported(ole2)
    assert ".xls" in unsupported(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(1024))


def test_a_zip_without_a_workbook_part_is_not_a_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("word/document.xml", "<document/>")
    assert "saknar xl/workbook.xml" in unsupported(out.getvalue())


def test_a_macro_workbook_is_refused(tmp_path):
    content = save(filled_master(tmp_path, [{"activity": "UTB"}]))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        target.writestr("xl/vbaProject.bin", b"\x00" * 16)
    assert "makroarbetsbok (.xlsm)" in unsupported(out.getvalue())


def test_a_workbook_part_with_a_dtd_is_refused_unparsed(tmp_path):
    content = save(filled_master(tmp_path, [{"activity": "UTB"}]))
    bomb = '<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
    patched = patch_part(content, "xl/workbook.xml", lambda xml: bomb + xml.split("?>", 1)[-1]
                         if xml.startswith("<?xml") else bomb + xml)
    assert "xl/workbook.xml" in unsupported(patched)


# --- a workbook that is not (any longer) a whole template --------------------------------------

def test_a_workbook_without_the_table_names_the_sheet_that_should_hold_it(tmp_path):
    wb = filled_master(tmp_path, [{"activity": "UTB"}])
    del wb[layout.INPUT_SHEET].tables[layout.LINES_TABLE]
    with pytest.raises(ValidationFailed) as caught:
        read_workbook(save(wb), max_cells=MAX_CELLS)
    assert problems_of(caught) == [("table_missing", "Budget", None)]


def test_a_workbook_without_the_input_sheet_names_it(tmp_path):
    wb = filled_master(tmp_path, [{"activity": "UTB"}])
    del wb[layout.INPUT_SHEET]
    with pytest.raises(ValidationFailed) as caught:
        read_workbook(save(wb), max_cells=MAX_CELLS)
    assert problems_of(caught) == [("sheet_missing", "Budget", None)]


def test_a_workbook_without_the_meta_sheet_says_it_cannot_be_recognised(tmp_path):
    wb = filled_master(tmp_path, [{"activity": "UTB"}])
    del wb[layout.META_SHEET]
    with pytest.raises(ValidationFailed) as caught:
        read_workbook(save(wb), max_cells=MAX_CELLS)
    assert problems_of(caught) == [("meta_sheet_missing", "_meta", None)]
    assert "kan inte kännas igen" in caught.value.problems[0].to_dict("sv")["message"]


def test_a_renamed_column_is_named_at_its_header_cell(tmp_path):
    wb = filled_master(tmp_path, [{"activity": "UTB"}])
    ws = wb[layout.INPUT_SHEET]
    ws.cell(10, 1 + col("annual")).value = "Belopp"  # Excel renames the table column with its header
    ws.tables[layout.LINES_TABLE].tableColumns[col("annual")].name = "Belopp"
    with pytest.raises(ValidationFailed) as caught:
        read_workbook(save(wb), max_cells=MAX_CELLS)
    assert problems_of(caught) == [("table_column_renamed", "Budget", "F10")]
    assert caught.value.problems[0].params == {"expected": "Årsbelopp", "found": "Belopp"}


def test_a_deleted_column_is_named_as_missing(tmp_path):
    content = save(filled_master(tmp_path, [{"activity": "UTB"}]))
    # openpyxl writes '<tableColumn ... />' or '<tableColumn .../>' depending on whether lxml is there.
    patched = patch_part(content, "xl/tables/table1.xml", lambda xml: re.sub(
        r'<tableColumn id="20" name="Kommentar"\s*/>', "", xml.replace('ref="A10:T11"', 'ref="A10:S11"', 2))
        .replace('count="20"', 'count="19"'))
    with pytest.raises(ValidationFailed) as caught:
        read_workbook(patched, max_cells=MAX_CELLS)
    assert problems_of(caught) == [("table_column_missing", "Budget", "A10")]
    assert caught.value.problems[0].params["column"] == "Kommentar"


def test_a_table_with_more_cells_than_allowed_is_refused_before_reading_values(tmp_path):
    wb = filled_master(tmp_path, [{"activity": "UTB"}] * 5)
    content = save(wb)
    assert len(read_workbook(content, max_cells=5 * len(layout.COLUMNS)).rows) == 5
    with pytest.raises(ValidationFailed) as caught:
        read_workbook(content, max_cells=5 * len(layout.COLUMNS) - 1)
    assert caught.value.code == "too_many_cells"
    assert caught.value.params == {"count": 100, "limit": 99}


def test_a_generated_forecast_template_reads_back_as_a_forecast_with_its_columns(session):
    org = make_small_university(session)
    planning_round = make_round(session, "prognos-2027", kind=RoundKind.forecast)
    generated = generate_template(session, planning_round=planning_round, unit=org["departments"][0],
                                  secret=SECRET)
    submitted = read_workbook(generated.content, max_cells=MAX_CELLS)
    assert (submitted.kind, submitted.sheet, submitted.meta["kind"]) == ("forecast", "Prognos", "forecast")
    first = submitted.rows[0]
    assert set(first.values) == set(layout.FORECAST.keys)
    assert (first.cells["budget"], first.cells["forecast"], first.cells["comment"]) == ("E12", "S12", "U12")
    assert set(submitted.header) == set(layout.FORECAST_HEADER_NAMES)


def test_a_forecast_workbook_without_its_table_names_the_forecast_sheet(tmp_path):
    wb = load_workbook(build_forecast_master(tmp_path / "forecast.xlsx"))
    del wb[layout.FORECAST_SHEET].tables[layout.FORECAST_TABLE]
    with pytest.raises(ValidationFailed) as caught:
        read_workbook(save(wb), max_cells=MAX_CELLS)
    assert problems_of(caught) == [("table_missing", "Prognos", None)]
    assert caught.value.problems[0].params["table"] == "ForecastLines"


# --- fastexcel where it reads as python-calamine does ------------------------------------------

@pytest.fixture
def fastexcel_reads(monkeypatch) -> list:
    """Record what each read of a lines table by fastexcel gave: its columns, or None when it stood aside."""
    answers, read = [], workbook.read_table_columns

    def recorded(*args, **kwargs):
        answers.append(read(*args, **kwargs))
        return answers[-1]
    monkeypatch.setattr(workbook, "read_table_columns", recorded)
    return answers


def rows_as_read(submitted) -> list[tuple]:
    return [(r.row, r.values, dict(r.cells), r.formulas) for r in submitted.rows]


def test_the_lines_fastexcel_reads_are_the_lines_python_calamine_reads(tmp_path, fastexcel_reads, monkeypatch):
    wb = filled_master(tmp_path, [
        {"activity": "UTB", "account": "3010", "last_year": 1500.25, "annual": 120000, "key": "Jämn"},
        {"activity": "  ", "account": "", "annual": "=1+1", "m01": "#N/A", "comment": " behåll mellanslag "},
        {"activity": "FOR", "account": "4010", "annual": -0.5, "key": "Egna månader", "m12": 1e-9},
        {},
    ])
    content = save(wb)
    fast = read_workbook(content, max_cells=MAX_CELLS)
    assert fastexcel_reads and fastexcel_reads[0] is not None  # the usual table: fastexcel read it
    monkeypatch.setattr(workbook, "read_table_columns", lambda *args, **kwargs: None)
    calamine = read_workbook(content, max_cells=MAX_CELLS)
    assert rows_as_read(fast) == rows_as_read(calamine)
    assert (fast.meta, dict(fast.header)) == (calamine.meta, dict(calamine.header))
    assert fast.rows[1].values["m01"] == CellError("#N/A") and fast.rows[1].formulas == {"annual"}


def test_a_date_in_an_amount_column_leaves_the_table_to_python_calamine(tmp_path, fastexcel_reads):
    wb = filled_master(tmp_path, [{"activity": "UTB", "annual": 5}, {"activity": "FOR", "annual": date(2027, 3, 1)}])
    first, second = read_workbook(save(wb), max_cells=MAX_CELLS).rows
    assert fastexcel_reads == [None]
    assert (first.values["annual"], second.values["annual"]) == (5, date(2027, 3, 1))


@pytest.mark.parametrize("sheet", [layout.INPUT_SHEET, layout.META_SHEET])
def test_a_sheet_reaching_the_last_cell_is_refused_before_either_reader_holds_its_range(tmp_path, sheet):
    wb = filled_master(tmp_path, [{"activity": "UTB", "annual": 5}])
    wb[sheet].cell(1_048_576, 16_384, 1)  # XFD1048576: calamine would allocate every cell up to it
    with pytest.raises(ValidationFailed) as caught:
        read_workbook(save(wb), max_cells=MAX_CELLS)
    assert caught.value.code == "sheet_too_many_cells"


# --- reading the lines' sheet ahead -----------------------------------------------------------

def test_lines_read_ahead_in_another_thread_are_the_lines_read_in_turn(tmp_path):
    wb = filled_master(tmp_path, [
        {"activity": "UTB", "account": "3010", "last_year": 1500.25, "annual": 120000, "key": "Jämn"},
        {"activity": "FOR", "account": "4010", "annual": "=1+1", "comment": "Ny tjänst"},
    ])
    content = save(wb)
    in_turn = open_workbook(content, max_cells=MAX_CELLS).lines()
    source = open_workbook(content, max_cells=MAX_CELLS)
    source.read_lines_ahead()
    ahead = source.lines()
    assert (ahead.sheet, ahead.meta, ahead.header, ahead.kind) == (in_turn.sheet, in_turn.meta, in_turn.header,
                                                                  in_turn.kind)
    assert [(r.row, r.values, dict(r.cells), r.formulas) for r in ahead.rows] == [
        (r.row, r.values, dict(r.cells), r.formulas) for r in in_turn.rows]
    assert ahead.rows[1].formulas == {"annual"}


def test_a_table_too_large_is_refused_before_its_sheet_is_read_ahead(tmp_path):
    content = save(filled_master(tmp_path, [{"activity": "UTB"}] * 5))
    source = open_workbook(content, max_cells=5 * len(layout.COLUMNS) - 1)
    with pytest.raises(ValidationFailed) as caught:
        source.read_lines_ahead()
    assert caught.value.code == "too_many_cells"
    assert source._calamine is None  # python-calamine never opened the file
