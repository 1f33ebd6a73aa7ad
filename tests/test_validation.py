"""Validation of a workbook's rows, on plain data: every problem names its sheet and cell."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from planround.models import AccountGroup, DistributionKey, TemplateIssue
from planround.server import layout
from planround.server.errors import Conflict, ValidationFailed
from planround.server.signature import sign_prefill
from planround.server.validation import ValidationContext, validate_workbook
from planround.server.workbook import CellError, SheetRow, SubmittedWorkbook

SECRET = "test-secret"
PREFILL = [
    {"row": 0, "activity": "UTB", "account": "3010", "last_year": "1000000.00"},
    {"row": 1, "activity": "UTB", "account": "4010", "last_year": "600000.00"},
    {"row": 2, "activity": "FOR", "account": "3010", "last_year": None},
]
FIRST_ROW = 8  # where the table's first data row happens to stand; nothing depends on it


def issue(version: int = 1, issue_id: int = 7) -> TemplateIssue:
    return TemplateIssue(id=issue_id, round_id=1, unit_id=1, template_version=version,
                         checksum="x", prefill=PREFILL)


def context(**overrides) -> ValidationContext:
    values = dict(round_code="budget-2027", unit_code="D101", issue=issue(),
                  activity_ids={"UTB": 1, "FOR": 2},
                  account_groups={"3010": AccountGroup.revenue, "4010": AccountGroup.personnel,
                                  "5010": AccountGroup.premises},
                  threshold_pct=Decimal("20"), threshold_amount=Decimal("100000"), secret=SECRET)
    values.update(overrides)
    return ValidationContext(**values)


def meta(**overrides) -> dict[str, str]:
    values = {"format": layout.TEMPLATE_FORMAT, "round": "budget-2027", "unit": "D101",
              "template_version": "1", "issue_id": "7"}
    values.update(overrides)
    values["signature"] = overrides.get("signature") or sign_prefill(
        SECRET, round_code="budget-2027", unit_code="D101", template_version=1, issue_id=7,
        prefill=PREFILL)
    return values


def sheet_row(offset: int, **inputs) -> SheetRow:
    """A table row as the reader gives it: prefilled cells as issued plus the given inputs."""
    row = FIRST_ROW + offset
    values = {key: None for key in layout.COLUMN_KEYS}
    if offset < len(PREFILL):
        expected = PREFILL[offset]
        values.update(activity=expected["activity"], account=float(expected["account"]),
                      last_year=float(expected["last_year"]) if expected["last_year"] else None)
    values.update(inputs)
    cells = {c.key: f"{chr(ord('A') + i)}{row}" for i, c in enumerate(layout.COLUMNS)}
    return SheetRow(row=row, values=values, cells=cells)


def workbook(*rows: SheetRow, **meta_overrides) -> SubmittedWorkbook:
    if not rows:
        rows = tuple(sheet_row(i) for i in range(len(PREFILL)))
    return SubmittedWorkbook(sheet=layout.INPUT_SHEET, meta=meta(**meta_overrides), rows=list(rows))


def filled(*extra: SheetRow, **first) -> SubmittedWorkbook:
    """The three prefilled rows with plausible amounts, the first overridden, plus extra rows."""
    rows = [
        sheet_row(0, **({"annual": 1050000.0} | first)),
        sheet_row(1, annual=620000.0),
        sheet_row(2, annual=50000.0),
        *extra,
    ]
    return workbook(*rows)


def problems_of(book: SubmittedWorkbook, ctx: ValidationContext | None = None) -> list[dict]:
    with pytest.raises(ValidationFailed) as raised:
        validate_workbook(book, ctx or context())
    return [p.to_dict("sv") for p in raised.value.problems]


def test_a_valid_workbook_gives_one_line_per_filled_row_spread_over_the_months():
    lines = validate_workbook(filled(), context())
    assert [(l.activity_code, l.account_code, l.annual) for l in lines] == [
        ("UTB", "3010", Decimal("1050000.00")), ("UTB", "4010", Decimal("620000.00")),
        ("FOR", "3010", Decimal("50000.00"))]
    assert all(sum(l.months) == l.annual for l in lines)
    assert lines[0].key is DistributionKey.even and lines[0].months[0] == Decimal("87500.00")


def test_amounts_are_exact_decimals_from_what_was_typed():
    lines = validate_workbook(filled(annual=1000000.1), context())
    assert lines[0].annual == Decimal("1000000.10")


@pytest.mark.parametrize("value, code", [
    ("tolv tusen", "not_a_number"),
    (date(2027, 1, 1), "date_not_number"),
    (CellError("#REF!"), "cell_error"),
    (float("nan"), "not_finite"),
    (float("inf"), "not_finite"),
    (True, "not_a_number"),
    (1000.005, "too_many_decimals"),
    (1e20, "amount_too_large"),
])
def test_it_rejects_what_is_not_an_amount_and_names_the_cell(value, code):
    problems = problems_of(filled(annual=value))
    assert problems[0]["code"] == code
    assert problems[0]["sheet"] == layout.INPUT_SHEET
    assert problems[0]["cell"] == f"F{FIRST_ROW}"
    assert problems[0]["message"]


def test_a_bad_month_is_named_by_its_own_cell():
    problems = problems_of(filled(annual=None, key="Egna månader", m03="#N/A?"))
    assert [(p["code"], p["cell"]) for p in problems] == [("not_a_number", f"J{FIRST_ROW}")]


def test_own_months_must_add_up_to_the_annual_amount():
    months = {k: 10000.0 for k in layout.MONTH_KEYS}
    problems = problems_of(filled(annual=120001.0, key="Egna månader", **months))
    assert problems[0]["code"] == "months_mismatch"
    assert "1,00" in problems[0]["message"]


def test_own_months_without_an_annual_amount_give_the_annual_amount():
    months = {k: 10000.5 for k in layout.MONTH_KEYS}
    book = filled(annual=None, key="Egna månader", comment="Verksamheten krymper", **months)
    lines = validate_workbook(book, context())
    assert lines[0].annual == Decimal("120006.00")
    assert lines[0].key is DistributionKey.own


def test_months_with_an_even_key_are_refused():
    problems = problems_of(filled(key="Jämn", m01=5.0, annual=5.0))
    assert problems[0]["code"] == "months_need_own_key"


def test_an_unknown_key_is_refused():
    assert problems_of(filled(key="Slumpvis"))[0]["code"] == "invalid_key"


def test_the_salary_profile_is_accepted_by_label_and_by_code():
    assert validate_workbook(filled(key="Löneprofil"), context())[0].key is DistributionKey.salary
    assert validate_workbook(filled(key="salary"), context())[0].key is DistributionKey.salary


def test_a_large_change_against_last_year_needs_a_comment():
    problems = problems_of(filled(annual=2000000.0))
    assert problems[0]["code"] == "comment_required"
    assert problems[0]["cell"] == f"T{FIRST_ROW}"
    assert validate_workbook(filled(annual=2000000.0, comment="Ny utbildning startar"), context())


def test_a_change_below_either_threshold_needs_no_comment():
    # +15 %: below 20 % although above 100 000 kr
    assert validate_workbook(filled(annual=1150000.0), context())
    # +200 % but only 20 000 kr, on the row without last year's actual the absolute rule decides
    assert validate_workbook(filled(), context(threshold_amount=Decimal("60000")))


def test_a_changed_prefilled_cell_is_named():
    rows = [sheet_row(0, annual=1.0, account="3110"), sheet_row(1), sheet_row(2)]
    problems = problems_of(workbook(*rows))
    assert {"code": "prefilled_changed", "cell": f"C{FIRST_ROW}"}.items() <= problems[0].items()


def test_a_changed_last_year_actual_is_named():
    rows = [sheet_row(0, last_year=1.0), sheet_row(1), sheet_row(2)]
    assert problems_of(workbook(*rows))[0]["cell"] == f"E{FIRST_ROW}"


def test_a_tampered_signature_is_refused():
    problems = problems_of(workbook(signature="0" * 64))
    assert problems[0]["code"] == "bad_signature"
    assert problems[0]["sheet"] == layout.META_SHEET


def test_a_workbook_of_another_round_or_unit_is_refused():
    assert problems_of(workbook(round="budget-2026"))[0]["code"] == "wrong_round"
    assert problems_of(workbook(unit="D102"))[0]["code"] == "wrong_unit"
    assert problems_of(workbook(format="something"))[0]["code"] == "wrong_format"


def test_an_old_template_version_is_a_conflict():
    with pytest.raises(Conflict) as raised:
        validate_workbook(workbook(), context(issue=issue(version=2)))
    assert raised.value.code == "stale_template"
    assert "version 2" in raised.value.message("sv")


def test_removed_rows_are_refused():
    assert problems_of(workbook(sheet_row(0), sheet_row(1)))[0]["code"] == "rows_removed"


def test_an_added_row_needs_a_known_activity_and_account():
    added = sheet_row(3, activity="XYZ", account="9999", annual=100.0)
    problems = problems_of(filled(added))
    assert [(p["code"], p["cell"]) for p in problems] == [
        ("unknown_activity", f"A{FIRST_ROW + 3}"), ("unknown_account", f"C{FIRST_ROW + 3}")]


def test_a_filled_prefilled_row_whose_activity_or_account_has_gone_since_the_issue_is_named():
    """The register may drop an unused activity, or an account stop being planned, after a template was issued."""
    gone = context(activity_ids={"UTB": 1}, account_groups={"3010": AccountGroup.revenue})
    problems = problems_of(filled(), gone)
    assert [(p["code"], p["cell"]) for p in problems] == [
        ("account_no_longer_planned", f"C{FIRST_ROW + 1}"), ("activity_removed", f"A{FIRST_ROW + 2}")]
    assert "finns inte längre för D101" in problems[1]["message"]


def test_a_prefilled_row_whose_activity_has_gone_may_stay_empty():
    book = workbook(sheet_row(0, annual=1050000.0), sheet_row(1, annual=620000.0), sheet_row(2))
    lines = validate_workbook(book, context(activity_ids={"UTB": 1}))
    assert [line.activity_code for line in lines] == ["UTB", "UTB"]


def test_an_added_row_is_stored_when_its_codes_are_valid():
    lines = validate_workbook(filled(sheet_row(3, activity="FOR", account=5010.0, annual=900.0)), context())
    assert (lines[-1].activity_code, lines[-1].account_code, lines[-1].annual) == ("FOR", "5010", Decimal("900.00"))


def test_a_duplicate_line_names_the_first_row():
    problems = problems_of(filled(sheet_row(3, activity="UTB", account="3010", annual=1.0)))
    assert problems[0]["code"] == "duplicate_line"
    assert str(FIRST_ROW) in problems[0]["message"]


def test_every_problem_is_reported_at_once():
    rows = [sheet_row(0, annual="x"), sheet_row(1, annual="y"), sheet_row(2, key="z")]
    assert len(problems_of(workbook(*rows))) == 3


def test_a_comment_that_looks_like_a_formula_is_kept_as_text():
    lines = validate_workbook(filled(annual=2000000.0, comment="=HYPERLINK(\"x\")"), context())
    assert lines[0].comment == '=HYPERLINK("x")'


def test_messages_come_in_english_too():
    with pytest.raises(ValidationFailed) as raised:
        validate_workbook(filled(annual="abc"), context())
    assert "is not an amount" in raised.value.problems[0].to_dict("en")["message"]


def test_own_months_left_empty_are_zeros_that_must_add_up():
    """Egna månader with no month typed: the months are twelve zeros, not a spread (this once failed with a 500)."""
    problems = problems_of(filled(annual=120000.0, key="Egna månader"))
    assert [(p["code"], p["cell"]) for p in problems] == [("months_mismatch", f"F{FIRST_ROW}")]
    lines = validate_workbook(filled(annual=None, key="Egna månader", comment="Inget i år"), context())
    assert lines[0].key is DistributionKey.own and lines[0].annual == Decimal("0.00")
    assert lines[0].months == (Decimal("0.00"),) * 12


@pytest.mark.parametrize("tampered", [{"issue_id": "sju"}, {"issue_id": ""}, {"signature": "åäö"},
                                      {"issue_id": "8"}])
def test_a_tampered_identity_or_signature_is_a_bad_signature_not_a_crash(tampered):
    """An issue id that is no number, or a signature with non-ASCII text, once crashed the check (a 500)."""
    problems = problems_of(workbook(*[sheet_row(i, annual=1.0) for i in range(len(PREFILL))], **tampered))
    assert [(p["code"], p["sheet"]) for p in problems][:1] == [("bad_signature", layout.META_SHEET)]


def test_a_signature_worked_out_ahead_is_the_one_checked():
    book = filled()
    assert validate_workbook(book, context(signature=meta()["signature"]))
    assert problems_of(book, context(signature="0" * 64))[0]["code"] == "bad_signature"
