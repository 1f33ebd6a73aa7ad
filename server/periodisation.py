"""Spreading an annual amount over twelve months (periodisering), exactly to the öre."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from planround.models import DistributionKey

ORE = Decimal("0.01")
ZERO = Decimal("0.00")

# Monthly weights; each key's weights add up to 12.
WEIGHTS: dict[DistributionKey, tuple[Decimal, ...]] = {
    DistributionKey.even: (Decimal(1),) * 12,
    # Salary profile: holiday pay (semesterlön) raises June, little overtime or hourly
    # pay falls in July while most staff are on leave.
    DistributionKey.salary: tuple(
        Decimal(w) for w in ("1", "1", "1", "1", "1", "1.4", "0.6", "1", "1", "1", "1", "1")
    ),
}


def spread(annual: Decimal, key: DistributionKey) -> tuple[Decimal, ...]:
    """Split `annual` over 12 months by the key's weights; the months add up exactly."""
    return _split_tenths(annual, KEY_TENTHS[key])


def spread_in_ore(annual_ore: int, key: DistributionKey) -> tuple[int, ...]:
    """Return `spread`'s months of `annual_ore` whole öre, in whole öre: what SQLite stores of them."""
    tenths, magnitude = KEY_TENTHS[key], abs(annual_ore)
    if _all_equal(tenths):
        parts = _equal_parts(magnitude, len(tenths))
    else:
        parts = _weighted_parts(magnitude, tenths)
    return tuple(parts) if annual_ore >= 0 else tuple(-part for part in parts)


def spread_evenly(amount: Decimal, months: int) -> tuple[Decimal, ...]:
    """Split `amount` evenly over `months` months (none when 0); they add up exactly."""
    return split(amount, (Decimal(1),) * months) if months else ()


def split(amount: Decimal, weights: tuple[Decimal, ...]) -> tuple[Decimal, ...]:
    """Split `amount` by `weights`, exactly to the öre.

    Each part gets its share rounded towards zero to the öre; the öre left over go one
    each to the parts with the largest remainders (largest remainder method, the earlier
    part first on a tie). Computed in whole öre and tenths of weight, which is exact (a
    weight has at most one decimal) and many times faster than Decimal division on every
    line of a large budget.
    """
    return _split_tenths(amount, _tenths(weights))


def _split_tenths(amount: Decimal, tenths: tuple[int, ...]) -> tuple[Decimal, ...]:
    """Split `amount` by weights in whole tenths (`split`)."""
    return _split_ore(int(amount.scaleb(2).to_integral_value(rounding=ROUND_DOWN)), tenths, amount.is_signed())


def _split_ore(ore: int, tenths: tuple[int, ...], signed: bool) -> tuple[Decimal, ...]:
    """Split whole öre by weights in tenths: the parts in kronor.

    `signed`: the amount is negative (or -0.00), as its empty shares are then.
    """
    # On the size: the sign goes back on at the end, as each share has the amount's sign.
    sign, zero = -1 if ore < 0 else 1, ZERO.copy_negate() if signed else ZERO
    if _all_equal(tenths):
        return _equal_kronor(abs(ore), len(tenths), sign, zero)
    return _as_kronor(_weighted_parts(abs(ore), tenths), sign, zero)


def _all_equal(tenths: tuple[int, ...]) -> bool:
    """Say whether the weights are all alike: an even spread, split without the weighted method's work."""
    return tenths.count(tenths[0]) == len(tenths)


def _weighted_parts(ore: int, tenths: tuple[int, ...]) -> list[int]:
    """Split whole öre by weights in tenths: shares rounded down, the öre left to the largest remainders."""
    total = sum(tenths)
    parts, remainders = [], []
    for tenth in tenths:
        part, remainder = divmod(ore * tenth, total)
        parts.append(part)
        remainders.append(remainder)
    left = ore - sum(parts)
    if left:
        for i in sorted(range(len(parts)), key=remainders.__getitem__, reverse=True)[:left]:
            parts[i] += 1
    return parts


def _equal_parts(ore: int, count: int) -> list[int]:
    """Split whole öre in equal weights: what `_weighted_parts` gives, without its work on every line.

    Every remainder ties, so the öre left over go one each to the earliest parts.
    """
    share, left = divmod(ore, count)
    return [share + 1] * left + [share] * (count - left)


def _equal_kronor(ore: int, count: int, sign: int, zero: Decimal) -> tuple[Decimal, ...]:
    """Return `_as_kronor(_equal_parts(ore, count), ...)`, making only its two amounts: the most common spread."""
    share, left = divmod(ore, count)
    low = Decimal(sign * share).scaleb(-2) if share else zero
    if not left:
        return (low,) * count
    return (Decimal(sign * (share + 1)).scaleb(-2),) * left + (low,) * (count - left)


def _tenths(weights: tuple[Decimal, ...]) -> tuple[int, ...]:
    """Return the weights in whole tenths, computed once per set of weights."""
    tenths = _TENTHS.get(weights)
    if tenths is None:
        tenths = _TENTHS[weights] = tuple(int(w.scaleb(1)) for w in weights)
    return tenths


_TENTHS: dict[tuple[Decimal, ...], tuple[int, ...]] = {}
# Each key's weights in tenths, so that `spread` does not look its weights up by their twelve Decimals.
KEY_TENTHS: dict[DistributionKey, tuple[int, ...]] = {key: _tenths(weights) for key, weights in WEIGHTS.items()}


def _as_kronor(parts: list[int], sign: int, zero: Decimal) -> tuple[Decimal, ...]:
    """Return whole öre as kronor; equal parts share one Decimal (an even spread has two values, not twelve).

    An empty part is `zero`: as Decimal's own rounding spells a negative amount's empty share.
    """
    made = {part: Decimal(sign * part).scaleb(-2) if part else zero for part in set(parts)}
    return tuple(map(made.__getitem__, parts))
