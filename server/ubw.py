"""Import ledger actuals (utfall) exported from UBW, and sum them for templates.

The export is a semicolon-separated file, UTF-8 or Windows-1252, with the header
`period;account;department;activity;project;amount`: period `YYYYMM`, amount in kronor with a
decimal comma, optional (non-breaking) space thousands separators and a leading minus,
at most two decimals. Any account of the chart is accepted, planned or not (the ledger books
on clearing accounts too). Amounts are stored as the file gives them: the export is expected
in the planning convention, revenue and costs both positive, like budget lines; with
`revenue_negative` the amounts on revenue accounts are turned round, for a raw export that
books revenue as negative credits.

The file is read twice, line by line, so a million lines never sit in memory at once: the
first pass checks every line and gathers the periods it holds; the second deletes the actuals
of those periods and inserts the file's lines in batches, one row per line. Both happen in the
caller's transaction (the import only flushes), so a file loads whole or not at all, and
loading it again is harmless. A bad line rejects the file, or, given a quarantine report, is
written there with its number and reason while the good lines load.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert
from sqlmodel import Session, select

from planround.models import Account, AccountGroup, Activity, Actual, OrgUnit, UnitKind
from planround.server.errors import Conflict, Problem, ValidationFailed
from planround.server.messages import render
from planround.server.reference import CsvRow, check_fields, problem, stream_csv

UBW_COLUMNS = ("period", "account", "department", "activity", "project", "amount")
QUARANTINE_COLUMNS = ("line", "original", "reason")
LEDGER_SUFFIXES = (".csv", ".txt")
MAX_PROBLEMS = 200  # enough to fix a file by; a wholly wrong file is not listed line by line
BATCH_SIZE = 5000  # rows per INSERT: large enough to be fast, small enough to stay lean
PROGRESS_EVERY = 10_000  # lines between progress bar redraws, which cost more than a line
PERIOD = re.compile(r"^(\d{4})(\d{2})$")
AMOUNT = re.compile(r"^(-?)(\d{1,3}(?: \d{3})+|\d+)(?:,(\d{1,2}))?$")
SPACES = str.maketrans({"\u00a0": " ", "\u202f": " "})  # Excel's thousands separators

Progress = Callable[..., Any]  # called as progress(length=..., label=...), like click.progressbar


@dataclass
class UbwImportResult:
    """What an import did: lines read, periods replaced, rows removed and the total amount."""

    file: str
    lines: int
    periods: tuple[int, ...]
    rows_replaced: int
    total_amount: Decimal
    quarantined: int = 0
    report: str | None = None

    def summary(self, lang: str = "sv") -> str:
        """Return one line saying what the import did."""
        first, last = (self.periods[0], self.periods[-1]) if self.periods else ("", "")
        total = f"{self.total_amount:.2f}".replace(".", "," if lang == "sv" else ".")
        text = render("ubw_result", lang, file=self.file, lines=self.lines,
                      periods=len(self.periods), first=first, last=last,
                      replaced=self.rows_replaced, total=total)
        if self.report is not None:
            text += " " + render("ubw_quarantined", lang, count=self.quarantined, report=self.report)
        return text

    __str__ = summary


@dataclass
class Ledger:
    """The reference data a UBW line is checked against, read once per import."""

    accounts: set[str]
    units: dict[str, tuple[int, UnitKind]]
    activities: dict[tuple[int, str], int]
    negated: frozenset[str] = frozenset()  # accounts whose amounts are turned round


@dataclass
class Tally:
    """The good lines of a pass: how many, their sum and their periods."""

    lines: int = 0
    total: Decimal = Decimal("0.00")
    periods: set[int] = field(default_factory=set)

    def add(self, values: dict) -> None:
        """Count one good line."""
        self.lines += 1
        self.total += values["amount"]
        self.periods.add(values["period"])


@dataclass
class Scan:
    """What the first pass found: the good lines, the periods to replace and the problems."""

    name: str
    good: Tally = field(default_factory=Tally)
    periods: set[int] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)  # the first MAX_PROBLEMS only
    problem_count: int = 0
    quarantined: int = 0

    def reject(self, found: list[Problem]) -> None:
        """Keep a bad line's problems, up to the cap, and count them all."""
        self.problems += found[:MAX_PROBLEMS - len(self.problems)]
        self.problem_count += len(found)

    def raise_if_rejected(self) -> None:
        """Reject the file listing its first problems and saying how many more there are."""
        if not self.problem_count:
            return
        shown = list(self.problems)
        if self.problem_count > MAX_PROBLEMS:
            shown.append(problem("load_more_problems", self.name,
                                 more=self.problem_count - MAX_PROBLEMS))
        raise ValidationFailed("load_failed", problems=shown, file=self.name,
                               count=self.problem_count)


