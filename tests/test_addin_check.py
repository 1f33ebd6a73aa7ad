"""Kontrollera and Spara till servern: real templates, the real service, Excel in memory."""

from __future__ import annotations

from openpyxl import Workbook

from planround.addin import ribbon
from planround.addin.client import PlanroundClient
from tests.addin_support import MemoryExcel, context, template_file
from tests.workbooks import PLAN, fill_amounts

CARELESS = {("UTB", "3010"): "tolv tusen", ("FOR", "6010"): 12.345}
TEMPLATE_FILL = "#FFF2CC"  # the master's fill of an input cell


def careless(content: bytes) -> bytes:
    return fill_amounts(content, CARELESS)


def valid(content: bytes) -> bytes:
    return fill_amounts(content, PLAN, comment="Ny kurs")


def economist_with(service, world, tmp_path, fill, answers=None):
    excel = MemoryExcel(template_file(service, world, "D101", tmp_path, fill), answers)
    return excel, context(excel, tmp_path, service, world.tokens["economist"])


def stored_versions(service, world, unit="D101"):
    return PlanroundClient(service, world.tokens["admin"]).submissions(world.round_code, unit)


def test_a_check_lists_each_error_in_kontroll_with_a_link_to_its_cell(service, world, tmp_path):
    excel, ctx = economist_with(service, world, tmp_path, careless)
    ribbon.run("Check", ctx)
    assert excel.messages == ["Servern hittade 2 fel; inget är sparat. Felen står i bladet Kontroll "
                              "och cellerna är markerade i rött."]
    rows = excel.read_sheet("Kontroll")
    assert rows[0][0].startswith("Kontroll ") and "budget-2027, D101" in rows[0][0]
    assert rows[1] == ["Blad", "Cell", "Fel", "Tidigare fyllning"]
    assert [(r[0], r[1]) for r in rows[2:]] == [("Budget", "F15"), ("Budget", "F17")]
    assert "tolv tusen" in rows[3][2] and "två decimaler" in rows[2][2]
    kontroll = excel.book["Kontroll"]
    assert kontroll["B3"].hyperlink.target == "#'Budget'!F15"
    assert kontroll["B4"].hyperlink.target == "#'Budget'!F17"
    assert excel.active_sheet == "Kontroll"
    assert stored_versions(service, world) == []


def test_a_check_marks_the_cells_with_errors_with_a_note(service, world, tmp_path):
    excel, ctx = economist_with(service, world, tmp_path, careless)
    ribbon.run("Check", ctx)
    marks = excel.marks()
    assert set(marks) == {("Budget", "F15"), ("Budget", "F17")}
    assert "tolv tusen" in marks[("Budget", "F17")]


def test_the_next_check_clears_the_marks_of_the_last_one_and_restores_the_cells(service, world, tmp_path):
    excel, ctx = economist_with(service, world, tmp_path, careless, answers=[True, True])
    ribbon.run("Check", ctx)
    excel.type("Budget", "F17", 12000)
    ribbon.run("Check", ctx)
    assert set(excel.marks()) == {("Budget", "F15")}
    assert excel.book["Budget"]["F17"].fill.fgColor.rgb == "FF" + TEMPLATE_FILL[1:]
    assert excel.book["Budget"]["F17"].comment is None
    excel.type("Budget", "F15", 12.35)
    ribbon.run("Check", ctx)
    assert excel.marks() == {}
    assert excel.read_sheet("Kontroll")[2][2] == "Inga fel."
    assert excel.messages[-1].startswith("Arbetsboken är giltig")


def test_a_valid_workbook_passes_the_check_and_nothing_is_stored(service, world, tmp_path):
    excel, ctx = economist_with(service, world, tmp_path, valid)
    ribbon.run("Check", ctx)
    assert excel.messages == ["Arbetsboken är giltig: 4 rader, intäkter 1\u00a0340\u00a0000,00 kr, kostnader "
                              "812\u00a0346,17 kr, resultat 527\u00a0653,83 kr. Inget är sparat på servern; "
                              "använd Spara till servern."]
    assert "Kontroll" not in excel.sheet_names()
    assert stored_versions(service, world) == []


def test_saving_to_the_server_stores_a_version_and_says_which(service, world, tmp_path):
    excel, ctx = economist_with(service, world, tmp_path, valid)
    ribbon.run("Submit", ctx)
    assert excel.messages == ["Sparad på servern som version 1 av D101: 4 rader, resultat 527\u00a0653,83 kr."]
    assert [v["version"] for v in stored_versions(service, world)] == [1]


def test_an_unsaved_workbook_is_saved_after_asking_and_exactly_the_saved_file_is_sent(service, world, tmp_path):
    excel, ctx = economist_with(service, world, tmp_path, valid, answers=[True])
    excel.type("Budget", "F15", 15000)
    ribbon.run("Submit", ctx)
    assert excel.questions == ["Arbetsboken D101.xlsx har ändringar som inte är sparade. Spara den och "
                               "skicka det sparade?"]
    assert excel.is_saved()
    stored = PlanroundClient(service, world.tokens["admin"]).submission_file(world.round_code, "D101", 1)
    assert stored == excel.path.read_bytes()


def test_nothing_is_sent_when_the_user_does_not_want_to_save(service, world, tmp_path):
    excel, ctx = economist_with(service, world, tmp_path, valid, answers=[False])
    excel.type("Budget", "F15", 15000)
    before = excel.path.read_bytes()
    ribbon.run("Submit", ctx)
    assert excel.messages == ["Inget skickades: arbetsboken är inte sparad."]
    assert not excel.is_saved() and excel.path.read_bytes() == before
    assert stored_versions(service, world) == []


def test_the_services_refusal_is_a_plain_message_and_the_workbook_is_left_as_it_was(service, world, tmp_path):
    excel = MemoryExcel(template_file(service, world, "D101", tmp_path, valid))
    ctx = context(excel, tmp_path, service, world.tokens["other_economist"])
    before = excel.snapshot()
    ribbon.run("Check", ctx)
    assert len(excel.messages) == 1 and "D101" in excel.messages[0]
    assert excel.snapshot() == before


def test_a_workbook_that_is_no_template_is_not_sent(service, world, tmp_path):
    excel = MemoryExcel()
    excel.book = Workbook()
    ribbon.run("Check", context(excel, tmp_path, service, world.tokens["economist"]))
    assert excel.messages == ["Den öppna arbetsboken (Bok1) kommer inte från planround (bladet _meta saknas)."]


def test_an_english_excel_gets_the_messages_and_kontroll_in_english(service, world, tmp_path):
    excel = MemoryExcel(template_file(service, world, "D101", tmp_path, careless))
    ribbon.run("Check", context(excel, tmp_path, service, world.tokens["economist"], language="en"))
    assert excel.messages[0].startswith("The server found 2 errors; nothing is stored.")
    rows = excel.read_sheet("Kontroll")
    assert rows[1] == ["Sheet", "Cell", "Error", "Previous fill"]
    assert "tolv tusen" in rows[3][2] and "amount" in rows[3][2]
