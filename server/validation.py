"""Validating a submitted workbook's rows, cell by cell, into budget lines.

Works on the plain shapes of `workbook.py` (no file access) and collects every problem
with its sheet and cell, so the economist can fix them all in one go. Budgets and forecasts
share everything but the row's amounts: identity, signature, prefilled cells, codes on added
rows, comments and duplicates are checked by the same code; `ROW_CHECKS` picks the row check.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from operator import itemgetter
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa

from planround.models import AccountGroup, DistributionKey, RoundKind, TemplateIssue
from planround.server import forecast, layout
from planround.server.amounts import NotAnAmount, format_sek, text_amount, to_amount
from planround.server.checked_row import CheckedRow
from planround.server.errors import Conflict, Problem, ValidationFailed
from planround.server.periodisation import spread, spread_in_ore
from planround.server.personnel_checks import with_personnel
from planround.server.personnel_layout import computed_accounts
from planround.server.signature import sign_prefill, signature_matches
from planround.server.usual_columns import FAST_FLOAT_LIMIT, Spellings, equal_text, ore_column, read_spellings
from planround.server.workbook import SubmittedTable, SubmittedWorkbook, TableRows, normalise

MAX_COMMENT = 2000
MAX_PROBLEMS = 1000
ZERO = Decimal("0.00")
NEGATIVE_ZERO = ZERO.copy_negate()


@dataclass(frozen=True)
class ValidationContext:
    """What the server knows about the department and round a workbook is sent to."""

    round_code: str
    unit_code: str
    issue: TemplateIssue  # the current template of this round and unit
    activity_ids: dict[str, int]
    account_groups: dict[str, AccountGroup]  # plannable accounts
    threshold_pct: Decimal
    threshold_amount: Decimal
    secret: str
    kind: RoundKind = RoundKind.budget  # the round's kind: which template it takes
    signature: str | None = None  # `issued_signature`, when worked out ahead (else when checked)

    @cached_property
    def issued_rows(self) -> list[IssuedRow]:
        """The lines table's prefilled rows as issued, worked out once: `checked_lines` asks while the table is read."""
        computed = computed_accounts(self.issue.prefill)
        return [IssuedRow.of(entry, self, computed) for entry in layout.table_prefill(self.issue.prefill)]

    @cached_property
    def issued_columns(self) -> IssuedColumns:
        """`issued_rows` as columns, for `UsualRows` on a table read as columns: worked out while it is read."""
        return IssuedColumns.of(self.issued_rows)


class IssuedRow(NamedTuple):
    """A prefilled row of the lines table as the template was issued, with what `UsualRows` compares it by.

    A named tuple: one is made for every prefilled row while the table is read.
    """

    entry: dict  # the prefill's entry: activity, account, last_year (text), and the rest
    computed: bool  # the server computes the row from the Personal sheet
    usual: bool  # `UsualRows` may check it: not computed, its codes and last year's amount plain
    activity_id: int | None
    last_year_ore: int | None  # last year's amount in whole öre, None when empty

    @classmethod
    def of(cls, entry: dict, context: ValidationContext, computed: frozenset[str]) -> IssuedRow:
        activity, account = entry["activity"], entry["account"]
        last_year = text_amount(entry.get("last_year"))
        ore = ZERO if last_year is None else last_year.scaleb(2)
        whole = ore.is_finite() and ore == ore.to_integral_value()  # at most two decimals, as the server writes
        # Codes the register has dropped since the issue are the full check's to name.
        known = activity in context.activity_ids and account in context.account_groups
        usual = account not in computed and known and whole and _plain_code(activity) and _plain_code(account)
        return cls(entry, account in computed, usual, context.activity_ids.get(activity),
                   int(ore) if whole and last_year is not None else None)

    @property
    def last_year(self) -> Decimal | None:
        """Last year's amount as issued, None when empty: made when asked (a Decimal a row would weigh on a budget)."""
        return text_amount(self.entry.get("last_year"))


class IssuedColumns(NamedTuple):
    """Prefilled rows as issued (`IssuedRow`s), a column each: what `UsualRows` compares a table's columns with."""

    activity: list[str]  # the codes as issued (a code issued as other than text is no usual row's)
    account: list[str]
    last_year_ore: np.ndarray  # int64, 0 where empty
    last_year_empty: np.ndarray
    usual: np.ndarray

    @classmethod
    def of(cls, rows: Sequence[IssuedRow]) -> IssuedColumns:
        last_year = [row.last_year_ore for row in rows]
        return cls([row.entry["activity"] for row in rows], [row.entry["account"] for row in rows],
                   np.array([ore or 0 for ore in last_year], np.int64),
                   np.array([ore is None for ore in last_year], bool), np.array([row.usual for row in rows], bool))

    def head(self, height: int) -> IssuedColumns:
        """Return the first `height` rows."""
        return IssuedColumns(*(column[:height] for column in self))


