"""When the service cannot answer: a clear message, and the workbook left as it was."""

from __future__ import annotations

import pytest

from planround.addin import ribbon
from planround.addin.actions import Context
from planround.addin.settings import ProfileStore
from tests.addin_support import (
    MemoryExcel,
    closed_port_url,
    context,
    html_proxy,
    template_file,
)
from tests.workbooks import fill_amounts


def careless(content: bytes) -> bytes:
    return fill_amounts(content, {("UTB", "3010"): "tolv tusen"})


def checked_once(service, world, tmp_path) -> MemoryExcel:
    """Return Excel with a careless template open, checked once: Kontroll and marks are there."""
    excel = MemoryExcel(template_file(service, world, "D101", tmp_path, careless))
    ribbon.run("Check", context(excel, tmp_path, service, world.tokens["economist"]))
    excel.save()
    excel.messages.clear()
    return excel


@pytest.mark.parametrize("button", ["Check", "Submit"])
def test_the_server_down_is_said_plainly_and_the_workbook_is_left_as_it_was(service, world, tmp_path, button):
    excel = checked_once(service, world, tmp_path)
    before, saved = excel.snapshot(), excel.path.read_bytes()
    url = closed_port_url()
    ribbon.run(button, context(excel, tmp_path, url, world.tokens["economist"]))
    assert excel.messages == [f"Kunde inte nå servern på {url}. Kontrollera adressen under Inställningar "
                              "och nätverket."]
    assert excel.snapshot() == before and excel.path.read_bytes() == saved
    assert set(excel.marks()) == {("Budget", "F17")}


@pytest.mark.parametrize("button", ["Check", "Submit", "MyTasks", "Status"])
def test_a_proxy_page_instead_of_the_service_is_said_plainly_and_the_workbook_is_left_as_it_was(
        service, world, tmp_path, button):
    excel = checked_once(service, world, tmp_path)
    before = excel.snapshot()
    with html_proxy() as url:
        ribbon.run(button, context(excel, tmp_path, url, world.tokens["economist"]))
    assert excel.messages == ["Servern svarade med något annat än planround (HTTP 200, text/html; charset=utf-8). "
                              "Kontrollera serveradressen under Inställningar eller kontakta systemansvarig."]
    assert excel.snapshot() == before


def test_an_english_excel_hears_of_the_server_down_in_english(world, tmp_path):
    excel = MemoryExcel()
    url = closed_port_url()
    ribbon.run("MyTasks", context(excel, tmp_path, url, world.tokens["economist"], language="en"))
    assert excel.messages == [f"Could not reach the server at {url}. Check the address under Settings and the network."]


def test_without_settings_the_user_is_sent_to_settings_first(tmp_path):
    excel = MemoryExcel()
    ribbon.run("MyTasks", Context(excel=excel, store=ProfileStore(tmp_path, keyring=None)))
    assert excel.messages == ["Ange serveradress och din nyckel under Inställningar först."]


def test_an_unexpected_failure_is_one_line_not_a_traceback(tmp_path):
    def broken(profile, language):
        raise RuntimeError("trasig")
    store = ProfileStore(tmp_path, keyring=None)
    store.save(server_url="http://127.0.0.1:1/api/v1", token="pr_x")
    excel = MemoryExcel()
    ribbon.run("MyTasks", Context(excel=excel, store=store, connect=broken))
    assert excel.messages == ["Något oväntat gick fel i tillägget Planering: trasig"]


def test_an_unknown_button_is_named(tmp_path):
    excel = MemoryExcel()
    ribbon.run("Nonsense", Context(excel=excel, store=ProfileStore(tmp_path, keyring=None)))
    assert excel.messages == ["Okänd knapp: Nonsense"]
