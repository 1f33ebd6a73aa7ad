"""Importing UBW ledger actuals and summing them for templates."""

from __future__ import annotations

import csv
import importlib
import os
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from planround.models import Activity, Actual, OrgUnit
from planround.server.demo_data import DEMO_DATA_DIR
from planround.server.errors import ValidationFailed
from planround.server.reference import load_accounts, load_organisation
from planround.server.ubw import MAX_PROBLEMS, import_ubw, last_year_actuals, parse_amount

HEADER = "period;account;department;activity;project;amount\n"
SAMPLE = DEMO_DATA_DIR / "ubw_actuals_2025_2026.csv"


@pytest.fixture
def reference(session):
    """The demo organisation, activities and accounts, committed."""
    load_organisation(session, organisation_path=DEMO_DATA_DIR / "organisation.csv",
                      activities_path=DEMO_DATA_DIR / "activities.csv")
    load_accounts(session, path=DEMO_DATA_DIR / "accounts.csv")
    session.commit()
    return session


def write(tmp_path: Path, lines: list[str], encoding: str = "utf-8", name: str = "ubw.csv") -> Path:
    path = tmp_path / name
    path.write_bytes((HEADER + "".join(line + "\n" for line in lines)).encode(encoding))
    return path


def actual_rows(session) -> list[tuple]:
    session.expire_all()
    return sorted((a.period, a.unit_id, a.activity_id, a.account_code, a.project or "", a.amount)
                  for a in session.exec(select(Actual)))


def db_total(session, period: int | None = None) -> Decimal:
    statement = select(func.sum(Actual.amount))
    if period is not None:
        statement = statement.where(Actual.period == period)
    return session.exec(statement).one() or Decimal("0.00")


def unit_id(session, code: str) -> int:
    return session.exec(select(OrgUnit.id).where(OrgUnit.code == code)).one()


def activity_id(session, unit_code: str, code: str) -> int:
    return session.exec(select(Activity.id).where(
        Activity.unit_id == unit_id(session, unit_code), Activity.code == code)).one()


# --- amounts -----------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("1234,50", "1234.50"), ("-1 234,50", "-1234.50"), ("1\u00a0234\u00a0567,89", "1234567.89"),
    ("1\u202f000", "1000.00"), ("0,1", "0.10"), ("-0,05", "-0.05"), ("12", "12.00"),
    ("123456789012,34", "123456789012.34"),
])
def test_it_parses_swedish_amounts_exactly(text, expected):
    assert parse_amount(text) == Decimal(expected)
    assert isinstance(parse_amount(text), Decimal)


@pytest.mark.parametrize("text", ["1.234,50", "1234.50", "12,345", "1 23,00", "abc", "", "--1",
                                  "1 234 ,5", "+5", "1e3", "12 3456"])
def test_it_refuses_malformed_amounts(text):
    assert parse_amount(text) is None


# --- the demo sample ---------------------------------------------------------------------


def test_the_sample_is_exactly_what_its_generator_writes(tmp_path, monkeypatch):
    generator = importlib.import_module("planround.server.demo_data.make_ubw_sample")
    monkeypatch.setattr(generator, "OUTPUT", tmp_path / "sample.csv")
    monkeypatch.setattr(generator, "OUTPUT_2027_Q1", tmp_path / "q1.csv")
    generator.main()
    assert (tmp_path / "sample.csv").read_bytes() == SAMPLE.read_bytes()
    assert (tmp_path / "q1.csv").read_bytes() == generator.HERE.joinpath("ubw_actuals_2027_q1.csv").read_bytes()
    assert SAMPLE.stat().st_size < 2_000_000


def test_the_sample_covers_every_month_of_both_years_for_every_activity(reference):
    session = reference
    result = import_ubw(session, path=SAMPLE)
    session.commit()
    assert result.periods == tuple(y * 100 + m for y in (2025, 2026) for m in range(1, 13))
    assert result.lines == session.exec(select(func.count()).select_from(Actual)).one()
    covered = set(session.exec(select(Actual.activity_id, Actual.period).distinct()).all())
    activities = session.exec(select(Activity.id)).all()
    assert covered == {(a, p) for a in activities for p in result.periods}
    assert result.total_amount == db_total(session)