class LineDraft:
    """A valid line, ready to be stored.

    Its amounts are given as Decimals (`annual`, `months`), or, for the usual Budget line
    (`UsualRows`), only in whole öre (`ore`): the Decimals are then made the first time they are
    asked for. SQLite stores whole öre, so there a budget's usual lines are checked and stored
    without making them (10,000 lines: 18 ms to make them with their Decimals, 4 ms without).
    Compared and shown by its fields, as the named tuple it was.
    """

    __slots__ = ("row", "activity_code", "activity_id", "account_code", "key", "comment", "ore", "_annual", "_months")
    FIELDS = ("row", "activity_code", "activity_id", "account_code", "key", "annual", "months", "comment", "ore")

    def __init__(self, row: int, activity_code: str, activity_id: int, account_code: str, key: DistributionKey,
                 annual: Decimal | None, months: tuple[Decimal, ...] | None, comment: str | None,
                 ore: tuple[int, ...] | None = None):
        self.row, self.activity_code, self.activity_id, self.account_code = row, activity_code, activity_id, account_code
        self.key, self._annual, self._months, self.comment = key, annual, months, comment
        # The annual amount and the months in whole öre, where validation worked them out so (`UsualRows`): what
        # SQLite stores, so storing need not convert them again. Amounts changed later go through `with_amounts`.
        self.ore = ore

    @classmethod
    def in_ore(cls, row: int, activity_code: str, activity_id: int, account_code: str, key: DistributionKey,
               comment: str | None, ore: tuple[int, ...]) -> LineDraft:
        """Return a line whose amounts are known in whole öre only: the annual amount, then the twelve months."""
        return cls(row, activity_code, activity_id, account_code, key, None, None, comment, ore)

    @property
    def annual(self) -> Decimal:
        if self._annual is None:
            self._annual = _kronor(self.ore[0])
        return self._annual

    @property
    def months(self) -> tuple[Decimal, ...]:
        """The months, spelt as `spread` spells them: an empty share of a negative amount spread by a key is -0.00."""
        if self._months is None:
            zero = NEGATIVE_ZERO if self.key is not DistributionKey.own and self.ore[0] < 0 else ZERO
            self._months = tuple(_kronor(ore) if ore else zero for ore in self.ore[1:])
        return self._months

    def with_amounts(self, key: DistributionKey, annual: Decimal, months: tuple[Decimal, ...]) -> LineDraft:
        """Return the line with other amounts; their öre are no longer known."""
        return self._replace(key=key, annual=annual, months=months, ore=None)

    def _replace(self, **changes: Any) -> LineDraft:
        return LineDraft(**{**self._asdict(), **changes})

    def _asdict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.FIELDS}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LineDraft):
            return NotImplemented
        return self._asdict() == other._asdict()

    def __hash__(self) -> int:
        return hash(tuple(self._asdict().values()))

    def __repr__(self) -> str:
        return f"LineDraft({', '.join(f'{name}={value!r}' for name, value in self._asdict().items())})"


def annual_total(lines: Iterable[LineDraft]) -> Decimal:
    """Return the lines' annual amounts added up: those known in whole öre as integers, without a Decimal each."""
    ore, amount = 0, ZERO
    for line in lines:
        if line.ore is not None:
            ore += line.ore[0]
        else:
            amount += line.annual
    return amount + _kronor(ore)


