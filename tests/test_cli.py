"""The command line, as an administrator runs it: exit codes and what it prints."""

from __future__ import annotations

from tests.factories import economist_of_d110, holder
from tests.workbooks import fill_like_last_year


def test_a_budget_round_runs_from_the_command_line(loaded, tmp_path):
    run = loaded
    created = run("rounds", "create", "budget-2027", "--name", "Budget 2027", "--year", "2027",
                  "--deadline", "2026-12-11")
    assert created.exit_code == 0 and "utkast" in created.output
    assert run("rounds", "open", "budget-2027").exit_code == 0
    listed = run("rounds", "list")
    assert "budget-2027\tBudget 2027\tbudget\t2027\topen\t2026-12-11" in listed.output
    generated = run("templates", "generate", "budget-2027", "--unit", "D110", "--out", str(tmp_path / "t"))
    assert generated.exit_code == 0, generated.output
    template = tmp_path / "t" / "budget-2027" / "D110.xlsx"
    assert template.exists()
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(fill_like_last_year(template.read_bytes(), {("GRU", "3011"): 1000}, comment="Minskning"))
    checked = run("submit", "budget-2027", "D110", str(filled), "--user", economist_of_d110(), "--dry-run")
    assert checked.exit_code == 0, checked.output
    assert "giltig" in checked.output
    stored = run("submit", "budget-2027", "D110", str(filled), "--user", economist_of_d110())
    assert stored.exit_code == 0 and "version 1" in stored.output


def open_budget_with_d110_filled(run, tmp_path, changes=None) -> str:
    """Create and open Budget 2027, generate D110's template, fill it and return the file's path."""
    assert run("rounds", "create", "budget-2027", "--name", "Budget 2027", "--year", "2027").exit_code == 0
    assert run("rounds", "open", "budget-2027").exit_code == 0
    run("templates", "generate", "budget-2027", "--unit", "D110", "--out", str(tmp_path / "t"))
    filled = tmp_path / "filled.xlsx"
    template = (tmp_path / "t" / "budget-2027" / "D110.xlsx").read_bytes()
    filled.write_bytes(fill_like_last_year(template, changes))
    return str(filled)


def test_a_rejected_workbook_exits_non_zero_and_names_the_cell(loaded, tmp_path):
    run = loaded
    filled = open_budget_with_d110_filled(run, tmp_path, {("GRU", "3011"): "mycket"})
    result = run("submit", "budget-2027", "D110", filled, "--user", economist_of_d110())
    assert result.exit_code == 1
    assert "Budget!F" in result.output and "inget belopp" in result.output
    assert result.output.count("Budget!") == 1


def test_a_token_is_printed_once(loaded):
    result = loaded("users", "token", economist_of_d110())
    assert result.exit_code == 0
    assert result.output.startswith("pr_") and len(result.output.strip()) > 30


def test_an_unknown_user_is_a_clear_error(loaded):
    result = loaded("users", "token", "ingen.alls")
    assert result.exit_code == 1
    assert "ingen.alls finns inte" in result.output


def test_a_bad_reference_file_exits_non_zero_with_its_line(run, tmp_path):
    run("db", "upgrade")
    bad = tmp_path / "accounts.csv"
    bad.write_text("code;name;name_en;group;plannable\n3010;Anslag;Grants;intäkt;1\n", encoding="utf-8")
    result = run("load", "accounts", str(bad))
    assert result.exit_code == 1
    assert "accounts.csv" in result.output and "2" in result.output


def test_every_command_has_help(run):
    for args in (["--help"], ["db", "upgrade", "--help"], ["load", "demo", "--help"],
                 ["rounds", "create", "--help"], ["templates", "generate", "--help"],
                 ["submit", "--help"], ["serve", "--help"], ["demo", "--help"]):
        result = run(*args)
        assert result.exit_code == 0 and "Usage:" in result.output


def test_the_climb_runs_from_the_command_line(loaded, tmp_path):
    run = loaded
    filled = open_budget_with_d110_filled(run, tmp_path)
    assert run("submit", "budget-2027", "D110", filled, "--user", economist_of_d110()).exit_code == 0
    signed = run("approve", "budget-2027", "D110", "--user", economist_of_d110(), "--comment", "Klar")
    assert signed.exit_code == 0 and "in_progress -> economist_approved" in signed.output
    too_early = run("approve", "budget-2027", "NAT", "--user", holder("group_head", "NAT"))
    assert too_early.exit_code == 1 and "D120" in too_early.output
    head = holder("department_head", "D110")
    assert "D110\tGranska och godkänn" in run("tasks", "--user", head).output
    rejected = run("reject", "budget-2027", "D110", "--user", head, "--comment", "Räkna om lönerna")
    assert rejected.exit_code == 0 and "-> in_progress" in rejected.output
    status = run("status", "budget-2027", "NAT")
    assert status.exit_code == 0 and "D110" in status.output and "Pågår" in status.output
    book = tmp_path / "NAT.xlsx"
    written = run("consolidate", "budget-2027", "NAT", "--out", str(book))
    assert written.exit_code == 0 and book.read_bytes()[:2] == b"PK"
    decision = run("rounds", "board-decision", "budget-2027", "--date", "2026-12-17", "--reference", "US 1")
    assert decision.exit_code == 0


def test_revoking_a_users_tokens_signs_them_out(client, world, run):
    assert client.get("/api/v1/me", headers=world.auth("economist")).status_code == 200
    result = run("users", "revoke", "eva.ekonom")
    assert result.exit_code == 0 and "1 token" in result.output
    assert client.get("/api/v1/me", headers=world.auth("economist")).status_code == 401