def test_every_department_turns_over_10_to_80_million_a_year(reference):
    session = reference
    import_ubw(session, path=SAMPLE)
    session.commit()
    for department in session.exec(select(OrgUnit).where(OrgUnit.kind == "department")).all():
        revenue = sum(amount for (_, account), amount in
                      last_year_actuals(session, unit_id=department.id, fiscal_year=2025).items()
                      if account.startswith("3"))
        assert Decimal(10_000_000) <= revenue <= Decimal(80_000_000), department.code


# --- replacing by period -----------------------------------------------------------------


def test_loading_the_same_file_twice_does_not_duplicate(reference, tmp_path):
    session = reference
    path = write(tmp_path, ["202501;3011;D110;GRU;;1 000,00", "202502;4010;D110;GRU;;500,25",
                            "202502;4010;D110;GRU;;500,25"])
    import_ubw(session, path=path)
    session.commit()
    first = actual_rows(session)
    result = import_ubw(session, path=path)
    session.commit()
    assert actual_rows(session) == first
    assert len(first) == 3  # identical lines stay separate rows: nothing is aggregated
    assert result.rows_replaced == 3


def test_a_new_version_of_one_period_replaces_only_that_period(reference, tmp_path):
    session = reference
    import_ubw(session, path=write(tmp_path, [
        "202501;3011;D110;GRU;;1000,00", "202501;4010;D110;GRU;;400,00",
        "202502;3011;D110;GRU;;2000,00", "202502;4010;D120;FOR;;300,00",
    ]))
    session.commit()
    result = import_ubw(session, path=write(tmp_path, ["202502;3011;D110;GRU;;2500,00"], name="v2.csv"))
    session.commit()
    assert (result.periods, result.rows_replaced) == ((202502,), 2)
    assert db_total(session, 202501) == Decimal("1400.00")
    assert db_total(session, 202502) == Decimal("2500.00")
    assert len(actual_rows(session)) == 3


def test_a_file_with_only_a_header_changes_nothing(reference, tmp_path):
    session = reference
    import_ubw(session, path=write(tmp_path, ["202501;3011;D110;GRU;;1000,00"]))
    session.commit()
    result = import_ubw(session, path=write(tmp_path, [], name="empty.csv"))
    session.commit()
    assert (result.lines, result.periods, result.total_amount) == (0, (), Decimal("0.00"))
    assert db_total(session) == Decimal("1000.00")


def test_amounts_are_stored_as_exact_decimals(reference, tmp_path):
    session = reference
    amounts = ["0,10", "0,20", "-0,30", "1 234 567 890,01", "-1\u00a0234,56", "99999999,99",
               "0,01", "7", "-12,5", "333,33", "333,33", "333,34"] * 50
    lines = [f"2026{(i % 12) + 1:02d};5460;D110;GRU;;{amount}" for i, amount in enumerate(amounts)]
    expected = sum((Decimal(a.replace(" ", "").replace("\u00a0", "").replace(",", "."))
                    for a in amounts), Decimal("0"))
    result = import_ubw(session, path=write(tmp_path, lines))
    session.commit()
    assert result.total_amount == expected
    assert db_total(session) == expected
    assert all(isinstance(row[-1], Decimal) for row in actual_rows(session))


def test_a_windows_1252_file_loads(reference, tmp_path):
    session = reference
    import_ubw(session, path=write(tmp_path, ["202601;3510;D110;EXT;FÖRSÖK-Å;1 000,00"], "cp1252"))
    session.commit()
    assert session.exec(select(Actual.project)).one() == "FÖRSÖK-Å"


def test_a_utf8_file_with_a_byte_order_mark_loads(reference, tmp_path):
    session = reference
    import_ubw(session, path=write(tmp_path, ["202601;3510;D110;EXT;FÖRSÖK-Å;1 000,00"], "utf-8-sig"))
    assert session.exec(select(Actual.project)).one() == "FÖRSÖK-Å"


def test_the_import_only_flushes_so_the_caller_can_roll_back(reference, tmp_path):
    session = reference
    import_ubw(session, path=write(tmp_path, ["202601;3011;D110;GRU;;1,00"]))
    session.rollback()
    assert actual_rows(session) == []


# --- rejected files ----------------------------------------------------------------------