def validate_workbook(workbook: SubmittedWorkbook, context: ValidationContext,
                      personnel: SubmittedTable | None = None, also: list[Problem] | None = None) -> list[LineDraft]:
    """Return the workbook's lines, or raise with every problem found and where it is.

    `personnel` is the Personal sheet's table (`personnel_checks.read_personnel`), when the template has one;
    `also` the problems already found on other sheets (Studenter), reported with the rest.
    """
    check_identity(workbook, context)
    issued = context.issued_rows  # the Budget rows, without other sheets' parts
    problems = check_signature(workbook, context) + list(also or ())
    if len(workbook.rows) < len(issued):
        problems.append(Problem("rows_removed", {"found": len(workbook.rows), "expected": len(issued)},
                                sheet=workbook.sheet))
        raise ValidationFailed(problems=problems, count=len(problems))
    row_check = ROW_CHECKS[context.kind]
    usual = UsualRows.of(workbook, context) if row_check is check_row else None
    answers = usual.lines(issued) if usual is not None else []  # each row's line, None or UNUSUAL
    answers += [UNUSUAL] * (len(workbook.rows) - len(answers))
    for offset in [at for at, answer in enumerate(answers) if answer is UNUSUAL]:  # the full check names every problem
        mine = issued[offset] if offset < len(issued) else None
        row = CheckedRow(workbook.sheet, workbook.rows[offset])
        check = check_computed_row if mine is not None and mine.computed else row_check
        line = check(row, mine.entry if mine is not None else None, context)
        problems.extend(row.problems)
        answers[offset] = None if row.problems else line
    lines: list[LineDraft] = [line for line in answers if line is not None]
    problems.extend(check_duplicates(lines, workbook))
    lines = with_personnel(lines, personnel, context.issue.prefill, problems)
    if problems:
        raise ValidationFailed(problems=problems[:MAX_PROBLEMS], count=len(problems))
    return lines


def check_identity(workbook: SubmittedWorkbook, context: ValidationContext) -> None:
    """Refuse a workbook that is not our template, or belongs to another round, unit or version."""
    meta, where = workbook.meta, {"sheet": layout.META_SHEET}
    if meta.get("format") != layout.TEMPLATE_FORMAT:
        raise ValidationFailed(problems=[Problem("wrong_format", **where)], count=1)
    if workbook.kind != context.kind:
        raise ValidationFailed(problems=[Problem(
            WRONG_KIND[context.kind], {"round": context.round_code}, sheet=workbook.sheet)], count=1)
    if meta.get("round") != context.round_code:
        raise ValidationFailed(problems=[Problem(
            "wrong_round", {"found": meta.get("round"), "expected": context.round_code}, **where)], count=1)
    if meta.get("unit") != context.unit_code:
        raise ValidationFailed(problems=[Problem(
            "wrong_unit", {"found": meta.get("unit"), "expected": context.unit_code}, **where)], count=1)
    current = context.issue.template_version
    if meta.get("template_version") != str(current):
        raise Conflict("stale_template", found=meta.get("template_version"), current=current,
                       unit=context.unit_code)


def check_signature(workbook: SubmittedWorkbook, context: ValidationContext) -> list[Problem]:
    """Return a problem unless the workbook carries the signature of the template the server issued."""
    meta = workbook.meta
    expected = context.signature or issued_signature(context.secret, context.round_code, context.unit_code,
                                                     context.issue)
    if meta.get("issue_id") == str(context.issue.id) and signature_matches(expected, meta.get("signature")):
        return []
    return [Problem("bad_signature", sheet=layout.META_SHEET)]


def issued_signature(secret: str, round_code: str, unit_code: str, issue: TemplateIssue) -> str:
    """Return the signature the server wrote into a template it issued: over its identity and its prefill."""
    return sign_prefill(secret, round_code=round_code, unit_code=unit_code, template_version=issue.template_version,
                        issue_id=issue.id, prefill=issue.prefill)


def check_row(row: CheckedRow, expected: dict | None, context: ValidationContext) -> LineDraft | None:
    """Check one budget row; return its line, or None when the row is empty."""
    last_year = text_amount(expected.get("last_year")) if expected is not None else None
    pair = check_identity_cells(row, expected, {"last_year": last_year}, context)
    if pair is None:
        return None
    amounts = check_amounts(row)
    comment = check_comment(row)
    if amounts is None:
        return None
    key, annual, months = amounts
    if expected is not None and annual == ZERO and not comment and not last_year:
        return None
    require_comment(row, annual, last_year, comment, context)
    return _draft(row, pair, context, key, annual, months, comment)


UNUSUAL = object()  # what `UsualRows.line` says of a row it leaves to the full check


