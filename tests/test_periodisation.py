"""Spreading an annual amount over the months never loses or invents an öre."""

from decimal import Decimal

import pytest

from planround.models import DistributionKey
from planround.server.periodisation import (KEY_TENTHS, _as_kronor, _equal_kronor, _equal_parts, _weighted_parts, spread,
                                            spread_in_ore)
from planround.server.validation import LineDraft


@pytest.mark.parametrize("key", [DistributionKey.even, DistributionKey.salary])
@pytest.mark.parametrize("annual", ["0", "0.01", "0.11", "100", "1000000", "-12345.67", "99999999.99", "7.07"])
def test_the_months_add_up_to_the_annual_amount(key, annual):
    months = spread(Decimal(annual), key)
    assert len(months) == 12
    assert sum(months) == Decimal(annual)
    assert all(m == m.quantize(Decimal("0.01")) for m in months)


def test_an_even_spread_differs_by_at_most_one_ore():
    months = spread(Decimal("100"), DistributionKey.even)
    assert max(months) - min(months) == Decimal("0.01")
    assert months.count(Decimal("8.34")) == 4 and months.count(Decimal("8.33")) == 8


def test_the_salary_profile_puts_more_in_june_and_less_in_july():
    months = spread(Decimal("1200000"), DistributionKey.salary)
    assert months[5] == Decimal("140000.00")
    assert months[6] == Decimal("60000.00")
    assert months[0] == Decimal("100000.00")


@pytest.mark.parametrize("months", [1, 5, 12])
def test_equal_weights_split_as_the_weighted_method_does(months):
    for ore in [*range(0, 400), 123456789, 99999999999]:
        assert _equal_parts(ore, months) == _weighted_parts(ore, (10,) * months)


@pytest.mark.parametrize("months", [1, 5, 12])
@pytest.mark.parametrize("sign, zero", [(1, Decimal("0.00")), (-1, Decimal("-0.00"))])
def test_an_equal_split_makes_the_amounts_of_its_parts_spelt_alike(months, sign, zero):
    """`_equal_kronor` makes two amounts where `_as_kronor(_equal_parts(...))` made one per part: the same ones."""
    for ore in [*range(0, 400), 123456789, 99999999999]:
        made = _equal_kronor(ore, months, sign, zero)
        assert [str(m) for m in made] == [str(m) for m in _as_kronor(_equal_parts(ore, months), sign, zero)]


@pytest.mark.parametrize("key", list(KEY_TENTHS))
def test_a_spread_in_whole_ore_is_the_spread_of_the_amount_and_a_line_in_ore_spells_it_alike(key):
    """`spread_in_ore` (validation's short way) gives `spread`'s months in öre; a line known only in öre makes
    its amounts as `spread` spells them (-0.00 for an empty share of a negative amount)."""
    for ore in [*range(-400, 400), 123456789, -99999999999, 999999999999999]:
        expected = spread(Decimal(ore).scaleb(-2), key)
        months_ore = spread_in_ore(ore, key)
        assert months_ore == tuple(int(m.scaleb(2)) for m in expected)
        line = LineDraft.in_ore(11, "UTB", 1, "3010", key, None, (ore, *months_ore))
        assert [str(m) for m in (line.annual, *line.months)] == [str(m) for m in (Decimal(ore).scaleb(-2), *expected)]
