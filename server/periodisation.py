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
    return split(annual, WEIGHTS[key])


def spread_evenly(amount: Decimal, months: int) -> tuple[Decimal, ...]:
    """Split `amount` evenly over `months` months (none when 0); they add up exactly."""
    return split(amount, (Decimal(1),) * months) if months else ()


def split(amount: Decimal, weights: tuple[Decimal, ...]) -> tuple[Decimal, ...]:
    """Split `amount` by `weights`, exactly to the öre.

    Each part gets its share rounded towards zero to the öre; the öre left over go one
    each to the parts with the largest remainders (largest remainder method). Computed
    in whole öre and tenths of weight, which is exact (a weight has at most one decimal)
    and many times faster than Decimal division on every line of a large budget.
    """
    ore = int(amount.scaleb(2).to_integral_value(rounding=ROUND_DOWN))
    tenths = [int(w.scaleb(1)) for w in weights]
    total = sum(tenths)
    shares = [ore * t for t in tenths]  # each part's exact amount is share / total öre
    parts = [abs(share) // total * (1 if share >= 0 else -1) for share in shares]
    left = ore - sum(parts)
    step = 1 if left >= 0 else -1
    by_remainder = sorted(range(len(parts)), key=lambda i: abs(shares[i] - parts[i] * total), reverse=True)
    for i in by_remainder[: abs(left)]:
        parts[i] += step
    zero = ZERO.copy_negate() if amount.is_signed() else ZERO  # as Decimal's own rounding spells a negative amount's empty share
    return tuple(Decimal(part).scaleb(-2) if part else zero for part in parts)
