"""Spreading an annual amount over twelve months (periodisering), exactly to the öre."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from planround.models import DistributionKey

ORE = Decimal("0.01")

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
    each to the parts with the largest remainders (largest remainder method).
    """
    total_weight = sum(weights)
    exact = [amount * w / total_weight for w in weights]
    parts = [e.quantize(ORE, rounding=ROUND_DOWN) for e in exact]
    left = int(((amount - sum(parts)) / ORE).to_integral_value())
    step = ORE if left >= 0 else -ORE
    by_remainder = sorted(range(len(parts)), key=lambda i: abs(exact[i] - parts[i]), reverse=True)
    for i in by_remainder[: abs(left)]:
        parts[i] += step
    return tuple(parts)
