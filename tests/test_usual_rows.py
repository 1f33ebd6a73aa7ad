"""`UsualRows`, validation's short way through the usual Budget row, gives `check_row`'s answer or stands aside.

For any row, `UsualRows.lines` must give exactly the line (or the None of an empty row) that
`check_row` returns without a problem, or UNUSUAL; never a line where `check_row` finds a problem.
Hypothesis draws rows from python-calamine's kinds of values, near the usual shape and far from it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from planround.models import AccountGroup, DistributionKey, TemplateIssue
from planround.server import layout
from planround.server.checked_row import CheckedRow
from planround.server.validation import UNUSUAL, IssuedRow, UsualRows, ValidationContext, check_row
from planround.server.workbook import CellError, SubmittedWorkbook, TableRows

ROW = 12  # the row's Excel number
COLUMNS = {column.key: (number, chr(ord("A") + number - 1)) for number, column in enumerate(layout.COLUMNS, 1)}
EXPECTED = [
    {"row": 0, "activity": "UTB", "account": "3010", "last_year": "1000000.00"},
    {"row": 0, "activity": "FOR", "account": "4010", "last_year": None},
    {"row": 0, "activity": "UTB", "account": "5010", "last_year": "-250.50"},
    {"row": 0, "activity": "FOR", "account": "3010", "last_year": "0.00"},
]


def context(threshold_pct: str, threshold_amount: str) -> ValidationContext:
    issue = TemplateIssue(id=1, round_id=1, unit_id=1, template_version=1, checksum="x", prefill=EXPECTED)
    return ValidationContext(
        round_code="budget-2027", unit_code="D101", issue=issue, activity_ids={"UTB": 1, "FOR": 2},
        account_groups={"3010": AccountGroup.revenue, "4010": AccountGroup.personnel,
                        "5010": AccountGroup.premises},
        threshold_pct=Decimal(threshold_pct), threshold_amount=Decimal(threshold_amount), secret="s")


def table(raw: list) -> TableRows:
    return TableRows([raw], range(ROW, ROW + 1), COLUMNS, {}, set())


def raw_row(**values) -> list:
    """A row as python-calamine reads it: these values, the other cells empty."""
    raw = [""] * len(layout.COLUMNS)
    for key, value in values.items():
        raw[COLUMNS[key][0] - 1] = value
    return raw


def odd_values():
    """Cell values no usual row holds: what an economist may type anyway."""
    return st.one_of(st.booleans(), st.just(date(2027, 1, 31)), st.just(datetime(2027, 1, 31, 12, 0)),
                     st.sampled_from(["abc", "1 000", "12,5", "  ", "#N/A", "1e400"]),
                     st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**20, 10**20))


def amounts():
    """Amounts as calamine reads them: floats of whole kronor or öre, sometimes more decimals or too large."""
    ore = st.integers(-10**11, 10**11)
    large = st.integers(-10**16, 10**16)  # around FAST_FLOAT_LIMIT (10**15 öre), where floats lose the öre
    return st.one_of(ore.map(lambda o: o / 100), ore.map(lambda o: float(o // 100)), large.map(lambda o: o / 100),
                     st.floats(-1e14, 1e14), st.floats(-1, 1),
                     st.sampled_from([0.0, -0.0, 1000000.0, 1e17, 0.001, 123.456, 1e-7, 9999999999999.99,
                                      -9999999999999.99, 10000000000000.0, 0.1 + 0.2, 5e-324]))


def codes(expected: str):
    return st.one_of(st.just(expected), st.sampled_from([f" {expected}", "UTB", "FOR", "9999", "", "3010"]),
                     st.just(float(expected)) if expected.isdigit() else st.just(expected))


def usually(draw, usual, unusual):
    """Draw the usual value five times in six, so that the short way is taken often enough to be tested."""
    return draw(unusual) if draw(st.integers(0, 5)) == 0 else draw(usual)


@st.composite
def rows(draw):
    expected = draw(st.sampled_from(EXPECTED))
    last_year = float(expected["last_year"]) if expected["last_year"] else ""
    raw = raw_row()
    at = {key: number - 1 for key, (number, _) in COLUMNS.items()}
    raw[at["activity"]] = usually(draw, st.just(expected["activity"]), codes(expected["activity"]))
    raw[at["account"]] = usually(draw, st.just(expected["account"]), codes(expected["account"]))
    raw[at["last_year"]] = usually(draw, st.just(last_year), st.one_of(amounts(), st.just(""), odd_values()))
    raw[at["annual"]] = usually(draw, st.one_of(amounts(), st.just("")), odd_values())
    raw[at["key"]] = usually(draw, st.sampled_from(["", *layout.KEY_LABELS.values()]),
                             st.one_of(st.sampled_from([" jämn ", "EGEN", "lön", "even", "fel nyckel", "Jamn"]),
                                       odd_values()))
    raw[at["comment"]] = usually(draw, st.sampled_from(["", "Ny tjänst", " trimmas "]),
                                 st.one_of(st.sampled_from(["  ", "x" * 2001, "x" * 2000]), odd_values()))
    shape = draw(st.integers(0, 5))
    if shape == 0:  # now and then a month of its own, typed anything
        month = at[draw(st.sampled_from(layout.MONTH_KEYS))]
        raw[month] = draw(st.one_of(amounts(), odd_values()))
    elif shape == 1:  # or several months typed as amounts, which may add up to the annual amount
        for key in draw(st.lists(st.sampled_from(layout.MONTH_KEYS), min_size=1, max_size=12, unique=True)):
            raw[at[key]] = draw(amounts())
        if draw(st.booleans()):
            typed = [raw[at[key]] for key in layout.MONTH_KEYS if raw[at[key]] != ""]
            raw[at["annual"]] = float(sum(Decimal(repr(value)) for value in typed))
    threshold = draw(st.sampled_from([("20", "100000"), ("0", "0"), ("10", "1"), ("50", "5000000")]))
    return raw, expected, context(*threshold)


def checked(raw: list, expected: dict, ctx: ValidationContext):
    """Return `check_row`'s line and problems for the row."""
    row = CheckedRow(layout.INPUT_SHEET, table(raw)[0])
    return check_row(row, expected, ctx), row.problems


