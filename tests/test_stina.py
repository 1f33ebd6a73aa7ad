"""Stina's price list: loaded whole or not at all, upserted by year and area; revenue to the öre."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import func
from sqlmodel import select

from planround.models import AccountGroup, PriceList
from planround.server.demo_data import DEMO_DATA_DIR
from planround.server.errors import ValidationFailed
from planround.server.stina import area_prices, load_price_list, student_revenue
from tests.factories import make_account

HEADER = "year;area;name;price_per_hst;price_per_hpr;account\n"


@pytest.fixture
def chart(session):
    make_account(session, "3011", AccountGroup.revenue, "Anslag utbildning")
    make_account(session, "4010", AccountGroup.personnel, "Löner")
    session.commit()


def write(tmp_path, text: str, name: str = "prices.csv"):
    path = tmp_path / name
    path.write_text(HEADER + text, encoding="utf-8")
    return path


def test_the_shipped_price_list_loads_and_loading_it_again_changes_nothing(session, chart):
    first = load_price_list(session, path=DEMO_DATA_DIR / "price_list_2027.csv")
    session.commit()
    again = load_price_list(session, path=DEMO_DATA_DIR / "price_list_2027.csv")
    assert (first.tables["price_list"].created, again.tables["price_list"].unchanged) == (9, 9)
    assert not again.changed
    humaniora = next(p for p in area_prices(session, fiscal_year=2027) if p.area_code == "HUM")
    assert (humaniora.price_per_hst, humaniora.price_per_hpr) == (Decimal("35210.00"), Decimal("31480.00"))
    assert humaniora.account_code == "3011"


def test_a_changed_price_updates_its_year_and_area_only(session, chart, tmp_path):
    load_price_list(session, path=write(tmp_path, "2027;HUM;Humaniora;35 000,00;31 000,00;3011\n"
                                                  "2028;HUM;Humaniora;36 000,00;32 000,00;3011\n"))
    result = load_price_list(session, path=write(tmp_path, "2027;HUM;Humaniora;35 500,50;31 000,00;3011\n"))
    assert (result.tables["price_list"].updated, result.tables["price_list"].created) == (1, 0)
    prices = {(p.fiscal_year, p.area_code): p.price_per_hst for p in session.exec(select(PriceList))}
    assert prices == {(2027, "HUM"): Decimal("35500.50"), (2028, "HUM"): Decimal("36000.00")}


def test_a_price_list_with_bad_lines_is_refused_naming_each_line_and_nothing_is_written(session, chart, tmp_path):
    path = write(tmp_path, "2027;HUM;Humaniora;35 210,00;31 480,00;3011\n"
                           "2027;NAT;Naturvetenskap;-5,00;50 170,00;3011\n"
                           "20x7;TEK;Teknik;62 840,00;50 170,00;3011\n"
                           "2027;HUM;Humaniora igen;1,00;1,00;3011\n"
                           "2027;MED;Medicin;73 650,00;88 120,00;4010\n"
                           "2027;VRD;;67 930,00;56 210,123;3011\n")
    with pytest.raises(ValidationFailed) as caught:
        load_price_list(session, path=path)
    found = [(p.code, p.line) for p in caught.value.problems]
    assert found == [("price_invalid", 3), ("price_year_invalid", 4), ("price_duplicate", 5),
                     ("price_account_not_revenue", 6), ("field_required", 7), ("price_invalid", 7)]
    assert caught.value.code == "load_failed" and "prices.csv" in caught.value.message("sv")
    assert "rad 3" in caught.value.problems[0].to_dict("sv")["message"]
    assert session.exec(select(func.count()).select_from(PriceList)).one() == 0


def test_a_file_without_the_price_columns_is_refused_on_its_header(session, chart, tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text("year;area;name\n2027;HUM;Humaniora\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        load_price_list(session, path=path)
    assert [(p.code, p.line) for p in caught.value.problems] == [("file_missing_columns", 1)]


@pytest.mark.parametrize("hst, hpr, price_hst, price_hpr", [
    ("12.5", "10.25", "35210.00", "31480.00"),
    ("0.01", "0.01", "0.55", "0.44"),  # 0.0099 rounds half up to 0.01
    ("1234.57", "0", "73650.00", "88120.00"),
])
def test_revenue_is_hst_times_price_plus_hpr_times_price_rounded_half_up_to_the_ore(hst, hpr, price_hst, price_hpr):
    hst, hpr, price_hst, price_hpr = map(Decimal, (hst, hpr, price_hst, price_hpr))
    expected = (hst * price_hst + hpr * price_hpr).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert student_revenue(hst=hst, hpr=hpr, price_per_hst=price_hst, price_per_hpr=price_hpr) == expected


def test_the_command_loads_the_price_list(run, engine, chart):
    result = run("load", "prices", str(DEMO_DATA_DIR / "price_list_2027.csv"))
    assert result.exit_code == 0, result.output
    assert "9 nya" in result.output
