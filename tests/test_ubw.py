"""Importing UBW ledger actuals and summing them for templates."""

from __future__ import annotations

import importlib
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