class UsualRows:
    """The usual prefilled Budget row, checked on python-calamine's own values: most rows of a large budget.

    `check_row` on a `CheckedRow` makes a dict, a dozen calls and a problem list per row, which on a
    budget of 100,000 lines costs several times the read of its cells. The usual row is simpler:
    its prefilled cells as issued, plain amounts (the months empty for the key to spread the annual
    amount, or typed with Egna månader), key and comment, no error value or formula. For such a
    row `lines` gives what `check_row` would (the line, or None for a row left empty); for any
    other row, and wherever `check_row` would find a problem, it returns UNUSUAL and the caller
    runs `check_row`, which alone says what is wrong. `tests/test_usual_rows.py` holds the two to
    the same answers.

    Amounts are worked in whole öre (`_plain_ore`), which spares a Decimal per cell and comparison;
    the line keeps them so (`LineDraft.in_ore`) and makes its Decimals, as `to_amount` would spell
    them, only if asked. Where fastexcel read the table, the same checks run a column at a time on
    its Arrow columns (`_ColumnVerdict`), and only the rows they leave to `_line` become Python
    values; `tests/test_usual_columns.py` holds the two ways to the same answers.
    """

    def __init__(self, rows: TableRows, context: ValidationContext):
        self._rows, self._context = rows, context
        at = rows.index
        self._activity, self._account, self._last_year = at["activity"], at["account"], at["last_year"]
        self._annual, self._key, self._comment = at["annual"], at["key"], at["comment"]
        self._months = itemgetter(*(at[key] for key in layout.MONTH_KEYS))
        self._keys: dict[Any, Any] = {}  # raw key cell -> `_plain_key`'s answer: a budget has few spellings
        self._comment_from_ore = context.threshold_amount * 100  # a change below it never wants a comment

    @classmethod
    def of(cls, workbook: SubmittedWorkbook, context: ValidationContext) -> UsualRows | None:
        """Return the checker for a workbook read from a file (its rows keep calamine's values), else None."""
        return cls(workbook.rows, context) if isinstance(workbook.rows, TableRows) else None

    def lines(self, issued: Sequence[IssuedRow]) -> list:
        """Return for each prefilled row (`issued`, from the table's first row on) its line, None when it stays
        empty, or UNUSUAL when `check_row` must decide."""
        by_column = self._lines_by_column(issued)
        if by_column is not None:
            return by_column
        return [UNUSUAL if raw is None or not row.usual else self._line(offset, raw, row)
                for offset, (raw, row) in enumerate(zip(self._rows.plain_rows(), issued))]

    def _lines_by_column(self, issued: Sequence[IssuedRow]) -> list | None:
        """Return `lines`' answers from the table's Arrow columns, a column at a time; None unless read as columns.

        `_ColumnVerdict` decides the rows whose every cell it reads the quick way, as `_line` would;
        each other row is left to `_line`, which alone makes that row's Python values.
        """
        height = min(len(self._rows), len(issued))
        columns = {key: self._rows.column(key) for key in USUAL_KEYS}
        if height == 0 or any(column is None for column in columns.values()):
            return None
        expected = (self._context.issued_columns if issued is self._context.issued_rows
                    else IssuedColumns.of(issued)).head(height)
        verdict = _ColumnVerdict.of({key: column.slice(0, height) for key, column in columns.items()}, expected,
                                    self._key_of, self._comment_limit())
        if verdict is None:
            return None
        answers: list = [UNUSUAL] * height
        regular = np.ones(height, bool)
        regular[[at for at in self._rows.irregular() if at < height]] = False
        decided = verdict.decided & regular
        for offset in np.flatnonzero(~decided & regular & expected.usual).tolist():
            answers[offset] = self._line(offset, self._rows.plain_row(offset), issued[offset])
        for offset in np.flatnonzero(decided & verdict.empty).tolist():
            answers[offset] = None
        for offset, line in verdict.lines(np.flatnonzero(decided & ~verdict.empty), issued, self._rows.number(0)):
            answers[offset] = line
        return answers

    def _comment_limit(self) -> int:
        """Return the smallest change in whole öre that may want a comment (`_comment_wanted`), at most 2**62."""
        return min(math.ceil(self._comment_from_ore), 2 ** 62)

    def _line(self, offset: int, raw: list, issued: IssuedRow):
        """Return `lines`' answer for one row: calamine's raw values `raw`, issued as `issued` (a usual one)."""
        entry = issued.entry
        if raw[self._activity] != entry["activity"] or raw[self._account] != entry["account"]:
            return UNUSUAL
        key, comment = self._key_of(raw[self._key]), _plain_comment(raw[self._comment])
        if key is UNUSUAL or comment is UNUSUAL or _plain_ore(raw[self._last_year]) != issued.last_year_ore:
            return UNUSUAL  # a changed cell, or one that is no amount: `check_row` names it
        annual, months = _plain_ore(raw[self._annual]), _typed_months(self._months(raw))
        if annual is UNUSUAL or months is UNUSUAL:
            return UNUSUAL
        if months is None and key is not DistributionKey.own:  # none typed: spread by the key
            annual, key = annual or 0, key or DistributionKey.even
        else:  # months of its own, with Egna månader: they must add up to the annual amount, or give it
            months = months or [0] * 12
            if key not in (None, DistributionKey.own) or (annual is not None and sum(months) != annual):
                return UNUSUAL
            annual, key = sum(months) if annual is None else annual, DistributionKey.own
        if annual == 0 and not comment and not issued.last_year_ore:
            return None
        if not comment and self._comment_wanted(annual, issued):
            return UNUSUAL
        months_ore = spread_in_ore(annual, key) if months is None else months
        return LineDraft.in_ore(self._rows.number(offset), entry["activity"], issued.activity_id, entry["account"], key,
                                comment, (annual, *months_ore))

    def _key_of(self, value: Any):
        """Return `_plain_key` of a raw key cell, worked out once per spelling."""
        try:
            return self._keys[value]
        except KeyError:
            key = self._keys[value] = _plain_key(value)
            return key
        except TypeError:  # not hashable: no cell of calamine's, but no key either
            return UNUSUAL

    def _comment_wanted(self, annual_ore: int, issued: IssuedRow) -> bool:
        """Say whether `comment_wanted` asks for a comment; a change below the amount threshold never does."""
        if abs(annual_ore - (issued.last_year_ore or 0)) < self._comment_from_ore:
            return False
        return comment_wanted(_kronor(annual_ore), issued.last_year, self._context)


