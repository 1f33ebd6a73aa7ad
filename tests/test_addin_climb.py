"""Klarmarkera, Återkalla, Godkänn and Avslå on the open workbook, against the real service."""

from __future__ import annotations

from planround.addin import ribbon
from planround.addin.client import PlanroundClient
from tests.addin_support import MemoryExcel, context, template_file
from tests.workbooks import PLAN, fill_amounts

ECONOMIST_OF = {"D101": "economist", "D102": "other_economist", "D201": "economist_d201"}
HEAD_OF = {"D101": "head", "D102": "head_d102", "D201": "head_d201"}


def api(service, world, who: str) -> PlanroundClient:
    return PlanroundClient(service, world.tokens[who])


def submitted(service, world, unit: str, tmp_path) -> MemoryExcel:
    """Submit a department's filled template as its economist; return it open in Excel."""
    path = template_file(service, world, unit, tmp_path, lambda c: fill_amounts(c, PLAN, comment="Ny kurs"))
    api(service, world, ECONOMIST_OF[unit]).submit(world.round_code, unit, path.read_bytes())
    return MemoryExcel(path)


def state(service, world, unit: str) -> str:
    return api(service, world, "admin").status(world.round_code, unit)["state"]


def consolidated_open(service, world, who: str, unit: str, tmp_path, answers=None) -> MemoryExcel:
    """Return Excel with the unit's latest consolidated workbook open, as `who` downloaded it."""
    content, version = api(service, world, who).consolidated(world.round_code, unit)
    path = tmp_path / f"{unit}_v{version}.xlsx"
    path.write_bytes(content)
    return MemoryExcel(path, answers)


def test_the_economist_signs_off_the_department_of_the_open_workbook(service, world, tmp_path):
    excel = submitted(service, world, "D101", tmp_path)
    excel.answers.append(True)
    ribbon.run("SignOff", context(excel, tmp_path, service, world.tokens["economist"]))
    assert excel.questions[0].startswith("Klarmarkera D101 i budget-2027?")
    assert excel.messages == ["Klart.\nD101: Pågår → Klarmarkerad av ekonom"]
    assert state(service, world, "D101") == "economist_approved"


def test_nothing_happens_when_the_user_says_no(service, world, tmp_path):
    excel = submitted(service, world, "D101", tmp_path)
    excel.answers.append(False)
    ribbon.run("SignOff", context(excel, tmp_path, service, world.tokens["economist"]))
    assert excel.messages == [] and state(service, world, "D101") == "in_progress"


def test_the_economist_withdraws_the_sign_off_before_the_head_acts(service, world, tmp_path):
    excel = submitted(service, world, "D101", tmp_path)
    excel.answers.extend([True, True])
    ctx = context(excel, tmp_path, service, world.tokens["economist"])
    ribbon.run("SignOff", ctx)
    ribbon.run("Withdraw", ctx)
    assert excel.messages[-1] == "Klart.\nD101: Klarmarkerad av ekonom → Pågår"
    assert state(service, world, "D101") == "in_progress"


def test_the_head_approves_the_consolidated_version_that_is_open(service, world, tmp_path):
    submitted(service, world, "D101", tmp_path)
    api(service, world, "economist").act(world.round_code, "D101", "approve")
    excel = consolidated_open(service, world, "head", "D101", tmp_path, answers=[True])
    ribbon.run("Approve", context(excel, tmp_path, service, world.tokens["head"]))
    assert excel.questions[0].startswith("Godkänn D101 i budget-2027 enligt sammanställningen version ")
    assert excel.messages == ["Klart.\nD101: Klarmarkerad av ekonom → Godkänd av avdelningschef"]
    assert state(service, world, "D101") == "head_approved"