BAD_LINES = {
    "an unknown account": ("202601;3999;D110;GRU;;100,00", "ubw_account_unknown"),
    "an unknown department": ("202601;3011;D999;GRU;;100,00", "ubw_department_unknown"),
    "a faculty as department": ("202601;3011;NAT;GRU;;100,00", "ubw_not_department"),
    "an activity of another department": ("202601;3011;D910;GRU;;100,00", "ubw_activity_unknown"),
    "month thirteen": ("202613;3011;D110;GRU;;100,00", "ubw_period_invalid"),
    "a period with a dash": ("2026-01;3011;D110;GRU;;100,00", "ubw_period_invalid"),
    "a five-digit period": ("20261;3011;D110;GRU;;100,00", "ubw_period_invalid"),
    "an amount with a decimal point": ("202601;3011;D110;GRU;;100.50", "ubw_amount_invalid"),
    "an amount with three decimals": ("202601;3011;D110;GRU;;100,505", "ubw_amount_invalid"),
    "an amount that is text": ("202601;3011;D110;GRU;;etthundra", "ubw_amount_invalid"),
    "an empty amount": ("202601;3011;D110;GRU;;", "field_required"),
    "too few columns": ("202601;3011;D110;GRU;100,00", "line_column_count"),
    "too many columns": ("202601;3011;D110;GRU;;100;00", "line_column_count"),
    "a project code too long": ("202601;3011;D110;GRU;" + "P" * 33 + ";100,00", "field_too_long"),
}


@pytest.mark.parametrize("line, code", BAD_LINES.values(), ids=list(BAD_LINES))
def test_a_bad_line_is_reported_with_its_number_and_rejects_the_whole_file(reference, tmp_path, line, code):
    session = reference
    import_ubw(session, path=write(tmp_path, ["202601;3011;D110;GRU;;1000,00"], name="before.csv"))
    session.commit()
    before = actual_rows(session)
    good = [f"202601;4010;D{d};GRU;;{n},00" for n, d in enumerate((110, 120, 130, 140), start=1)]
    with pytest.raises(ValidationFailed) as caught:
        import_ubw(session, path=write(tmp_path, good[:2] + [line] + good[2:]))
    error = caught.value
    assert [(p.code, p.line) for p in error.problems] == [(code, 4)]
    message = error.problems[0].to_dict("sv")["message"]
    assert message.startswith("ubw.csv, rad 4: ") and "{" not in message
    assert "{" not in error.problems[0].to_dict("en")["message"]
    assert error.params == {"file": "ubw.csv", "count": 1}
    assert actual_rows(session) == before


def test_a_bad_line_at_the_end_of_the_sample_rejects_it_whole(reference, tmp_path):
    session = reference
    text = SAMPLE.read_text(encoding="utf-8") + "202612;3011;D110;GRU;;1,2,3\n"
    path = tmp_path / "sample.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        import_ubw(session, path=path)
    assert [p.line for p in caught.value.problems] == [len(text.splitlines())]
    assert actual_rows(session) == []


def test_problems_beyond_the_cap_are_counted_not_listed(reference, tmp_path):
    session = reference
    lines = ["202601;9999;D110;GRU;;1,00"] * (MAX_PROBLEMS + 50)
    with pytest.raises(ValidationFailed) as caught:
        import_ubw(session, path=write(tmp_path, lines))
    error = caught.value
    assert error.params["count"] == MAX_PROBLEMS + 50
    assert len(error.problems) == MAX_PROBLEMS + 1
    assert error.problems[-1].code == "load_more_problems"
    assert "50" in error.problems[-1].to_dict("sv")["message"]


def test_a_header_with_a_missing_column_is_rejected(reference, tmp_path):
    path = tmp_path / "ubw.csv"
    path.write_text("period;account;department;activity;amount\n202601;3011;D110;GRU;1,00\n")
    with pytest.raises(ValidationFailed) as caught:
        import_ubw(reference, path=path)
    assert [(p.code, p.line) for p in caught.value.problems] == [("file_missing_columns", 1)]


# --- last year's actuals -----------------------------------------------------------------


