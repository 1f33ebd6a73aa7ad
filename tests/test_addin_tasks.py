"""Mina uppgifter, Hämta mall, Status and Sammanställning: pick, download, open."""

from __future__ import annotations

from planround.addin import ribbon
from planround.addin.actions import workbook_meta
from planround.addin.client import PlanroundClient
from tests.addin_support import MemoryExcel, context, template_file
from tests.workbooks import PLAN, fill_amounts


def api(service, world, who: str) -> PlanroundClient:
    return PlanroundClient(service, world.tokens[who])


def submit_d101(service, world, tmp_path) -> bytes:
    """Submit D101 as its economist (which makes the consolidated workbooks); return what was sent."""
    path = template_file(service, world, "D101", tmp_path, lambda c: fill_amounts(c, PLAN, comment="Ny kurs"))
    api(service, world, "economist").submit(world.round_code, "D101", path.read_bytes())
    return path.read_bytes()


def opened_meta(excel: MemoryExcel, ctx) -> dict[str, str]:
    """Return the `_meta` of the workbook the action opened."""
    assert len(excel.opened) == 1
    return workbook_meta(ctx)


def test_my_tasks_lists_what_waits_with_its_deadline_and_opens_the_picked_tasks_template(service, world, tmp_path):
    excel = MemoryExcel(answers=["1"])
    ctx = context(excel, tmp_path, service, world.tokens["economist"])
    ribbon.run("MyTasks", ctx)
    assert "1. FÖRSENAD 2026-10-15 · Budget 2027 · D101 " in excel.prompts[0]
    assert "Fyll i och lämna in budgetunderlaget" in excel.prompts[0]
    meta = opened_meta(excel, ctx)
    assert (meta["format"], meta["round"], meta["unit"]) == ("planround-template", "budget-2027", "D101")
    assert excel.opened[0].parent == tmp_path / "downloads"


def test_a_task_after_a_rejection_opens_the_version_the_economist_submitted(service, world, tmp_path):
    sent = submit_d101(service, world, tmp_path)
    api(service, world, "economist").act(world.round_code, "D101", "approve")
    api(service, world, "head").act(world.round_code, "D101", "reject", comment="Fel konto")
    excel = MemoryExcel(answers=["1"])
    ribbon.run("MyTasks", context(excel, tmp_path, service, world.tokens["economist"]))
    assert "Rätta och lämna in igen efter avslag: Fel konto" in excel.prompts[0]
    assert excel.opened[0].name == "budget-2027_D101_v1.xlsx"
    assert excel.opened[0].read_bytes() == sent


def test_the_heads_task_opens_the_consolidated_workbook_to_approve(service, world, tmp_path):
    submit_d101(service, world, tmp_path)
    api(service, world, "economist").act(world.round_code, "D101", "approve")
    excel = MemoryExcel(answers=["1", True])
    ctx = context(excel, tmp_path, service, world.tokens["head"])
    ribbon.run("MyTasks", ctx)
    assert opened_meta(excel, ctx)["format"] == "planround-consolidated"
    ribbon.run("Approve", ctx)
    assert api(service, world, "admin").status(world.round_code, "D101")["state"] == "head_approved"


def test_nothing_waiting_is_said_plainly(service, world, tmp_path):
    excel = MemoryExcel()
    ribbon.run("MyTasks", context(excel, tmp_path, service, world.tokens["nobody"]))
    assert excel.messages == ["Inget väntar på dig just nu."]


def test_cancelling_the_choice_opens_nothing(service, world, tmp_path):
    excel = MemoryExcel(answers=[None])
    ribbon.run("MyTasks", context(excel, tmp_path, service, world.tokens["economist"]))
    assert excel.opened == [] and excel.messages == []


def test_a_number_outside_the_list_is_refused(service, world, tmp_path):
    excel = MemoryExcel(answers=["7"])
    ribbon.run("MyTasks", context(excel, tmp_path, service, world.tokens["economist"]))
    assert excel.messages == ["Skriv ett nummer mellan 1 och 1."]


def test_get_template_offers_each_department_of_the_users_roles_in_the_open_rounds(service, world, tmp_path):
    excel = MemoryExcel(answers=["2"])
    ctx = context(excel, tmp_path, service, world.tokens["two_units_economist"])
    ribbon.run("GetTemplate", ctx)
    assert "1. Budget 2027 · D101 " in excel.prompts[0] and "2. Budget 2027 · D102 " in excel.prompts[0]
    assert opened_meta(excel, ctx)["unit"] == "D102"


def test_a_second_download_never_overwrites_the_first(service, world, tmp_path):
    excel = MemoryExcel(answers=["1", "1"])
    ctx = context(excel, tmp_path, service, world.tokens["economist"])
    ribbon.run("GetTemplate", ctx)
    excel.opened.clear()
    ribbon.run("GetTemplate", ctx)
    assert excel.opened[0].name == "budget-2027_D101 (2).xlsx"
    assert (tmp_path / "downloads" / "budget-2027_D101.xlsx").exists()


def test_status_shows_the_unit_of_the_open_workbook_and_every_department_below(service, world, tmp_path):
    submit_d101(service, world, tmp_path)
    content, _ = api(service, world, "dean").consolidated(world.round_code, "FAK1")
    (tmp_path / "FAK1.xlsx").write_bytes(content)
    excel = MemoryExcel(tmp_path / "FAK1.xlsx")
    ribbon.run("Status", context(excel, tmp_path, service, world.tokens["dean"]))
    lines = excel.messages[0].splitlines()
    assert lines[0].startswith("budget-2027 · FAK1 Fakulteten för exempel: ")
    assert [line.split()[0] for line in lines[1:]] == ["D101", "D102"]
    assert "Pågår (Eva Ekonom, " in lines[1] and lines[2].endswith("Ej påbörjad")


def test_status_without_a_planround_workbook_asks_which_round_and_unit(service, world, tmp_path):
    excel = MemoryExcel(answers=["1"])
    ribbon.run("Status", context(excel, tmp_path, service, world.tokens["head"]))
    assert "1. Budget 2027 · D101 " in excel.prompts[0]
    assert excel.messages[0].startswith("budget-2027 · D101 ")


def test_consolidated_downloads_and_opens_the_latest_version_of_the_picked_unit(service, world, tmp_path):
    submit_d101(service, world, tmp_path)
    excel = MemoryExcel(answers=["1"])
    ctx = context(excel, tmp_path, service, world.tokens["dean"])
    ribbon.run("Consolidated", ctx)
    meta = opened_meta(excel, ctx)
    _, version = api(service, world, "dean").consolidated(world.round_code, "FAK1")
    assert (meta["format"], meta["unit"], meta["version"]) == ("planround-consolidated", "FAK1", str(version))
    assert excel.opened[0].name == f"budget-2027_FAK1_sammanstallning_v{version}.xlsx"