class NoProgress:
    """A progress bar that draws nothing, for loads off a terminal."""

    def __init__(self, **_options: Any) -> None:
        pass

    def __enter__(self) -> NoProgress:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None

    def update(self, _steps: int) -> None:
        """Draw nothing."""


def parse_amount(text: str) -> Decimal | None:
    """Return a Swedish-formatted amount ('-1 234,50') as a Decimal, or None if malformed."""
    match = AMOUNT.match(text.translate(SPACES))
    if match is None:
        return None
    sign, whole, ore = match.groups()
    return Decimal(f"{sign}{whole.replace(' ', '')}.{ore or '0'}")


def parse_period(text: str) -> int | None:
    """Return a period `YYYYMM` as an int, or None unless it is a month of 2000-2099."""
    match = PERIOD.match(text)
    if match is None or not 2000 <= int(match[1]) <= 2099 or not 1 <= int(match[2]) <= 12:
        return None
    return int(text)


def import_ubw(session: Session, *, path: str | Path, quarantine: str | Path | None = None,
               batch_size: int = BATCH_SIZE, progress: Progress | None = None,
               revenue_negative: bool = False) -> UbwImportResult:
    """Check a UBW export line by line, then replace the actuals of the periods it holds."""
    path, progress = Path(path), progress or NoProgress
    ledger = read_ledger(session, revenue_negative=revenue_negative)
    with quarantine_report(quarantine) as report:
        scan = scan_file(path, ledger, report, progress)
        scan.raise_if_rejected()
        periods = tuple(sorted(scan.periods))
        replaced = 0
        if periods:
            replaced = session.execute(delete(Actual).where(Actual.period.in_(periods))).rowcount
        insert_lines(session, path, ledger, scan, batch_size=batch_size, progress=progress)
    session.flush()
    return UbwImportResult(path.name, scan.good.lines, periods, replaced, scan.good.total,
                           scan.quarantined, None if quarantine is None else str(quarantine))


def scan_file(path: Path, ledger: Ledger, report, progress: Progress) -> Scan:
    """Check every line (pass 1): tally the good ones, keep or quarantine what is wrong."""
    scan = Scan(path.name)
    with progress(length=file_size(path), label=render("ubw_progress_check", file=path.name)) as bar:
        for row, values, found in tracked(checked_lines(path, ledger), bar):
            if values is not None:
                scan.good.add(values)
                scan.periods.add(values["period"])
            elif row is None or report is None:
                scan.reject(found)
            else:
                quarantine_line(scan, report, row, found)
    return scan


def quarantine_line(scan: Scan, report, row: CsvRow, found: list[Problem]) -> None:
    """Write a bad line to the report with its number and reasons, in Swedish."""
    report.writerow([row.line, row.text, " ".join(p.to_dict("sv")["message"] for p in found)])
    scan.quarantined += 1
    period = parse_period(row["period"])
    if period is not None:  # the file holds this period even though the line is set aside
        scan.periods.add(period)