USUAL_KEYS = ("activity", "account", "last_year", "annual", "key", "comment", *layout.MONTH_KEYS)


class _ColumnVerdict(NamedTuple):
    """`UsualRows._line`'s answers for a table read as columns, worked out a column at a time.

    `decided`: the rows whose every cell reads the quick way (`usual_columns`) and which `_line`
    would not leave to `check_row` by the cells it reads; of those, `empty` are left empty (no
    line). The other rows are `_line`'s to decide, one at a time.
    """

    decided: np.ndarray
    empty: np.ndarray
    annual_ore: np.ndarray  # the line's annual amount in öre
    months_ore: np.ndarray  # rows × 12: the months typed, in öre (0 where empty)
    own: np.ndarray  # the months are the row's own (Egna månader), not spread by the key
    keys: Spellings  # of the key cells: a DistributionKey, None or UNUSUAL
    comments: Spellings  # of the comment cells: the comment, None or UNUSUAL

    @classmethod
    def of(cls, columns: dict[str, pa.Array], expected: IssuedColumns, key_of: Callable[[Any], Any],
           comment_limit: int) -> _ColumnVerdict | None:
        """Judge the rows, or return None when a column holds other than `_line`'s quick kinds of value."""
        amounts = {key: ore_column(columns[key]) for key in ("last_year", "annual", *layout.MONTH_KEYS)}
        keys, comments = read_spellings(columns["key"], key_of), read_spellings(columns["comment"], _plain_comment)
        if keys is None or comments is None or any(amount is None for amount in amounts.values()):
            return None
        last_year, annual = amounts["last_year"], amounts["annual"]
        months = [amounts[key] for key in layout.MONTH_KEYS]
        months_ore = np.column_stack([month.ore for month in months])
        typed = ~np.logical_and.reduce([month.empty for month in months])
        key_own, key_none = keys.where(lambda key: key is DistributionKey.own), keys.where(lambda key: key is None)
        own = typed | key_own  # else the key (Jämn when none) spreads the annual amount
        months_sum = months_ore.sum(axis=1)
        # Own months take no other key, and add up to the annual amount where one is typed.
        own_agrees = (key_none | key_own) & (annual.empty | (months_sum == annual.ore))
        annual_ore = np.where(own & annual.empty, months_sum, annual.ore)
        commented = comments.where(lambda comment: comment is not None and comment is not UNUSUAL)
        empty = (annual_ore == 0) & ~commented & (expected.last_year_ore == 0)
        no_comment_wanted = commented | (np.abs(annual_ore - expected.last_year_ore) < comment_limit)
        decided = (expected.usual & equal_text(columns["activity"], expected.activity)
                   & equal_text(columns["account"], expected.account)
                   & last_year.plain & (last_year.empty == expected.last_year_empty)
                   & (last_year.ore == expected.last_year_ore) & annual.plain
                   & np.logical_and.reduce([month.plain for month in months])
                   & keys.where(lambda key: key is not UNUSUAL) & comments.where(lambda comment: comment is not UNUSUAL)
                   & (~own | own_agrees) & (empty | no_comment_wanted))
        return cls(decided, empty, annual_ore, months_ore, own, keys, comments)

    def lines(self, at: np.ndarray, issued: Sequence[IssuedRow], first_number: int) -> Iterator[tuple[int, LineDraft]]:
        """Yield the offset and line of each row `at` (decided, not empty), as `_line` makes it.

        `first_number`: the Excel row number of the table's first row; its rows are consecutive."""
        months_ore = iter(self.months_ore[at[self.own[at]]].tolist())
        for offset, annual, key, comment, is_own in zip(at.tolist(), self.annual_ore[at].tolist(),
                                                        self.keys.of_cells(at), self.comments.of_cells(at),
                                                        self.own[at].tolist()):
            if is_own:
                key, ore = DistributionKey.own, next(months_ore)
            else:
                key = key or DistributionKey.even
                ore = spread_in_ore(annual, key)
            row = issued[offset]
            entry = row.entry
            yield offset, LineDraft.in_ore(first_number + offset, entry["activity"], row.activity_id, entry["account"],
                                           key, comment, (annual, *ore))


