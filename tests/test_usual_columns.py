"""`UsualRows` on a table read as Arrow columns (fastexcel) gives exactly its answers on the same rows read as rows.

The column-at-a-time way (`validation._ColumnVerdict`, `usual_columns`) decides the rows whose cells
all read the quick way and leaves the others to the row-wise `_line`; so for every row, the line,
None or UNUSUAL must be the one the row-wise way gives. Hypothesis draws tables of the rows
`test_usual_rows` draws, each column holding what fastexcel could give it: text, or numbers, with
empty cells; now and then a row with an error value or a formula.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planround.server import layout
from planround.server.table_values import TableColumns
from planround.server.validation import UNUSUAL, UsualRows
from planround.server.workbook import ROWS_ONE_AT_A_TIME, CellError, TableRows
from tests.test_usual_rows import COLUMNS, EXPECTED, ROW, context, raw_row, rows, shown

WIDTH = len(layout.COLUMNS)


AMOUNT_COLUMNS = {COLUMNS[key][0] - 1 for key in ("last_year", "annual", *layout.MONTH_KEYS)}


def one_kind_per_column(raw_rows: list[list[Any]]) -> list[list[Any]]:
    """Keep in each column only what fastexcel would give a column of its kind: numbers in an amount column,
    text in the others; other cells become empty. (A column of another kind sends the whole table the
    row-wise way, which the property would hold trivially.) python-calamine never gives an int; nor does this."""
    kept = [list(raw) for raw in raw_rows]
    for col in range(WIDTH):
        kind = float if col in AMOUNT_COLUMNS else str
        for raw in kept:
            if type(raw[col]) is not kind:
                raw[col] = ""
    return kept


def arrow_columns(raw_rows: list[list[Any]]) -> TableColumns:
    """The rows as fastexcel gives them: a column each, an empty cell as null."""
    columns = {}
    for col in range(WIDTH):
        values = [None if raw[col] == "" else raw[col] for raw in raw_rows]
        kinds = {type(value) for value in values} - {type(None)}
        columns[col] = pa.array(values, pa.string() if kinds == {str} else pa.float64() if kinds else pa.null())
    return TableColumns(columns, len(raw_rows))


@st.composite
def tables(draw):
    drawn = draw(st.lists(rows(), min_size=1, max_size=8))
    ctx = drawn[0][2]  # one round's thresholds for the table
    raw_rows = one_kind_per_column([raw for raw, _, _ in drawn])
    issued = [ctx.issued_rows[EXPECTED.index(expected)] for _, expected, _ in drawn]
    errors, formulas = {}, set()
    for offset in draw(st.lists(st.integers(0, len(raw_rows) - 1), max_size=2)):
        col = COLUMNS[draw(st.sampled_from(["annual", "comment", "m05"]))][0]
        if draw(st.booleans()):
            errors[(ROW + offset, col)] = CellError("#REF!")
        else:
            formulas.add((ROW + offset, col))
    return raw_rows, issued, ctx, errors, formulas


def answers(table: TableRows, issued, ctx) -> list:
    return UsualRows(table, ctx).lines(issued)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_the_columns_give_the_rows_answers(case):
    raw_rows, issued, ctx, errors, formulas = case
    numbers = range(ROW, ROW + len(raw_rows))
    by_rows = TableRows(raw_rows, numbers, COLUMNS, errors, formulas)
    by_columns = TableRows(None, numbers, COLUMNS, errors, formulas, by_column=arrow_columns(raw_rows))
    assert UsualRows(by_columns, ctx)._lines_by_column(issued) is not None  # the column way was taken
    expected, found = answers(by_rows, issued, ctx), answers(by_columns, issued, ctx)
    assert [shown(line) if line is not UNUSUAL else line for line in found] == [
        shown(line) if line is not UNUSUAL else line for line in expected]
    assert [getattr(line, "ore", None) for line in found] == [getattr(line, "ore", None) for line in expected]


def test_a_budget_of_usual_rows_is_decided_without_making_a_row():
    """The rows the column way decides need no Python row: only those left to the row-wise check are made."""
    ctx = context("20", "100000")
    raw_rows = [raw_row(activity="UTB", account="3010", last_year=1000000.0, annual=1010000.0, key="Jämn"),
                raw_row(activity="FOR", account="4010", key="Egna månader", m01=1000.5, m06=2000.0),
                raw_row(activity="UTB", account="5010", last_year=-250.5, annual=123.456),  # three decimals
                raw_row(activity="FOR", account="3010", last_year=0.0)]
    made = []
    columns = arrow_columns(raw_rows)
    row = columns.row

    def counted(at: int) -> list:
        made.append(at)
        return row(at)
    object.__setattr__(columns, "row", counted)
    table = TableRows(None, range(ROW, ROW + 4), COLUMNS, {}, set(), by_column=columns)
    found = answers(table, ctx.issued_rows, ctx)
    assert found[0].annual == Decimal("1010000.00") and found[0].months[0] == Decimal("84166.67")
    assert found[1].annual == Decimal("3000.50") and found[1].key.value == "own"
    assert found[3] is None  # left empty, as issued
    assert made == [2]  # the amount of three decimals: `_line` reads it (and leaves it to check_row)
    assert found[2] is UNUSUAL


def test_a_change_of_exactly_the_threshold_wants_a_comment_both_ways():
    """At the amount threshold (1 kr, or half an öre rounded up to 1 öre) a change wants a comment: never decided."""
    for threshold, annual in (("1", 1000001.0), ("0.005", 1000000.01)):
        ctx = context("0", threshold)
        raw_rows = [raw_row(activity="UTB", account="3010", last_year=1000000.0, annual=annual, key="Jämn"),
                    raw_row(activity="UTB", account="3010", last_year=1000000.0, annual=1000000.0, key="Jämn")]
        table = TableRows(None, range(ROW, ROW + 2), COLUMNS, {}, set(), by_column=arrow_columns(raw_rows))
        issued = [ctx.issued_rows[0]] * 2
        found = answers(table, issued, ctx)
        assert found[0] is UNUSUAL and found == answers(TableRows(raw_rows, range(ROW, ROW + 2), COLUMNS, {}, set()),
                                                        issued, ctx)
        assert found[1].annual == Decimal("1000000.00")  # no change: no comment wanted


def test_rows_asked_for_one_by_one_are_the_rows_read_as_rows_past_the_first_few_too():
    """The first rows are made alone from the columns; past ROWS_ONE_AT_A_TIME every row is made at once."""
    raw_rows = [raw_row(activity="UTB", account="3010", annual=float(number), comment=f"Rad {number}" * (number % 2))
                for number in range(ROWS_ONE_AT_A_TIME * 2)]
    numbers = range(ROW, ROW + len(raw_rows))
    by_columns = TableRows(None, numbers, COLUMNS, {}, set(), by_column=arrow_columns(raw_rows))
    by_rows = TableRows(raw_rows, numbers, COLUMNS, {}, set())
    assert [(r.row, r.values) for r in by_columns] == [(r.row, r.values) for r in by_rows]
    assert by_columns.plain_rows() == [None] * len(raw_rows)  # each row's SheetRow is made now