def insert_lines(session: Session, path: Path, ledger: Ledger, scan: Scan, *,
                 batch_size: int, progress: Progress) -> None:
    """Insert the good lines in batches (pass 2), refusing a file that changed since pass 1."""
    again = Tally()
    with progress(length=file_size(path), label=render("ubw_progress_load", file=path.name)) as bar:
        good = (values for _, values, _ in tracked(checked_lines(path, ledger), bar)
                if values is not None)
        for batch in batches(good, batch_size):
            # A Core insert is one executemany per batch; the ORM's splits it wherever a
            # line's project turns empty or not.
            session.execute(insert(Actual.__table__), batch)
            for values in batch:
                again.add(values)
    if again != scan.good:
        raise Conflict("ubw_file_changed", file=scan.name)


def checked_lines(path: Path, ledger: Ledger) -> Iterator[tuple[CsvRow | None, dict | None, list[Problem]]]:
    """Yield each data line with its values for the actual table, or with what is wrong."""
    for item in stream_csv(path, UBW_COLUMNS):
        if isinstance(item, Problem):
            yield None, None, [item]
        elif item.problems:
            yield item, None, item.problems
        else:
            values, found = check_line(path.name, item, ledger)
            yield item, values, found


def tracked(items: Iterable[tuple], bar) -> Iterator[tuple]:
    """Pass the checked lines through, moving the progress bar by their length now and then."""
    done = 0
    for count, item in enumerate(items, start=1):
        done += len(item[0].text) + 1 if item[0] is not None else 0
        if count % PROGRESS_EVERY == 0:
            bar.update(done)
            done = 0
        yield item
    bar.update(done)


def batches(items: Iterable[dict], size: int) -> Iterator[list[dict]]:
    """Yield lists of at most `size` items, reading no further ahead than one list."""
    items = iter(items)
    while batch := list(islice(items, size)):
        yield batch


def file_size(path: Path) -> int:
    """Return the file's size in bytes for a progress bar, 0 when it cannot be read."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


@contextmanager
def quarantine_report(path: str | Path | None) -> Iterator[Any]:
    """Yield a CSV writer for the set-aside lines; the report replaces an older one only on success."""
    if path is None:
        yield None
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    try:
        # UTF-8 with a BOM and semicolons: what Swedish Excel opens as it is.
        with partial.open("w", encoding="utf-8-sig", newline="") as stream:
            writer = csv.writer(stream, delimiter=";")
            writer.writerow(QUARANTINE_COLUMNS)
            yield writer
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def read_ledger(session: Session, *, revenue_negative: bool = False) -> Ledger:
    """Read the accounts, units and activities that lines may name."""
    groups = dict(session.exec(select(Account.code, Account.group)).all())
    units = {code: (unit_id, UnitKind(kind))
             for unit_id, code, kind in session.exec(select(OrgUnit.id, OrgUnit.code, OrgUnit.kind))}
    activities = {(unit_id, code): activity_id for activity_id, unit_id, code
                  in session.exec(select(Activity.id, Activity.unit_id, Activity.code))}
    negated = frozenset(code for code, group in groups.items()
                        if revenue_negative and AccountGroup(group) == AccountGroup.revenue)
    return Ledger(set(groups), units, activities, negated)


def check_line(name: str, row: CsvRow, ledger: Ledger) -> tuple[dict | None, list[Problem]]:
    """Return a line's values for the actual table, or None and what is wrong with it."""
    found = check_fields(name, row, ("period", "account", "department", "activity", "amount"),
                         {"project": 32})
    period, amount = parse_period(row["period"]), parse_amount(row["amount"])
    if row["period"] and period is None:
        found.append(problem("ubw_period_invalid", name, row.line, period=row["period"]))
    if row["amount"] and amount is None:
        found.append(problem("ubw_amount_invalid", name, row.line, amount=row["amount"]))
    if row["account"] and row["account"] not in ledger.accounts:
        found.append(problem("ubw_account_unknown", name, row.line, account=row["account"]))
    unit_id, unit_problems = check_department(name, row, ledger)
    found += unit_problems
    activity_id = ledger.activities.get((unit_id, row["activity"]))
    if unit_id is not None and row["activity"] and activity_id is None:
        found.append(problem("ubw_activity_unknown", name, row.line, activity=row["activity"],
                             department=row["department"]))
    if found:
        return None, found
    if row["account"] in ledger.negated:
        amount = -amount
    return {"period": period, "unit_id": unit_id, "activity_id": activity_id,
            "account_code": row["account"], "project": row["project"] or None,
            "amount": amount}, []


