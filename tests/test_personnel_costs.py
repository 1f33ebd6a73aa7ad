"""Personnel costs computed on the server: exact to the öre against figures worked out by hand."""

from __future__ import annotations

import csv
from decimal import Decimal as D

from planround.server.demo_data import DEMO_DATA_DIR
from planround.server.personnel_costs import (
    ACCOUNTS,
    PersonPlan,
    Rates,
    account_months,
    activity_costs,
    person_costs,
)

RATES = Rates(lkp_pct=D("48.50"), revision_month=4, revision_pct=D("3.00"))


def test_the_salary_rises_by_the_revision_from_its_month_and_lkp_is_charged_on_top():
    cost = person_costs(PersonPlan(D("40000.00"), D("100"), {"GRU": D("100")}), RATES)["GRU"]
    assert cost.salary == [D("40000.00")] * 3 + [D("41200.00")] * 9
    assert cost.lkp == [D("19400.00")] * 3 + [D("19982.00")] * 9
    assert (cost.salary_total, cost.lkp_total) == (D("490800.00"), D("238038.00"))


def test_a_planned_rate_and_a_split_scale_each_share_and_each_month_is_rounded_once_half_up():
    # 50 000,50 kr at 50 %: 30 % is 7 500,075 -> 7 500,08 a month, 7 725,07725 -> 7 725,08 after April.
    costs = person_costs(PersonPlan(D("50000.50"), D("50"), {"GRU": D("30"), "FOR": D("70")}), RATES)
    assert costs["GRU"].salary[0] == D("7500.08") and costs["GRU"].salary[3] == D("7725.08")
    assert costs["FOR"].salary[0] == D("17500.18") and costs["FOR"].salary[3] == D("18025.18")
    assert costs["GRU"].salary_total == D("92025.96") and costs["FOR"].salary_total == D("214727.16")
    # LKP on the rounded month: 7 500,08 × 48,5 % = 3 637,5388 -> 3 637,54.
    assert costs["GRU"].lkp[0] == D("3637.54") and costs["GRU"].lkp[3] == D("3746.66")


def test_a_hire_from_september_costs_only_the_months_employed():
    cost = person_costs(PersonPlan(D("36000"), D("50"), {"PRJ": D("100")}, start_month=9), RATES)["PRJ"]
    assert cost.salary == [D("0.00")] * 8 + [D("18540.00")] * 4
    assert cost.lkp == [D("0.00")] * 8 + [D("8991.90")] * 4
    assert (cost.salary_total, cost.lkp_total) == (D("74160.00"), D("35967.60"))


def test_a_leaver_after_june_costs_nothing_from_july():
    cost = person_costs(PersonPlan(D("50000"), D("80"), {"FOR": D("100")}, end_month=6), RATES)["FOR"]
    assert cost.salary == [D("40000.00")] * 3 + [D("41200.00")] * 3 + [D("0.00")] * 6
    assert cost.salary_total == D("243600.00")


def test_a_revision_in_january_raises_the_whole_year_and_none_when_zero():
    january = Rates(D("48.50"), 1, D("2.50"))
    person = PersonPlan(D("30000"), D("100"), {"GRU": D("100")})
    assert person_costs(person, january)["GRU"].salary == [D("30750.00")] * 12
    assert person_costs(person, Rates(D("0"), 4, D("0")))["GRU"].lkp == [D("0.00")] * 12


def test_people_are_rounded_each_and_then_summed_exactly():
    # 10 000,01 kr at 50 % is 5 000,005 -> 5 000,01 each, so two people cost 10 000,02, not 10 000,01.
    person = PersonPlan(D("10000.01"), D("50"), {"GRU": D("100")})
    costs = activity_costs([person, person], Rates(D("0"), 12, D("0")))
    assert costs["GRU"].salary[0] == D("10000.02")
    assert costs["GRU"].salary_total == D("10000.02") * 12


def test_salaries_go_to_the_activitys_salary_account_and_lkp_to_the_lkp_account():
    costs = activity_costs([PersonPlan(D("40000"), D("100"), {"GRU": D("60"), "FOR": D("40")})], RATES)
    months = account_months(costs, {"GRU": "4010", "FOR": "4020"}, "4610")
    assert set(months) == {("GRU", "4010"), ("GRU", "4610"), ("FOR", "4020"), ("FOR", "4610")}
    assert months[("GRU", "4010")][0] == D("24000.00") and months[("FOR", "4610")][0] == D("7760.00")


def test_the_account_mapping_names_plannable_personnel_accounts_of_the_demo_chart():
    with open(DEMO_DATA_DIR / "accounts.csv", encoding="utf-8") as handle:
        chart = {row["code"]: row for row in csv.DictReader(handle, delimiter=";")}
    assert set(ACCOUNTS.salary) == {"education", "research", "commissioned", "support", "project"}
    for code in ACCOUNTS.all:
        assert chart[code]["group"] == "personnel" and chart[code]["plannable"] == "1", code
    assert chart[ACCOUNTS.lkp]["name"].startswith("Lönekostnadspålägg")