def test_last_year_actuals_sums_one_year_of_one_department_by_activity_and_account(reference, tmp_path):
    session = reference
    import_ubw(session, path=write(tmp_path, [
        "202501;3011;D110;GRU;;1000,10", "202512;3011;D110;GRU;;2000,20",
        "202506;4010;D110;GRU;;-50,05", "202506;4010;D110;GRU;;100,00",
        "202507;3510;D110;EXT;P110-01;10,00", "202507;3510;D110;EXT;P110-02;20,00",
        "202601;3011;D110;GRU;;99999,00", "202412;3011;D110;GRU;;88888,00",
        "202501;3011;D120;GRU;;77777,00",
    ]))
    session.commit()
    sums = last_year_actuals(session, unit_id=unit_id(session, "D110"), fiscal_year=2025)
    gru, ext = activity_id(session, "D110", "GRU"), activity_id(session, "D110", "EXT")
    assert sums == {(gru, "3011"): Decimal("3000.30"), (gru, "4010"): Decimal("49.95"),
                    (ext, "3510"): Decimal("30.00")}
    assert all(isinstance(value, Decimal) for value in sums.values())


def test_last_year_actuals_is_empty_for_a_year_without_actuals(reference):
    assert last_year_actuals(reference, unit_id=unit_id(reference, "D110"), fiscal_year=2030) == {}


# --- streaming, batches, quarantine ------------------------------------------------------

from planround.server import ubw  # noqa: E402
from planround.server.db import make_engine  # noqa: E402
from planround.server.errors import Conflict  # noqa: E402
from planround.server.ubw import archive_file, unprocessed_files  # noqa: E402


def swedish(ore: int, separator: str = " ") -> str:
    """Write öre as a ledger export does: '-1 234 567,89'."""
    sign = "-" if ore < 0 else ""
    return f"{sign}{abs(ore) // 100:,}".replace(",", separator) + f",{abs(ore) % 100:02d}"


def test_a_file_of_thousands_of_lines_streams_into_batches_with_exact_sums(reference, tmp_path, monkeypatch):
    session = reference
    ore = [(n * 7919) % 250_000_00 - 3_000_00 for n in range(3250)]
    lines = [f"2026{n % 12 + 1:02d};{('3011', '4010', '5460')[n % 3]};D110;GRU;;{swedish(o)}"
             for n, o in enumerate(ore)]
    yielded, inserts = [], []
    real_stream, real_execute = ubw.stream_csv, session.execute

    def counting_stream(path, columns):
        for item in real_stream(path, columns):
            yielded.append(1)
            yield item

    def spying_execute(statement, params=None, *args, **kwargs):
        if params and statement.is_insert:
            inserts.append((len(params), len(yielded)))
        return real_execute(statement, params, *args, **kwargs)
    monkeypatch.setattr(ubw, "stream_csv", counting_stream)
    monkeypatch.setattr(session, "execute", spying_execute)
    result = import_ubw(session, path=write(tmp_path, lines), batch_size=500)
    session.commit()
    expected = sum((Decimal(o) / 100 for o in ore), Decimal("0.00"))
    assert [size for size, _ in inserts] == [500] * 6 + [250]
    # Each batch goes in as soon as it is read: the second pass never reads ahead of it.
    assert [seen for _, seen in inserts] == [3250 + min(500 * n, 3250) for n in range(1, 8)]
    assert (result.lines, result.total_amount) == (3250, expected)
    assert db_total(session) == expected
    assert session.exec(select(func.count()).select_from(Actual)).one() == 3250


def test_a_windows_1252_file_with_decimal_commas_and_thousands_separators_loads_exactly(reference, tmp_path):
    session = reference
    amounts = ["1 234 567,89", "-1\u00a0000,01", "12\u00a0345\u00a0678,9", "0,05", "999 999 999 999,99"]
    path = write(tmp_path, [f"202603;5460;D110;GRU;PRÖJ-{n}-Å;{a}" for n, a in enumerate(amounts)],
                 encoding="cp1252")
    assert b"\xa0" in path.read_bytes() and b"\xd6" in path.read_bytes()  # truly Windows-1252
    result = import_ubw(session, path=path)
    session.commit()
    expected = sum(map(Decimal, ["1234567.89", "-1000.01", "12345678.90", "0.05", "999999999999.99"]))
    assert result.total_amount == expected == Decimal("1000013579246.82")
    assert db_total(session, 202603) == expected
    assert sorted(session.exec(select(Actual.project)).all())[0] == "PRÖJ-0-Å"