def check_department(name: str, row: CsvRow, ledger: Ledger) -> tuple[int | None, list[Problem]]:
    """Return the id of the line's department, or None and why it is not one."""
    if not row["department"]:
        return None, []
    unit = ledger.units.get(row["department"])
    if unit is None:
        return None, [problem("ubw_department_unknown", name, row.line,
                              department=row["department"])]
    if unit[1] != UnitKind.department:
        return None, [problem("ubw_not_department", name, row.line, department=row["department"],
                              kind=unit[1].value)]
    return unit[0], []


# --- a folder the ledger delivers into -----------------------------------------------------


def unprocessed_files(directory: str | Path) -> list[Path]:
    """Return the ledger files (*.csv, *.txt) waiting in a folder, not its subfolders, newest first."""
    # Hidden names are skipped: an exporter may write `.name.csv` and rename it when done.
    waiting = [path for path in Path(directory).iterdir()
               if path.is_file() and path.suffix.lower() in LEDGER_SUFFIXES
               and not path.name.startswith(".")]
    return sorted(waiting, key=lambda path: (path.stat().st_mtime_ns, path.name), reverse=True)


def archive_file(path: str | Path, archive: str | Path) -> Path:
    """Move a loaded file into the archive folder under a name not yet taken; return where."""
    path, archive = Path(path), Path(archive)
    archive.mkdir(parents=True, exist_ok=True)
    target, number = archive / path.name, 1
    while target.exists():
        number += 1
        target = archive / f"{path.stem}-{number}{path.suffix}"
    return Path(shutil.move(str(path), str(target)))


def last_year_actuals(session: Session, *, unit_id: int,
                      fiscal_year: int) -> dict[tuple[int, str], Decimal]:
    """Sum a department's actuals of `fiscal_year` by (activity id, account code).

    The caller picks the year: for a budget round for year N that is usually N - 1.
    """
    statement = (
        select(Actual.activity_id, Actual.account_code, func.sum(Actual.amount))
        .where(Actual.unit_id == unit_id,
               Actual.period.between(fiscal_year * 100 + 1, fiscal_year * 100 + 12))
        .group_by(Actual.activity_id, Actual.account_code)
    )
    return {(activity_id, account): Decimal(total).quantize(Decimal("0.01"))
            for activity_id, account, total in session.exec(statement)}


def latest_month(session: Session, *, fiscal_year: int) -> int:
    """Return the last month (1-12) of `fiscal_year` the ledger holds actuals for, 0 when none."""
    latest = session.exec(select(func.max(Actual.period)).where(
        Actual.period.between(fiscal_year * 100 + 1, fiscal_year * 100 + 12))).one()
    return latest % 100 if latest else 0


def monthly_actuals(session: Session, *, unit_id: int, fiscal_year: int,
                    through: int) -> dict[tuple[int, str], dict[int, Decimal]]:
    """Sum a department's actuals of months 1..`through` of `fiscal_year` by (activity, account) and month."""
    statement = (
        select(Actual.activity_id, Actual.account_code, Actual.period, func.sum(Actual.amount))
        .where(Actual.unit_id == unit_id,
               Actual.period.between(fiscal_year * 100 + 1, fiscal_year * 100 + through))
        .group_by(Actual.activity_id, Actual.account_code, Actual.period)
    )
    out: dict[tuple[int, str], dict[int, Decimal]] = {}
    for activity_id, account, period, total in session.exec(statement):
        out.setdefault((activity_id, account), {})[period % 100] = Decimal(total).quantize(Decimal("0.01"))
    return out