def _plain_ore(value: Any):
    """Return a raw amount cell in whole öre as `to_amount` reads it: None when empty, UNUSUAL when no amount.

    The common cell, a float of at most two decimals, is converted without a Decimal: `n / 100`
    is the float nearest to n öre, so when it equals the cell, the cell reads as n öre. Below
    FAST_FLOAT_LIMIT an amount of at most two decimals has at most 15 digits, and no two such
    amounts read as the same float.
    """
    if value.__class__ is float and -FAST_FLOAT_LIMIT < value < FAST_FLOAT_LIMIT:
        ore = round(value * 100)
        if ore / 100 == value:
            return ore
    try:
        amount = to_amount(normalise(value))
    except NotAnAmount:
        return UNUSUAL
    return None if amount is None else int(amount.scaleb(2))


def _kronor(ore: int) -> Decimal:
    """Return whole öre as an amount spelt as `to_amount` spells it: two decimals."""
    return Decimal(ore).scaleb(-2)


def _typed_months(typed: tuple):
    """Return a row's month cells in whole öre (empty ones 0); None when none holds an amount, UNUSUAL when one is no amount.

    A cell of only spaces is empty, as `check_row` reads it: months of spaces leave the key to spread the amount.
    """
    if typed == NO_MONTHS:
        return None
    months = [_plain_ore(value) for value in typed]
    if UNUSUAL in months:
        return UNUSUAL
    return None if months.count(None) == len(months) else [ore or 0 for ore in months]


NO_MONTHS = ("",) * 12  # python-calamine's empty cells


def _plain_code(code: Any) -> bool:
    """Say whether an issued code reads back as itself (`_as_code`): text, trimmed, not empty."""
    return code.__class__ is str and code != "" and code == code.strip()


def _plain_key(value: Any):
    """Return the distribution key of a raw cell, None when empty; UNUSUAL when it is not a key's text."""
    text = _plain_text(value)
    return text if text is None or text is UNUSUAL else layout.KEY_BY_TEXT.get(text.strip().casefold(), UNUSUAL)


def _plain_comment(value: Any):
    """Return a raw comment cell's text as `check_comment` would, or UNUSUAL for other than text within the limit."""
    text = _plain_text(value)
    if text is None or text is UNUSUAL:
        return text
    text = text.strip()
    return UNUSUAL if len(text) > MAX_COMMENT else text or None


def _plain_text(value: Any):
    """Return a raw cell's text, None when empty, UNUSUAL when it holds anything but text."""
    value = normalise(value)
    return value if value is None or value.__class__ is str else UNUSUAL


def check_computed_row(row: CheckedRow, expected: dict, context: ValidationContext) -> LineDraft | None:
    """Check a Budget row the server computes from the Personal sheet: only its prefilled cells and comment count."""
    check_prefilled(row, expected, {"last_year": text_amount(expected.get("last_year"))})
    comment = check_comment(row)
    zero = (ZERO,) * 12  # placeholders until `with_personnel` puts the computed months in
    return _draft(row, (expected["activity"], expected["account"]), context, DistributionKey.own, ZERO, zero, comment)