def test_approving_a_consolidated_version_that_is_no_longer_the_latest_is_refused_plainly(service, world, tmp_path):
    submitted(service, world, "D101", tmp_path)
    economist = api(service, world, "economist")
    economist.act(world.round_code, "D101", "approve")
    excel = consolidated_open(service, world, "head", "D101", tmp_path, answers=[True])
    economist.act(world.round_code, "D101", "withdraw")
    economist.act(world.round_code, "D101", "approve")
    ribbon.run("Approve", context(excel, tmp_path, service, world.tokens["head"]))
    assert len(excel.messages) == 1 and "version" in excel.messages[0]
    assert state(service, world, "D101") == "economist_approved"


def test_approving_before_the_level_below_is_refused_as_wrong_order(service, world, tmp_path):
    submitted(service, world, "D101", tmp_path)
    excel = consolidated_open(service, world, "head", "D101", tmp_path, answers=[True])
    ribbon.run("Approve", context(excel, tmp_path, service, world.tokens["head"]))
    assert "ekonomens klarmarkering" in excel.messages[0]
    assert state(service, world, "D101") == "in_progress"


def test_approve_needs_a_consolidated_workbook_open(service, world, tmp_path):
    excel = submitted(service, world, "D101", tmp_path)
    ribbon.run("Approve", context(excel, tmp_path, service, world.tokens["head"]))
    assert excel.messages == ["Öppna den sammanställning du godkänner (Sammanställning eller Mina uppgifter); "
                              "D101.xlsx är ingen sammanställning."]


def test_the_dean_rejects_a_department_of_the_group_with_a_reason(service, world, tmp_path):
    for unit in ("D101", "D102"):
        submitted(service, world, unit, tmp_path)
        api(service, world, ECONOMIST_OF[unit]).act(world.round_code, unit, "approve")
        api(service, world, HEAD_OF[unit]).act(world.round_code, unit, "approve")
    excel = consolidated_open(service, world, "dean", "FAK1", tmp_path, answers=["2", "Personalkostnaderna saknas"])
    ribbon.run("Reject", context(excel, tmp_path, service, world.tokens["dean"]))
    assert "1. D101" in excel.prompts[0] and "2. D102" in excel.prompts[0]
    assert excel.prompts[1] == "Varför avslås D102? Ekonomen ser orsaken."
    assert excel.messages == ["Klart.\nD102: Godkänd av avdelningschef → Pågår"]
    department = api(service, world, "admin").status(world.round_code, "D102")["departments"][0]
    assert department["rejection_reason"] == "Personalkostnaderna saknas"


def test_a_rejection_without_a_reason_is_not_sent(service, world, tmp_path):
    submitted(service, world, "D101", tmp_path)
    api(service, world, "economist").act(world.round_code, "D101", "approve")
    excel = consolidated_open(service, world, "head", "D101", tmp_path, answers=["  "])
    ribbon.run("Reject", context(excel, tmp_path, service, world.tokens["head"]))
    assert excel.messages == ["Inget avslag: ange en orsak."]
    assert state(service, world, "D101") == "economist_approved"


def test_the_group_level_approves_every_ready_department_of_the_group_at_once(service, world, tmp_path):
    for unit in ("D101", "D102"):
        submitted(service, world, unit, tmp_path)
        api(service, world, ECONOMIST_OF[unit]).act(world.round_code, unit, "approve")
        api(service, world, HEAD_OF[unit]).act(world.round_code, unit, "approve")
    excel = consolidated_open(service, world, "dean", "FAK1", tmp_path, answers=[True])
    ribbon.run("Approve", context(excel, tmp_path, service, world.tokens["dean"]))
    assert excel.messages[0].splitlines()[1:] == [
        "D101: Godkänd av avdelningschef → Godkänd av dekan/förvaltningschef",
        "D102: Godkänd av avdelningschef → Godkänd av dekan/förvaltningschef"]
    assert state(service, world, "FAK1") == "approved"


def test_a_user_without_the_role_gets_the_services_refusal(service, world, tmp_path):
    excel = submitted(service, world, "D101", tmp_path)
    excel.answers.append(True)
    ribbon.run("SignOff", context(excel, tmp_path, service, world.tokens["other_economist"]))
    assert len(excel.messages) == 1 and "D101" in excel.messages[0]
    assert state(service, world, "D101") == "in_progress"
