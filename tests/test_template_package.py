"""Filling a prepared master by writing sheet XML: real workbooks written, unzipped and read back with openpyxl."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from xml.etree import ElementTree

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill, Protection
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table

from planround.server import layout
from planround.server.masters import LABEL_FONT, budget_master_path, build_budget_master
from planround.server.templates import generate_template
from planround.server.template_package import Filling, prepare
from tests.factories import make_university_in_round

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def small_master(epoch=None) -> bytes:
    """Return a master with a named cell, a styled template row, a table over it and grouped column widths."""
    wb = Workbook()
    if epoch is not None:
        wb.epoch = epoch
    ws = wb.active
    ws.title = "Blad"
    ws["A1"] = "Rubrik"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A3"], ws["B3"] = "Kod", "Belopp"
    ws["A4"].fill = PatternFill("solid", fgColor="FFF2CC")
    ws["B4"].number_format = "#,##0.00"
    ws["B4"].protection = Protection(locked=False)
    ws.column_dimensions.group("A", "E", hidden=False)
    ws.column_dimensions["A"].width = 20
    ws.add_table(Table(displayName="Rader", ref="A3:B4"))
    wb.create_sheet("Tom")
    wb.defined_names["rubrik"] = DefinedName("rubrik", attr_text="'Blad'!$A$1")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def org(session):
    return make_university_in_round(session)


def generate(session, org, **kw):
    return generate_template(session, planning_round=org["round"], unit=org["dept"], secret="test-secret", **kw)


def parts(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_values_of_every_kind_read_back_as_openpyxl_wrote_them():
    filling = Filling(prepare(small_master()))
    sheet = filling.sheet("Blad")
    values = {(5, 1): "3010", (5, 2): 1234.5, (6, 1): "  indrag", (6, 2): 7, (7, 1): "=SUM(B5:B6)",
              (7, 2): True, (8, 1): date(2026, 10, 15), (8, 2): "<&> \"citat\""}
    for (row, col), value in values.items():
        sheet.write(row, col, value)
    wb = load_workbook(io.BytesIO(filling.content()))
    read = {(row, col): wb["Blad"].cell(row, col).value for row, col in values}
    assert read == {**values, (8, 1): read[(8, 1)]}
    assert read[(8, 1)].date() == date(2026, 10, 15) and wb["Blad"]["A8"].is_date
    assert wb["Blad"]["A1"].value == "Rubrik" and wb["Blad"]["A1"].font.bold


def test_a_date_is_written_in_the_masters_date_system():
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    filling = Filling(prepare(small_master(CALENDAR_MAC_1904)))
    filling.sheet("Blad").write(5, 1, date(2026, 10, 15))
    wb = load_workbook(io.BytesIO(filling.content()))
    assert wb.epoch == CALENDAR_MAC_1904 and wb["Blad"]["A5"].value.date() == date(2026, 10, 15)


def test_a_row_takes_the_template_rows_styles_and_a_derived_style_changes_only_what_it_says():
    filling = Filling(prepare(small_master()))
    sheet = filling.sheet("Blad")
    styles = {col: sheet.style(4, col) for col in (1, 2)}
    sheet.style_rows(5, 6, styles)
    sheet.write(6, 2, 10.25)
    sheet.format(5, 1, number_format="@", font=LABEL_FONT)
    ws = load_workbook(io.BytesIO(filling.content()))["Blad"]
    assert ws["A6"].fill.fgColor.rgb.endswith("FFF2CC") and ws["B6"].number_format == "#,##0.00"
    assert ws["B6"].protection.locked is False and ws["B6"].value == 10.25
    assert ws["A5"].fill.fgColor.rgb.endswith("FFF2CC") and ws["A5"].number_format == "@" and ws["A5"].font.bold
    assert ws["A4"].number_format == "General"  # the master's template row itself is unchanged


def test_untouched_parts_are_copied_byte_for_byte_and_the_changed_ones_are_well_formed():
    prepared = prepare(small_master())
    filling = Filling(prepared)
    filling.sheet("Blad").write(5, 1, "x")
    content = parts(filling.content())
    assert list(content) == list(prepared.parts)
    changed = {"xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/styles.xml", "docProps/core.xml"}
    for name, data in content.items():
        if name not in changed:
            assert data == prepared.parts[name], name
        if name.endswith((".xml", ".rels")):
            ElementTree.fromstring(data)  # raises on malformed XML


def test_the_table_names_validations_protection_and_widths_are_written_where_excel_expects_them():
    filling = Filling(prepare(small_master()))
    sheet = filling.sheet("Blad")
    table = filling.table("RADER")  # found case-insensitively, as Excel does
    sheet.write(3, 3, "Extra")
    table.ref, table.columns = "A3:C9", ["Kod", "Belopp", "Extra"]
    sheet.widths[3] = 11  # inside the master's grouped range A:E, which is split around it
    dv = DataValidation(type="whole", operator="between", formula1="1", formula2="12")
    dv.add("B5:B9")
    sheet.validations.append(dv)
    sheet.protect(formatColumns=False)
    filling.names["lista"] = "'Tom'!$A$1:$A$3"
    content = filling.content()
    wb = load_workbook(io.BytesIO(content))
    ws = wb["Blad"]
    placed = ws.tables["Rader"]
    assert placed.ref == "A3:C9" and placed.autoFilter.ref == "A3:C9"
    assert [c.name for c in placed.tableColumns] == ["Kod", "Belopp", "Extra"]
    assert [(v.type, str(v.sqref)) for v in ws.data_validations.dataValidation] == [("whole", "B5:B9")]
    assert ws.protection.sheet and ws.protection.formatColumns is False
    assert {n: d.attr_text for n, d in wb.defined_names.items()} == {"rubrik": "'Blad'!$A$1", "lista": "'Tom'!$A$1:$A$3"}
    assert ws.column_dimensions["A"].width == 20 and ws.column_dimensions["C"].width == 11
    columns = ElementTree.fromstring(parts(content)["xl/worksheets/sheet1.xml"]).find(f"{MAIN}cols")
    spans = sorted((int(c.get("min")), int(c.get("max"))) for c in columns)
    assert all(a[1] < b[0] for a, b in zip(spans, spans[1:])), spans  # no overlapping <col> ranges


def test_a_master_changed_on_disk_is_prepared_again(session, org, tmp_path):
    master = build_budget_master(tmp_path / "budget.xlsx")
    first = load_workbook(io.BytesIO(generate(session, org, master_path=master).content))
    wb = load_workbook(master)
    wb[layout.INPUT_SHEET]["A1"] = "Budgetunderlag för institutionen"
    wb.save(master)
    second = load_workbook(io.BytesIO(generate(session, org, master_path=master).content))
    assert first[layout.INPUT_SHEET]["A1"].value == "Budgetunderlag"
    assert second[layout.INPUT_SHEET]["A1"].value == "Budgetunderlag för institutionen"


def test_every_table_of_a_generated_template_spans_as_many_columns_as_it_names(session, org):
    content = generate(session, org, master_path=budget_master_path()).content
    wb = load_workbook(io.BytesIO(content))
    for ws in wb.worksheets:
        for table in ws.tables.values():
            first_col, _, last_col, _ = range_boundaries(table.ref)
            assert len(table.tableColumns) == last_col - first_col + 1, table.displayName
    for name, data in parts(content).items():
        if name.endswith((".xml", ".rels")):
            ElementTree.fromstring(data)


@pytest.mark.parametrize("text", ["bad\x01text", "nul\x00"])
def test_a_control_character_is_refused_as_openpyxl_refuses_it(text):
    from openpyxl.utils.exceptions import IllegalCharacterError

    filling = Filling(prepare(small_master()))
    with pytest.raises(IllegalCharacterError):
        filling.sheet("Blad").write(5, 1, text)