def check_forecast_row(row: CheckedRow, expected: dict | None, context: ValidationContext) -> LineDraft | None:
    """Check one forecast row; return its line (closed months as booked), or None when it is empty."""
    cells = forecast.expected_cells(expected) if expected is not None else {}
    pair = check_identity_cells(row, expected, cells, context)
    if pair is None:
        return None
    budget, to_date = cells.get("budget"), cells.get("actual_to_date")
    amount, comment = check_forecast(row, budget, to_date), check_comment(row)
    if amount is None:
        return None
    if expected is not None and amount == ZERO and not (comment or budget or to_date):
        return None
    closed = [cells.get(key) for key in layout.ACTUAL_MONTH_KEYS[:forecast.closed_of(context.issue.prefill)]]
    if len(closed) == 12 and amount != (to_date or ZERO):
        row.problem("forecast", "forecast_year_closed", actual=format_sek(to_date or ZERO))
    require_comment(row, amount, budget, comment, context, "forecast_comment_required")
    return _draft(row, pair, context, DistributionKey.own, amount, forecast.stored_months(amount, closed), comment)


def check_forecast(row: CheckedRow, budget: Decimal | None, to_date: Decimal | None) -> Decimal | None:
    """Return the full-year forecast typed; empty is 0 on a line with neither budget nor actuals."""
    if row.value("forecast") is not None:
        return row.amount("forecast")
    if budget or to_date:
        row.problem("forecast", "forecast_missing", budget=format_sek(budget or ZERO),
                    actual=format_sek(to_date or ZERO))
        return None
    return ZERO


def check_identity_cells(row: CheckedRow, expected: dict | None, amounts: dict[str, Decimal | None],
                         context: ValidationContext) -> tuple[str | None, str | None] | None:
    """Return the row's activity and account, as issued (its prefilled cells unchanged) or as added; None when empty."""
    if expected is not None:
        check_prefilled(row, expected, amounts)
        return expected["activity"], expected["account"]
    if all(value is None for value in row.source.values.values()):
        return None
    return check_codes(row, context)


def check_prefilled(row: CheckedRow, expected: dict, amounts: dict[str, Decimal | None]) -> None:
    """Name every prefilled cell whose value is no longer what the template said."""
    for key in ("activity", "account"):
        found = row.value(key)
        if _as_code(found) != expected[key]:
            row.problem(key, "prefilled_changed", expected=expected[key], found=_shown(found))
    for key, want in amounts.items():
        try:
            found_amount = to_amount(row.value(key))
        except NotAnAmount:
            found_amount = "?"
        if found_amount != want:
            row.problem(key, "prefilled_changed", expected=format_sek(want), found=_shown(row.value(key)))


def _draft(row: CheckedRow, pair: tuple[str | None, str | None], context: ValidationContext, key: DistributionKey,
           annual: Decimal, months: tuple[Decimal, ...], comment: str | None) -> LineDraft | None:
    """Return the row's line, unless it has problems or an unknown code."""
    activity, account = pair
    if activity is not None and activity not in context.activity_ids:  # prefilled, then removed from the register
        row.problem("activity", "activity_removed", value=activity, unit=context.unit_code)
    if account is not None and account not in context.account_groups:  # prefilled, then no longer planned
        row.problem("account", "account_no_longer_planned", value=account)
    if row.problems or activity is None or account is None:
        return None
    return LineDraft(row.source.row, activity, context.activity_ids[activity], account, key,
                     annual, months, comment)


def check_codes(row: CheckedRow, context: ValidationContext) -> tuple[str | None, str | None]:
    """Check the activity and account chosen on an added row."""
    activity, account = _as_code(row.value("activity")), _as_code(row.value("account"))
    if activity is None:
        row.problem("activity", "missing_activity")
    elif activity not in context.activity_ids:
        row.problem("activity", "unknown_activity", value=activity, unit=context.unit_code)
        activity = None
    if account is None:
        row.problem("account", "missing_account")
    elif account not in context.account_groups:
        row.problem("account", "unknown_account", value=account)
        account = None
    elif account in computed_accounts(context.issue.prefill):
        row.problem("account", "account_computed_from_personnel", account=account)
        account = None
    return activity, account