def test_quarantine_writes_the_bad_lines_with_their_numbers_and_loads_the_rest(reference, tmp_path):
    session = reference
    import_ubw(session, path=write(tmp_path, ["202601;3011;D110;GRU;;1000,00",
                                              "202512;3011;D110;GRU;;77,00"], name="before.csv"))
    session.commit()
    path = write(tmp_path, ["202601;3011;D110;GRU;;10,00", "202601;3999;D110;GRU;;1,00",
                            "202602;4010;D110;GRU;;20,50", "202602;4010;D110;GRU;100,00",
                            "202613;4010;D110;GRU;;5,00", "202601;4010;D110;GRU;;-0,50"])
    report = tmp_path / "reports" / "quarantine.csv"
    result = import_ubw(session, path=path, quarantine=report)
    session.commit()
    assert (result.lines, result.quarantined, result.periods) == (3, 3, (202601, 202602))
    assert db_total(session, 202601) == Decimal("9.50")  # the file's good lines replace the period
    assert db_total(session, 202602) == Decimal("20.50")
    assert db_total(session, 202512) == Decimal("77.00")  # a period the file lacks is untouched
    with report.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream, delimiter=";"))
    assert rows[0] == ["line", "original", "reason"]
    assert [row[:2] for row in rows[1:]] == [["3", "202601;3999;D110;GRU;;1,00"],
                                             ["5", "202602;4010;D110;GRU;100,00"],
                                             ["6", "202613;4010;D110;GRU;;5,00"]]
    assert rows[1][2].startswith("ubw.csv, rad 3: kontot 3999 finns inte i kontoplanen")
    assert "raden har 5 fält" in rows[2][2] and "perioden 202613" in rows[3][2]
    assert "3 felaktiga rader" in result.summary() and str(report) in result.summary()


def test_a_file_that_cannot_be_read_whole_is_rejected_even_with_quarantine(reference, tmp_path):
    path = tmp_path / "ubw.csv"
    path.write_text("period;account;department;amount\n202601;3011;D110;1,00\n")
    reports = tmp_path / "reports"
    with pytest.raises(ValidationFailed) as caught:
        import_ubw(reference, path=path, quarantine=reports / "quarantine.csv")
    assert [p.code for p in caught.value.problems] == ["file_missing_columns"]
    assert list(reports.iterdir()) == []  # neither a report nor its partial file


def test_a_file_that_changes_between_the_two_passes_is_refused_and_nothing_is_stored(reference, tmp_path, monkeypatch):
    session = reference
    path = write(tmp_path, ["202601;3011;D110;GRU;;10,00"])
    real_scan = ubw.scan_file

    def scan_then_append(*args):
        scan = real_scan(*args)
        with path.open("a", encoding="utf-8") as stream:
            stream.write("202601;3011;D110;GRU;;5,00\n")  # the exporter was still writing
        return scan
    monkeypatch.setattr(ubw, "scan_file", scan_then_append)
    with pytest.raises(Conflict) as caught:
        import_ubw(session, path=path)
    assert caught.value.code == "ubw_file_changed"
    session.rollback()
    assert actual_rows(session) == []


def test_revenue_negative_turns_revenue_positive_and_leaves_costs_as_they_are(reference, tmp_path):
    session = reference
    result = import_ubw(session, path=write(tmp_path, ["202601;3011;D110;GRU;;-1 000,00",
                                                       "202601;3011;D110;GRU;;25,00",
                                                       "202601;4010;D110;GRU;;400,00",
                                                       "202601;4010;D110;GRU;;-40,00"]),
                        revenue_negative=True)
    session.commit()
    assert sorted(row[-1] for row in actual_rows(session)) == [
        Decimal("-40.00"), Decimal("-25.00"), Decimal("400.00"), Decimal("1000.00")]
    assert result.total_amount == Decimal("1335.00")