def shown(line):
    """A line with its amounts as text: equal Decimals may still be spelt differently ("0.00", "-0.00").

    Without its öre, which only the short way knows: `whole_ore_of` checks them.
    """
    return line if line is None else (line._replace(ore=None), str(line.annual), tuple(map(str, line.months)))


def whole_ore_of(line) -> bool:
    """Say whether a line's öre, where it has them, are its amounts in whole öre (what SQLite stores of them)."""
    return line is None or line.ore is None or line.ore == tuple(int(a.scaleb(2)) for a in (line.annual, *line.months))


def usual(raw: list, ctx: ValidationContext) -> UsualRows:
    return UsualRows.of(SubmittedWorkbook(sheet=layout.INPUT_SHEET, meta={}, rows=table(raw)), ctx)


def issued(ctx: ValidationContext, expected: dict) -> IssuedRow:
    """The prefilled row as validation hands it to `UsualRows`: one it may check."""
    row = ctx.issued_rows[EXPECTED.index(expected)]
    assert row.usual and row.entry is expected
    return row


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows())
def test_the_usual_row_gives_check_rows_answer_or_stands_aside(case):
    raw, expected, ctx = case
    quick = usual(raw, ctx).lines([issued(ctx, expected)])[0]
    if quick is UNUSUAL:
        return
    line, problems = checked(raw, expected, ctx)
    assert problems == []
    assert shown(quick) == shown(line)
    assert whole_ore_of(quick)