def check_amounts(row: CheckedRow) -> tuple[DistributionKey, Decimal, tuple[Decimal, ...]] | None:
    """Check the annual amount, the key and the months; return them whole and consistent."""
    annual = row.amount("annual")
    months = row.amounts(layout.MONTH_KEYS)
    key = check_key(row)
    given = [m for m in months if m is not None]
    if row.problems:
        return None
    if annual is None and not given:
        annual = ZERO
    if given or key is DistributionKey.own:  # own months left empty are twelve zeros, to add up like typed ones
        return check_own_months(row, key, annual, months)
    return key or DistributionKey.even, annual, spread(annual, key or DistributionKey.even)


def check_own_months(row: CheckedRow, key: DistributionKey | None, annual: Decimal | None,
                     months: list[Decimal | None]):
    """Check months the economist typed: the key says so and they add up to the annual amount."""
    if key not in (None, DistributionKey.own):
        row.problem("key", "months_need_own_key", chosen=layout.KEY_LABELS[key])
        return None
    filled = tuple(m if m is not None else ZERO for m in months)
    total = sum(filled, ZERO)
    if annual is None:
        annual = total
    elif total != annual:
        row.problem("annual", "months_mismatch", months=format_sek(total),
                    annual=format_sek(annual), diff=format_sek(annual - total))
        return None
    return DistributionKey.own, annual, filled


def check_key(row: CheckedRow) -> DistributionKey | None:
    """Return the distribution key chosen on the row, None when left empty."""
    value = row.value("key")
    if value is None:
        return None
    key = layout.KEY_BY_TEXT.get(str(value).strip().casefold())
    if key is None:
        row.problem("key", "invalid_key", value=_shown(value))
    return key


def check_comment(row: CheckedRow) -> str | None:
    """Return the comment as text; it is stored as typed, never evaluated."""
    if "comment" in row.source.formulas:
        row.problem("comment", "comment_formula")  # a formula would be stored as its cached value, or not at all
        return None
    value = row.value("comment")
    if value is None:
        return None
    text = _as_code(value) if isinstance(value, (int, float)) else str(value).strip()
    if len(text) > MAX_COMMENT:
        row.problem("comment", "comment_too_long", length=len(text), limit=MAX_COMMENT)
    return text or None


def require_comment(row: CheckedRow, amount: Decimal, baseline: Decimal | None, comment: str | None,
                    context: ValidationContext, message: str = "comment_required") -> None:
    """Ask for a comment when the change against the baseline (last year, or the budget) passes both thresholds."""
    if comment or not comment_wanted(amount, baseline, context):
        return
    change = amount - (baseline or ZERO)
    pct = f"{(change * 100 / abs(baseline)):.0f}" if baseline else "∞"
    row.problem("comment", message, change=format_sek(change), pct=pct,
                threshold_pct=format(context.threshold_pct.normalize(), "f"),
                threshold_amount=format_sek(context.threshold_amount))


def comment_wanted(amount: Decimal, baseline: Decimal | None, context: ValidationContext) -> bool:
    """Say whether the change against the baseline passes both thresholds, so that a comment is required."""
    change = amount - (baseline or ZERO)
    if abs(change) < context.threshold_amount:
        return False
    return not (baseline and abs(change) * 100 < context.threshold_pct * abs(baseline))


def check_duplicates(lines: list[LineDraft], workbook: SubmittedWorkbook) -> list[Problem]:
    """Return a problem for every line that repeats an activity and account of an earlier one."""
    first_row: dict[tuple[str, str], int] = {}
    cells: dict[int, Mapping[str, str]] = {}  # each row's addresses, gathered at the first duplicate: most have none
    problems = []
    for line in lines:
        pair = (line.activity_code, line.account_code)
        if pair in first_row:
            cells = cells or {r.row: r.cells for r in workbook.rows}
            problems.append(Problem("duplicate_line", {
                "activity": pair[0], "account": pair[1], "other": first_row[pair]},
                sheet=workbook.sheet, cell=cells[line.row].get("account")))
        else:
            first_row[pair] = line.row
    return problems


def _as_code(value: Any) -> str | None:
    """Return a code cell as text: 3010 typed as a number reads as '3010'."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() or None


def _shown(value: Any) -> str:
    return "(tom)" if value is None else str(value)[:40]


# The row check of each kind of round, and what a workbook of the other kind is told.
ROW_CHECKS = {RoundKind.budget: check_row, RoundKind.forecast: check_forecast_row}
WRONG_KIND = {RoundKind.budget: "forecast_template_in_budget_round",
              RoundKind.forecast: "budget_template_in_forecast_round"}