def test_a_progress_bar_moves_through_both_passes_over_the_whole_file(reference, tmp_path):
    bars = []

    class Bar:
        def __init__(self, *, length, label):
            self.length, self.label, self.done = length, label, 0
            bars.append(self)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

        def update(self, steps):
            self.done += steps
    path = write(tmp_path, ["202601;3011;D110;GRU;;10,00"] * 25_000)
    import_ubw(reference, path=path, progress=Bar)
    size = path.stat().st_size
    assert [(bar.label, bar.length) for bar in bars] == [("Kontrollerar ubw.csv", size),
                                                         ("Läser in ubw.csv", size)]
    assert all(bar.done == size - len(HEADER) for bar in bars)


# --- a folder the ledger delivers into -----------------------------------------------------


def drop(folder: Path, name: str, lines: list[str], age_seconds: int = 0) -> Path:
    """Deliver an export into the folder, `age_seconds` old."""
    folder.mkdir(parents=True, exist_ok=True)
    path = write(folder, lines, name=name)
    stamp = path.stat().st_mtime - age_seconds
    os.utime(path, (stamp, stamp))
    return path


def stored(database_url: str, period: int) -> tuple[int, Decimal]:
    """Count and sum the actuals of a period, on a connection of the test's own."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            count, total = connection.execute(select(func.count(), func.sum(Actual.amount))
                                              .where(Actual.period == period)).one()
    finally:
        engine.dispose()
    return count, total or Decimal("0.00")


@pytest.fixture
def ledger_cli(run):
    """`run`, on a database upgraded and loaded with the demo organisation and chart of accounts."""
    assert run("db", "upgrade").exit_code == 0
    result = run("load", "organisation", str(DEMO_DATA_DIR / "organisation.csv"),
                 "--activities", str(DEMO_DATA_DIR / "activities.csv"))
    assert result.exit_code == 0, result.output
    assert run("load", "accounts", str(DEMO_DATA_DIR / "accounts.csv")).exit_code == 0
    return run


def test_unprocessed_files_are_the_folders_csv_and_txt_files_newest_first(tmp_path):
    drop(tmp_path, "old.csv", [], age_seconds=7200)
    drop(tmp_path, "new.TXT", [])
    drop(tmp_path, "middle.csv", [], age_seconds=3600)
    drop(tmp_path, "notes.xlsx", [])
    drop(tmp_path, ".partial.csv", [])
    drop(tmp_path / "archive", "loaded.csv", [])
    assert [path.name for path in unprocessed_files(tmp_path)] == ["new.TXT", "middle.csv", "old.csv"]


def test_an_archived_name_already_taken_gets_a_number(tmp_path):
    first = archive_file(drop(tmp_path, "ubw.csv", ["202601;3011;D110;GRU;;1,00"]), tmp_path / "archive")
    second = archive_file(drop(tmp_path, "ubw.csv", ["202601;3011;D110;GRU;;2,00"]), tmp_path / "archive")
    assert (first.name, second.name) == ("ubw.csv", "ubw-2.csv")
    assert "1,00" in first.read_text() and "2,00" in second.read_text()
    assert not (tmp_path / "ubw.csv").exists()


def test_from_dir_loads_the_newest_unprocessed_file_and_archives_it(ledger_cli, database_url, tmp_path):
    inbox = tmp_path / "inbox"
    drop(inbox, "ubw_0301.csv", ["202701;3011;D110;GRU;;999,00"], age_seconds=86400)
    drop(inbox, "ubw_0302.csv", ["202701;3011;D110;GRU;;1 000,00", "202701;4010;D110;GRU;;250,50"])
    result = ledger_cli("import", "ubw", "--from-dir", str(inbox))
    assert result.exit_code == 0, result.output
    assert "ubw_0302.csv: 2 rader utfall för 1 perioder" in result.stdout
    assert "WARNING planround.ubw: Äldre olästa filer" in result.stderr and "ubw_0301.csv" in result.stderr
    assert "INFO planround.ubw: ubw_0302.csv är inläst och flyttad till" in result.stderr
    assert sorted(p.name for p in inbox.iterdir()) == ["archive", "ubw_0301.csv"]
    assert [p.name for p in (inbox / "archive").iterdir()] == ["ubw_0302.csv"]
    assert stored(database_url, 202701) == (2, Decimal("1250.50"))


def test_from_dir_with_nothing_new_exits_0_and_changes_nothing(ledger_cli, database_url, tmp_path):
    inbox, archive = tmp_path / "inbox", tmp_path / "elsewhere"
    drop(inbox, "ubw.csv", ["202701;3011;D110;GRU;;1 000,00"])
    assert ledger_cli("import", "ubw", "--from-dir", str(inbox), "--archive", str(archive)).exit_code == 0
    before = stored(database_url, 202701), stored(database_url, 202601)
    result = ledger_cli("import", "ubw", "--from-dir", str(inbox), "--archive", str(archive))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Ingen ny fil att läsa in i ") and result.stderr == ""
    assert (stored(database_url, 202701), stored(database_url, 202601)) == before
    assert [p.name for p in archive.iterdir()] == ["ubw.csv"] and list(inbox.iterdir()) == []


def test_a_bad_file_from_dir_exits_1_logs_why_stays_and_leaves_the_data_as_they_were(ledger_cli, database_url, tmp_path):
    inbox = tmp_path / "inbox"
    drop(inbox, "monday.csv", ["202701;3011;D110;GRU;;1 000,00"], age_seconds=86400)
    assert ledger_cli("import", "ubw", "--from-dir", str(inbox)).exit_code == 0
    bad = drop(inbox, "tuesday.csv", ["202701;3011;D110;GRU;;2 000,00", "202701;3999;D110;GRU;;5,00"])
    result = ledger_cli("import", "ubw", "--from-dir", str(inbox))
    assert result.exit_code == 1
    assert "ERROR planround.ubw: tuesday.csv lästes inte in och ligger kvar i" in result.stderr
    assert "tidigare utfall är orörda" in result.stderr
    assert "rad 3: tuesday.csv, rad 3: kontot 3999 finns inte i kontoplanen" in result.stderr
    assert result.stdout == ""
    assert bad.exists() and [p.name for p in (inbox / "archive").iterdir()] == ["monday.csv"]
    assert stored(database_url, 202701) == (1, Decimal("1000.00"))


def test_from_dir_with_quarantine_loads_the_good_lines_archives_and_warns(ledger_cli, database_url, tmp_path):
    inbox, report = tmp_path / "inbox", tmp_path / "reports" / "quarantine.csv"
    drop(inbox, "ubw.csv", ["202701;3011;D110;GRU;;2 000,00", "202701;3999;D110;GRU;;5,00"])
    result = ledger_cli("import", "ubw", "--from-dir", str(inbox), "--quarantine", str(report))
    assert result.exit_code == 0, result.output
    assert "WARNING planround.ubw: 1 felaktiga rader lästes inte in" in result.stderr
    assert stored(database_url, 202701) == (1, Decimal("2000.00"))
    assert "202701;3999;D110;GRU;;5,00" in report.read_text(encoding="utf-8-sig")
    assert [p.name for p in (inbox / "archive").iterdir()] == ["ubw.csv"]


def test_import_ubw_wants_a_file_or_a_folder_and_no_report_in_the_folder(ledger_cli, tmp_path):
    inbox = tmp_path / "inbox"
    path = drop(inbox, "ubw.csv", ["202701;3011;D110;GRU;;1,00"])
    for args in ((), (str(path), "--from-dir", str(inbox))):
        result = ledger_cli("import", "ubw", *args)
        assert result.exit_code == 2 and "Ange antingen en fil eller --from-dir" in result.stderr
    result = ledger_cli("import", "ubw", "--from-dir", str(inbox), "--quarantine", str(inbox / "q.csv"))
    assert result.exit_code == 2 and "Karantänrapporten får inte ligga i" in result.stderr
    assert path.exists()


def test_import_ubw_of_a_file_prints_what_it_loaded_and_a_bad_file_exits_1(ledger_cli, database_url, tmp_path):
    good = write(tmp_path, ["202701;3011;D110;GRU;;1 000,00"], name="good.csv")
    result = ledger_cli("import", "ubw", str(good))
    assert result.exit_code == 0 and result.stdout.startswith("good.csv: 1 rader utfall")
    bad = write(tmp_path, ["202701;3011;D110;GRU;;1,2,3"], name="bad.csv")
    result = ledger_cli("import", "ubw", str(bad))
    assert result.exit_code == 1
    assert "Fel: Filen bad.csv innehåller 1 fel" in result.stderr and "rad 2: " in result.stderr
    assert stored(database_url, 202701) == (1, Decimal("1000.00")) and good.exists()