def test_the_usual_filled_row_takes_the_short_way():
    """The short way is taken for the rows it is for (the property above would hold if it never was)."""
    raw = raw_row(activity="UTB", account="3010", last_year=1000000.0, annual=1050000.0, key="Jämn")
    ctx = context("20", "100000")
    quick = usual(raw, ctx).lines([issued(ctx, EXPECTED[0])])[0]
    assert quick is not UNUSUAL
    assert shown(quick) == shown(checked(raw, EXPECTED[0], ctx)[0])
    assert quick.months[0] == Decimal("87500.00") and quick.row == ROW
    assert quick.ore == (105000000, *[8750000] * 12)
    raw[COLUMNS["annual"][0] - 1] = ""  # emptied, with last year's amount: a change of -100 %, needs a comment
    assert usual(raw, ctx).lines([issued(ctx, EXPECTED[0])])[0] is UNUSUAL
    assert checked(raw, EXPECTED[0], ctx)[1][0].code == "comment_required"


def test_a_row_whose_activity_or_account_has_gone_since_the_issue_is_left_to_check_row():
    """check_row names it (`activity_removed`, `account_no_longer_planned`); the short way must not store it."""
    ctx = context("20", "100000")
    gone = replace(ctx, activity_ids={"UTB": 1},
                   account_groups={"3010": AccountGroup.revenue, "4010": AccountGroup.personnel})
    assert [row.usual for row in ctx.issued_rows] == [True, True, True, True]
    assert [row.usual for row in gone.issued_rows] == [True, False, False, False]


def test_a_row_made_for_another_reader_is_left_to_check_row():
    """Once a SheetRow is made (the Studenter sheet may fill its values), calamine's values are no longer the row."""
    raw = raw_row(activity="FOR", account="4010")
    rows = table(raw)
    ctx = context("20", "100000")
    checker = UsualRows.of(SubmittedWorkbook(sheet=layout.INPUT_SHEET, meta={}, rows=rows), ctx)
    assert checker.lines([issued(ctx, EXPECTED[1])])[0] is None  # an untouched empty row: no line
    rows[0].values["annual"] = 5000
    assert checker.lines([issued(ctx, EXPECTED[1])])[0] is UNUSUAL


def test_rows_with_an_error_value_or_a_formula_are_left_to_check_row():
    raw = raw_row(activity="FOR", account="4010")
    comment_col = COLUMNS["comment"][0]
    with_formula = TableRows([raw], range(ROW, ROW + 1), COLUMNS, {}, {(ROW, comment_col)})
    assert with_formula.plain_rows() == [None]
    with_error = TableRows([raw], range(ROW, ROW + 1), COLUMNS, {(ROW, COLUMNS["annual"][0]): CellError("#REF!")},
                           set())
    assert with_error.plain_rows() == [None]
    assert with_error[0].values["annual"] == CellError("#REF!")
    untouched = table(raw)
    assert untouched.plain_rows()[0] is raw


def test_a_month_of_only_spaces_is_empty_and_leaves_the_key_to_spread():
    """Found by the property above: the short way took a month of spaces for typed months (Egna månader)."""
    raw = raw_row(activity="UTB", account="3010", last_year=1000000.0, annual=0.0, comment="Ny tjänst", m03="  ")
    ctx = context("20", "100000")
    quick = usual(raw, ctx).lines([issued(ctx, EXPECTED[0])])[0]
    assert quick is not UNUSUAL and quick.key is DistributionKey.even
    assert shown(quick) == shown(checked(raw, EXPECTED[0], ctx)[0])


def test_a_row_with_months_of_its_own_takes_the_short_way():
    raw = raw_row(activity="FOR", account="4010", key="Egna månader", m01=1000.5, m06=2000.0)
    ctx = context("20", "100000")
    quick = usual(raw, ctx).lines([issued(ctx, EXPECTED[1])])[0]
    assert quick is not UNUSUAL
    assert shown(quick) == shown(checked(raw, EXPECTED[1], ctx)[0])
    assert quick.annual == Decimal("3000.50") and quick.months[1] == Decimal("0.00")
    raw[COLUMNS["annual"][0] - 1] = 3000.0  # not what the months add up to: check_row names the difference
    assert usual(raw, ctx).lines([issued(ctx, EXPECTED[1])])[0] is UNUSUAL
    assert checked(raw, EXPECTED[1], ctx)[1][0].code == "months_mismatch"
